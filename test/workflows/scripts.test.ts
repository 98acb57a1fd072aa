// The scripts the workflows run, exercised with the real bash, jq, curl and helm: the combined
// result and message of the Slack notification, the Terraform-to-Helm hand-off, the deployment
// smoke test, and the values files the deploy and e2e jobs pass to the chart.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { parse as parseHcl } from '@cdktf/hcl2json'
import { SYSTEM_TOOLS, skipUnlessInstalled } from '../support/system-tools.js'
import { githubDirectory, repositoryRoot, runCommand } from './workflows.js'

const notifyDirectory = join(githubDirectory, 'actions', 'notify-slack')
const helmBinary = join(repositoryRoot, '.tools', 'bin', 'helm')
const withoutJq = skipUnlessInstalled(SYSTEM_TOOLS.jq)
const withoutCurlOrJq = skipUnlessInstalled([SYSTEM_TOOLS.curl, SYSTEM_TOOLS.jq])

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

// The chart values the deploy job takes from `terraform output -json helm_values`: the module's
// output, with every Terraform expression replaced by a value of the kind it produces.
const sampleValues: Record<string, string> = {
  awsRegion: 'eu-west-1',
  dynamodbTable: 'user-api-dev-users',
  s3Bucket: 'user-api-dev-avatars',
  s3KmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000000',
  irsaRoleArn: 'arn:aws:iam::111122223333:role/user-api-dev',
  name: 'user-api',
}

function withSamples(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return sampleValues[key] ?? 'placeholder'
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(Object.entries(value).map(([field, inner]) => [field, withSamples(inner, field)]))
}

async function outputs(path: string): Promise<Record<string, { value: unknown }[] | undefined>> {
  const parsed = (await parseHcl(path, await readFile(join(repositoryRoot, path), 'utf8'))) as { output?: Record<string, { value: unknown }[]> }
  return parsed.output ?? {}
}

test('every environment outputs helm_values, the hand-off the deploy job reads', async () => {
  for (const environment of ['dev', 'release', 'prod']) {
    const declared = await outputs(`terraform/environments/${environment}/outputs.tf`)
    assert.ok(declared.helm_values, `terraform/environments/${environment} has no output helm_values`)
  }
})

async function helmTemplate(args: readonly string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  assert.ok(existsSync(helmBinary), `${helmBinary} is missing: run bash scripts/install-tools.sh`)
  return runCommand(helmBinary, ['template', 'user-api', join(repositoryRoot, 'charts', 'user-api'), ...args])
}

test('each environment renders with its values, the module\'s helm_values and the image the deploy job passes', async () => {
  const helmValues = (await outputs('terraform/modules/user-api/outputs.tf')).helm_values?.[0]?.value
  assert.ok(helmValues, 'terraform/modules/user-api declares output helm_values')
  const directory = await mkdtemp(join(tmpdir(), 'deploy-values-'))
  try {
    const terraformValuesFile = join(directory, 'terraform-values.json')
    await writeFile(terraformValuesFile, JSON.stringify(withSamples(helmValues)))
    const digest = `sha256:${'0'.repeat(64)}`
    const renders = await Promise.all(
      ['dev', 'release', 'prod'].map((environment) =>
        helmTemplate([
          '--namespace', 'user-api',
          '--values', join(githubDirectory, 'deploy', `values-${environment}.yaml`),
          '--values', terraformValuesFile,
          '--set', 'image.registry=ghcr.io',
          '--set', 'image.repository=example/user-api',
          '--set', `image.tag=${'a'.repeat(40)}`,
          '--set', `image.digest=${digest}`,
        ]),
      ),
    )
    for (const render of renders) {
      assert.equal(render.exitCode, 0, render.stderr)
      assert.match(render.stdout, new RegExp(`image: ghcr\\.io/example/user-api:a{40}@${digest}`))
      assert.match(render.stdout, /eks\.amazonaws\.com\/role-arn: arn:aws:iam::111122223333:role\/user-api-dev/)
      assert.match(render.stdout, /user-api-dev-avatars/)
    }
  } finally {
    await rm(directory, { recursive: true, force: true })
  }
})

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

// A stand-in with the deployed service's contract for the three requests the smoke test makes.
async function startService(options: { ready: boolean; apiKey: string }): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    if (request.url === '/readyz') {
      response.writeHead(options.ready ? 200 : 503).end()
    } else if (request.url === '/users?limit=1') {
      const authorized = request.headers['x-api-key'] === options.apiKey
      response.writeHead(authorized ? 200 : 401, { 'content-type': 'application/json' }).end(authorized ? '[]' : '{}')
    } else {
      response.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}` }
}

async function smokeTest(url: string, apiKey: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return runCommand(join(githubDirectory, 'scripts', 'smoke-test.sh'), [url], { env: { API_KEY: apiKey } })
}

test('the smoke test passes a ready service that accepts the key and refuses anonymous requests', { skip: withoutCurlOrJq }, async (t) => {
  const apiKey = 'smoke-test-placeholder-key-0000000000'
  const { server, url } = await startService({ ready: true, apiKey })
  t.after(() => server.close())
  const result = await smokeTest(url, apiKey)
  assert.equal(result.exitCode, 0, result.stdout + result.stderr)
  assert.match(result.stdout, /with the API key: 200/)
})

test('the smoke test fails when the deployed keys do not include the smoke-test key', { skip: withoutCurlOrJq }, async (t) => {
  const { server, url } = await startService({ ready: true, apiKey: 'the-deployed-placeholder-key-000000000' })
  t.after(() => server.close())
  const result = await smokeTest(url, 'another-placeholder-key-0000000000000')
  assert.notEqual(result.exitCode, 0)
  assert.match(result.stderr, /answered 401, expected 200/)
})
