// Every `run:` block of the workflows and composite actions, and every shell script under .github,
// passes Debian's shellcheck. Run blocks are checked with the shell they run with (the step's,
// else the job's or workflow's default, else bash); a `${{ }}` expression is replaced by a plain
// word, the way a value from `env:` would appear.
import assert from 'node:assert/strict'
import { relative } from 'node:path'
import { describe, test } from 'node:test'
import { SYSTEM_TOOLS, skipUnlessInstalled } from '../support/system-tools.js'
import {
  loadCompositeActions,
  loadWorkflows,
  repositoryRoot,
  runCommand,
  shellScripts,
  type Step,
} from './workflows.js'

interface RunBlock {
  where: string
  shell: string
  script: string
}

function shellName(shell: string): string {
  // `bash -e {0}` or `sh` -> the program name shellcheck understands.
  return shell.split(/\s+/)[0] ?? shell
}

function runBlocks(): RunBlock[] {
  const blocks: RunBlock[] = []
  const add = (where: string, step: Step, fallbackShell: string): void => {
    if (step.run === undefined) return
    blocks.push({
      where: `${where} step "${step.name ?? step.id ?? step.run.split('\n')[0] ?? ''}"`,
      shell: shellName(step.shell ?? fallbackShell),
      script: step.run,
    })
  }
  for (const workflow of loadWorkflows()) {
    for (const [jobId, job] of Object.entries(workflow.data.jobs)) {
      const shell = job.defaults?.run?.shell ?? workflow.data.defaults?.run?.shell ?? 'bash'
      for (const step of job.steps ?? []) add(`${workflow.path} job ${jobId}`, step, shell)
    }
  }
  for (const action of loadCompositeActions()) {
    for (const step of action.data.runs.steps) add(action.path, step, 'bash')
  }
  return blocks
}

function withoutExpressions(script: string): string {
  return script.replace(/\$\{\{[\s\S]*?\}\}/g, 'GITHUB_EXPRESSION')
}

async function shellcheck(shell: string, script: string): Promise<string> {
  const result = await runCommand('shellcheck', [`--shell=${shell}`, '--format=gcc', '-'], { input: script })
  return result.exitCode === 0 ? '' : result.stdout + result.stderr
}

describe('shellcheck', { skip: skipUnlessInstalled(SYSTEM_TOOLS.shellcheck) }, () => {
  test('every run block passes shellcheck', async () => {
    const blocks = runBlocks()
    assert.ok(blocks.length > 10, 'the workflows should have run blocks to check')
    const unsupported = blocks.filter((block) => !['bash', 'sh'].includes(block.shell))
    assert.deepEqual(unsupported.map((block) => block.where), [], 'run blocks must use bash or sh')
    const outputs = await Promise.all(blocks.map((block) => shellcheck(block.shell, withoutExpressions(block.script))))
    const findings = blocks.flatMap((block, index) => (outputs[index] ? [`${block.where}:\n${outputs[index]}`] : []))
    assert.deepEqual(findings, [])
  })

  test('every shell script under .github passes shellcheck', async () => {
    const scripts = shellScripts()
    assert.ok(scripts.length >= 5, 'expected the e2e, deploy and notification scripts')
    const result = await runCommand('shellcheck', ['--format=gcc', ...scripts.map((path) => relative(repositoryRoot, path))])
    assert.equal(result.exitCode, 0, result.stdout + result.stderr)
  })

  test('the check finds a real mistake: an unquoted variable in a run block', async () => {
    const output = await shellcheck('bash', withoutExpressions('rm -rf $RUNNER_TEMP/${{ matrix.node }}/build\n'))
    assert.match(output, /SC2086/)
  })
})
