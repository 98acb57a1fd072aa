// The coverage gate of `npm test` (c8, configured in .c8rc.json): it covers every file of src/,
// fails the run below its thresholds, never starts below the floor the project set (85% of lines,
// 75% of branches), and writes the reports CI and SonarQube read.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

interface C8Config {
  include: string[]
  exclude?: string[]
  all: boolean
  reporter: string[]
  'report-dir': string
  'check-coverage': boolean
  lines: number
  statements: number
  branches: number
  functions: number
}

const root = new URL('../../', import.meta.url)
const config = JSON.parse(readFileSync(new URL('.c8rc.json', root), 'utf8')) as C8Config
const scripts = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }).scripts

test('npm test runs the whole suite under c8', () => {
  assert.match(scripts.test ?? '', /npm run test:all$/)
  assert.equal(scripts['test:all'], 'c8 node scripts/run-tests.mjs')
})

test('every file of src/ counts, loaded by a test or not, and none is excluded', () => {
  assert.deepEqual(config.include, ['src/**/*.ts'])
  assert.equal(config.all, true, 'a file no test loads counts as uncovered')
  assert.equal(config.exclude, undefined, 'an exclusion needs its reason in the README first')
})

test('the run fails below thresholds that start at the floor or above', () => {
  assert.equal(config['check-coverage'], true)
  assert.ok(config.lines >= 85, `lines ${config.lines}`)
  assert.ok(config.statements >= 85, `statements ${config.statements}`)
  assert.ok(config.branches >= 75, `branches ${config.branches}`)
  assert.ok(config.functions >= 75, `functions ${config.functions}`)
})

test('writes lcov for SonarQube and a JSON summary for the CI job summary', () => {
  assert.equal(config['report-dir'], 'coverage')
  for (const reporter of ['lcov', 'json-summary', 'text-summary']) assert.ok(config.reporter.includes(reporter), reporter)
})
