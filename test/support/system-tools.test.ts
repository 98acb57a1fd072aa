// The switch that keeps CI honest: without a system tool its tests skip with the install command,
// with REQUIRE_SYSTEM_TOOLS=1 they fail instead, and the runner fails a required run that skipped
// anything at all. The runner also reports every verdict and fails a run that never ends.
import assert from 'node:assert/strict'
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { runCommand, repositoryRoot } from '../workflows/workflows.js'
import { skipUnlessInstalled, type SystemTool } from './system-tools.js'

const present: SystemTool = { name: 'node', programs: ['node'], install: 'install Node' }
const absent: SystemTool = { name: 'no-such-tool', programs: ['no-such-program-here'], install: 'apt-get install -y no-such-tool' }

describe('skipUnlessInstalled', () => {
  it('runs a test whose tools are on PATH', () => {
    assert.equal(skipUnlessInstalled(present), false)
    assert.equal(skipUnlessInstalled([present, present]), false)
  })

  it('skips with one line naming every missing tool and its install command', () => {
    assert.equal(
      skipUnlessInstalled([present, absent], { PATH: process.env.PATH }),
      'no-such-tool is not installed (missing no-such-program-here); install it with: apt-get install -y no-such-tool',
    )
  })

  it('fails instead of skipping with REQUIRE_SYSTEM_TOOLS=1', () => {
    assert.throws(() => skipUnlessInstalled(absent, { PATH: process.env.PATH, REQUIRE_SYSTEM_TOOLS: '1' }), /^Error: REQUIRE_SYSTEM_TOOLS=1 but no-such-tool is not installed/)
  })
})

describe('scripts/run-tests.mjs', () => {
  // A project of its own test files, run by the runner as `npm test` runs it.
  async function runProject(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const project = await mkdtemp(join(tmpdir(), 'run-tests-'))
    try {
      await mkdir(join(project, 'test'))
      await symlink(join(repositoryRoot, 'node_modules'), join(project, 'node_modules'))
      for (const [name, text] of Object.entries(files)) await writeFile(join(project, 'test', name), text)
      // Without NODE_TEST_CONTEXT, which Node sets for this file, the nested runner reports on its own.
      return await runCommand(process.execPath, [join(repositoryRoot, 'scripts', 'run-tests.mjs')], { cwd: project, env: { ...env, NODE_TEST_CONTEXT: undefined } })
    } finally {
      await rm(project, { recursive: true, force: true })
    }
  }

  // One test file that skips for a reason that has nothing to do with system tools.
  const skippingSuite = { 'sample.test.ts': "import { test } from 'node:test'\ntest('runs', () => {})\ntest('skips', { skip: 'for no good reason' }, () => {})\n" }

  it('passes a run with a skipped test normally', async () => {
    const { exitCode, stderr } = await runProject(skippingSuite, { REQUIRE_SYSTEM_TOOLS: undefined })
    assert.equal(exitCode, 0, stderr)
  })

  it('fails a run with REQUIRE_SYSTEM_TOOLS=1 that skipped anything, naming what was skipped', async () => {
    const { exitCode, stderr } = await runProject(skippingSuite, { REQUIRE_SYSTEM_TOOLS: '1' })
    assert.equal(exitCode, 1)
    assert.match(stderr, /REQUIRE_SYSTEM_TOOLS=1, but 1 test\(s\) or suite\(s\) were skipped/)
    assert.match(stderr, /- skips \(test\/sample\.test\.ts\): for no good reason/)
  })

  it('reports the verdict of every test of every file', async () => {
    // Many quick tests with long names in files run side by side: with --test-force-exit Node
    // dropped the last verdicts of some files in 6 of 8 such runs (nodejs/node#64833).
    const name = 'x'.repeat(2000)
    const file = `import { test } from 'node:test'\n${Array.from({ length: 200 }, (_, index) => `test('t${index} ${name}', () => {})\n`).join('')}`
    const files = Object.fromEntries(Array.from({ length: 6 }, (_, index) => [`many-${index}.test.ts`, file]))
    for (let run = 0; run < 2; run++) {
      const { exitCode, stdout, stderr } = await runProject(files)
      assert.equal(exitCode, 0, stderr)
      assert.match(stdout, /^ℹ tests 1200$/m, `run ${run + 1}: ${/^ℹ tests \d+$/m.exec(stdout)?.[0] ?? 'no count'}`)
    }
  })

  it('stops a run that does not end and fails it, saying why', async () => {
    const { exitCode, stderr } = await runProject(
      { 'open-timer.test.ts': "import { test } from 'node:test'\ntest('leaves a timer running', () => { setInterval(() => {}, 1000) })\n" },
      { RUN_TESTS_TIMEOUT_MINUTES: '0.1' },
    )
    assert.equal(exitCode, 1)
    assert.match(stderr, /did not end within 0\.1 min \(RUN_TESTS_TIMEOUT_MINUTES\)/)
  })

  it('refuses a timeout that is not a number of minutes', async () => {
    const { exitCode, stderr } = await runProject(skippingSuite, { RUN_TESTS_TIMEOUT_MINUTES: 'ten' })
    assert.equal(exitCode, 1)
    assert.match(stderr, /RUN_TESTS_TIMEOUT_MINUTES must be a number of minutes above 0, got "ten"/)
  })
})
