// The scripts the workflows run, exercised with the real bash, jq and helm: the combined result and
// message of the Slack notification, the Terraform-to-chart hand-off every environment declares,
// and the values the e2e job gives the chart. What deploy/environments renders: test/deploy.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { parse as parseHcl } from '@cdktf/hcl2json'
import { SYSTEM_TOOLS, skipUnlessInstalled } from '../support/system-tools.js'
import { githubDirectory, repositoryRoot, runCommand } from './workflows.js'

const notifyDirectory = join(githubDirectory, 'actions', 'notify-slack')
const helmBinary = join(repositoryRoot, '.tools', 'bin', 'helm')
const withoutJq = skipUnlessInstalled(SYSTEM_TOOLS.jq)

function needs(results: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(results).map(([job, result]) => [job, { result, outputs: {} }])))
}

async function combinedResult(results: Record<string, string>): Promise<string> {
  const outcome = await runCommand(join(notifyDirectory, 'combined-result.sh'), [], {
    env: { NEEDS_JSON: needs(results) },
  })
  assert.equal(outcome.exitCode, 0, outcome.stderr)
  return outcome.stdout.trim()
}

test('the Slack message reports the combined result of all jobs', { skip: withoutJq }, async () => {
  assert.equal(await combinedResult({ lint: 'success', test: 'success', deploy: 'skipped' }), 'success')
  assert.equal(await combinedResult({ lint: 'success', test: 'failure', deploy: 'skipped' }), 'failure')
  assert.equal(await combinedResult({ lint: 'cancelled', test: 'failure' }), 'failure')
  assert.equal(await combinedResult({ lint: 'success', image: 'cancelled', deploy: 'skipped' }), 'cancelled')
  assert.equal(await combinedResult({ deploy: 'skipped' }), 'success')
})

interface SlackPayload {
  text: string
  blocks: { type: string; text?: { text: string }; fields?: { text: string }[]; elements?: { text: string }[] }[]
}

test('the Slack message names workflow, status, branch, event, actor, commit and run, escaped', { skip: withoutJq }, async () => {
  const runUrl = 'https://github.com/example/user-api/actions/runs/42/attempts/1'
  const outcome = await runCommand(join(notifyDirectory, 'slack-payload.sh'), [], {
    env: {
      NEEDS_JSON: needs({ lint: 'success', 'chart-e2e': 'failure', deploy: 'skipped' }),
      RESULT: 'failure',
      WORKFLOW: 'Delivery',
      RUN_NUMBER: '42',
      RUN_URL: runUrl,
      REPOSITORY: 'example/user-api',
      BRANCH: 'feature/<b>&co',
      EVENT: 'pull_request',
      ACTOR: 'octocat',
      COMMIT: '0123456789abcdef0123456789abcdef01234567',
      COMMIT_URL: 'https://github.com/example/user-api/commit/0123456789abcdef0123456789abcdef01234567',
    },
  })
  assert.equal(outcome.exitCode, 0, outcome.stderr)
  const payload = JSON.parse(outcome.stdout) as SlackPayload
  const everything = [
    payload.text,
    ...payload.blocks.flatMap((block) => [block.text?.text ?? '', ...(block.fields ?? []).map((field) => field.text), ...(block.elements ?? []).map((element) => element.text)]),
  ].join('\n')
  for (const expected of ['Delivery', 'failure', 'feature/&lt;b&gt;&amp;co', 'pull_request', 'octocat', '0123456789ab', runUrl, 'chart-e2e: failure']) {
    assert.ok(everything.includes(expected), `the message lacks ${expected}:\n${everything}`)
  }
  assert.ok(!everything.includes('<b>'), 'branch names are escaped for Slack mrkdwn')
  assert.ok(!everything.includes('deploy: skipped'), 'skipped jobs are not reported as problems')
})

async function outputs(path: string): Promise<Record<string, { value: unknown }[] | undefined>> {
  const parsed = (await parseHcl(path, await readFile(join(repositoryRoot, path), 'utf8'))) as { output?: Record<string, { value: unknown }[]> }
  return parsed.output ?? {}
}

test('every environment outputs helm_values, the hand-off proposed for deploy/environments', async () => {
  for (const environment of ['dev', 'release', 'prod']) {
    const declared = await outputs(`terraform/environments/${environment}/outputs.tf`)
    assert.ok(declared.helm_values, `terraform/environments/${environment} has no output helm_values`)
  }
})

async function helmTemplate(args: readonly string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  assert.ok(existsSync(helmBinary), `${helmBinary} is missing: run bash scripts/install-tools.sh`)
  return runCommand(helmBinary, ['template', 'user-api', join(repositoryRoot, 'charts', 'user-api'), ...args])
}

test('the e2e values render against the chart, with the loaded image never pulled', async () => {
  const render = await helmTemplate([
    '--namespace', 'user-api-e2e',
    '--values', join(githubDirectory, 'e2e', 'values-e2e.yaml'),
    '--set', 'image.repository=user-api',
    '--set', 'image.tag=e2e',
  ])
  assert.equal(render.exitCode, 0, render.stderr)
  assert.match(render.stdout, /image: user-api:e2e/)
  assert.match(render.stdout, /imagePullPolicy: Never/)
  assert.match(render.stdout, /http:\/\/minio\.user-api-e2e\.svc\.cluster\.local:9000/)
})
