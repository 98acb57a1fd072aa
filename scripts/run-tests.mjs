#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's own test runner. Node 20 does not expand globs in
// `--test`, so the file list is built here. Extra arguments narrow the run:
//   node scripts/run-tests.mjs test/users   (a folder or file prefix)
// With REQUIRE_SYSTEM_TOOLS=1 (set by .ci/run) a run that skipped any test fails: each test that
// needs a system tool already throws then, and this catches any other skip that would let CI pass
// without running everything.
// A run that has not ended after RUN_TESTS_TIMEOUT_MINUTES (10) is stopped and fails: see below.
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

const timeoutMinutes = Number(process.env.RUN_TESTS_TIMEOUT_MINUTES || 10)
if (!(timeoutMinutes > 0)) {
  console.error(`RUN_TESTS_TIMEOUT_MINUTES must be a number of minutes above 0, got ${JSON.stringify(process.env.RUN_TESTS_TIMEOUT_MINUTES)}`)
  process.exit(1)
}

const scratch = mkdtempSync(join(tmpdir(), 'run-tests-'))
const skippedFile = join(scratch, 'skipped.jsonl')
const skippedReporter = fileURLToPath(new URL('./skipped-tests-reporter.mjs', import.meta.url))
// No --test-force-exit: with files run side by side it drops the verdicts of the last tests of a
// file, silently and with exit code 0 (nodejs/node#64833; here 959-982 of 993 tests were reported
// in some runs). Without it, a test that fails half-way and leaves a server, a socket or a timer
// open keeps its file's process alive; the watchdog turns that hang into a failure.
const child = spawn(
  process.execPath,
  [
    '--import', 'tsx', '--test', '--test-concurrency=2',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${skippedReporter}`, `--test-reporter-destination=${skippedFile}`,
    ...files,
  ],
  // A process group of its own: the watchdog stops the runner and every file's process with it.
  { stdio: 'inherit', detached: true },
)
const signalAll = (signal) => {
  try {
    process.kill(-child.pid, signal)
  } catch {
    // Already gone.
  }
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => signalAll(signal))
let timedOut = false
const watchdog = setTimeout(() => {
  timedOut = true
  console.error(
    `\nThe test run did not end within ${timeoutMinutes} min (RUN_TESTS_TIMEOUT_MINUTES): a test file's process is still alive, ` +
      'most likely held by a server, socket or timer that a failed test left open. Stopping it; run the files one at a time to find it.',
  )
  signalAll('SIGKILL')
}, timeoutMinutes * 60_000)
child.on('exit', (code, signal) => {
  clearTimeout(watchdog)
  const lines = existsSync(skippedFile) ? readFileSync(skippedFile, 'utf8').split('\n') : []
  const skipped = lines.filter(Boolean).map((line) => JSON.parse(line))
  rmSync(scratch, { recursive: true, force: true })
  const exitCode = timedOut ? 1 : (code ?? (signal ? 1 : 0))
  if (process.env.REQUIRE_SYSTEM_TOOLS === '1' && skipped.length > 0) {
    console.error(`\nREQUIRE_SYSTEM_TOOLS=1, but ${skipped.length} test(s) or suite(s) were skipped:`)
    for (const { name, file, reason } of skipped) console.error(`  - ${name} (${relative('.', file ?? '?')})${reason ? `: ${reason}` : ''}`)
    process.exit(exitCode === 0 ? 1 : exitCode)
  }
  process.exit(exitCode)
})
