// The switch that keeps CI honest: without a system tool its tests skip with the install command,
// with REQUIRE_SYSTEM_TOOLS=1 they fail instead, and the runner fails a required run that skipped
// anything at all.
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
  // A project of one test file that skips for a reason that has nothing to do with system tools.
  async function runSkippingSuite(env: NodeJS.ProcessEnv): Promise<{ exitCode: number; stderr: string }> {
    const project = await mkdtemp(join(tmpdir(), 'run-tests-'))
    try {
      await mkdir(join(project, 'test'))
      await symlink(join(repositoryRoot, 'node_modules'), join(project, 'node_modules'))
      await writeFile(
        join(project, 'test', 'sample.test.ts'),
        "import { test } from 'node:test'\ntest('runs', () => {})\ntest('skips', { skip: 'for no good reason' }, () => {})\n",
      )
      // Without NODE_TEST_CONTEXT, which Node sets for this file, the nested runner reports on its own.
      return await runCommand(process.execPath, [join(repositoryRoot, 'scripts', 'run-tests.mjs')], { cwd: project, env: { ...env, NODE_TEST_CONTEXT: undefined } })
    } finally {
      await rm(project, { recursive: true, force: true })
    }
  }

  it('passes a run with a skipped test normally', async () => {
    const { exitCode, stderr } = await runSkippingSuite({ REQUIRE_SYSTEM_TOOLS: undefined })
    assert.equal(exitCode, 0, stderr)
  })

  it('fails a run with REQUIRE_SYSTEM_TOOLS=1 that skipped anything, naming what was skipped', async () => {
    const { exitCode, stderr } = await runSkippingSuite({ REQUIRE_SYSTEM_TOOLS: '1' })
    assert.equal(exitCode, 1)
    assert.match(stderr, /REQUIRE_SYSTEM_TOOLS=1, but 1 test\(s\) or suite\(s\) were skipped/)
    assert.match(stderr, /- skips \(test\/sample\.test\.ts\): for no good reason/)
  })
})
