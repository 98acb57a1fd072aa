#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's own test runner. Node 20 does not expand globs in
// `--test`, so the file list is built here. Extra arguments narrow the run:
//   node scripts/run-tests.mjs test/users   (a folder or file prefix)
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join, relative } from 'node:path'

function listTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return listTests(path)
    return entry.name.endsWith('.test.ts') ? [path] : []
  })
}

const filters = process.argv.slice(2)
const files = listTests('test')
  .map((file) => relative('.', file))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.startsWith(filter)))
  .sort()

if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ') || 'test/'}`)
  process.exit(1)
}

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
)
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
