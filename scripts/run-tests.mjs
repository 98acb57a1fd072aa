#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's own test runner. Node 20 does not expand globs in
// `--test`, so the file list is built here. Extra arguments narrow the run:
//   node scripts/run-tests.mjs test/users   (a folder or file prefix)
// With REQUIRE_SYSTEM_TOOLS=1 (set by .ci/run) a run that skipped any test fails: each test that
// needs a system tool already throws then, and this catches any other skip that would let CI pass
// without running everything.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

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

const scratch = mkdtempSync(join(tmpdir(), 'run-tests-'))
const skippedFile = join(scratch, 'skipped.jsonl')
const skippedReporter = fileURLToPath(new URL('./skipped-tests-reporter.mjs', import.meta.url))
const child = spawn(
  process.execPath,
  [
    // A test file whose test failed half-way can leave a server or a socket open; its process
    // then ends when its tests have, so the run reports the failure instead of hanging.
    '--import', 'tsx', '--test', '--test-concurrency=2', '--test-force-exit',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${skippedReporter}`, `--test-reporter-destination=${skippedFile}`,
    ...files,
  ],
  { stdio: 'inherit' },
)
child.on('exit', (code, signal) => {
  const lines = existsSync(skippedFile) ? readFileSync(skippedFile, 'utf8').split('\n') : []
  const skipped = lines.filter(Boolean).map((line) => JSON.parse(line))
  rmSync(scratch, { recursive: true, force: true })
  const exitCode = code ?? (signal ? 1 : 0)
  if (process.env.REQUIRE_SYSTEM_TOOLS === '1' && skipped.length > 0) {
    console.error(`\nREQUIRE_SYSTEM_TOOLS=1, but ${skipped.length} test(s) or suite(s) were skipped:`)
    for (const { name, file, reason } of skipped) console.error(`  - ${name} (${relative('.', file ?? '?')})${reason ? `: ${reason}` : ''}`)
    process.exit(exitCode === 0 ? 1 : exitCode)
  }
  process.exit(exitCode)
})
