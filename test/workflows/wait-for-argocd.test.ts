// wait-for-argocd.sh, the pipeline's only view of a rollout, run with the real bash, curl and jq
// against a stand-in for Argo CD's API on 127.0.0.1 that answers each read with the next state of a
// script (and a stand-in `gh` for GitHub's compare API): it succeeds only at Synced, Healthy and a
// succeeded operation at the revision or a later one containing it, and fails fast on a failed sync,
// a Degraded application or a refused token, and after its timeout otherwise.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { SYSTEM_TOOLS, skipUnlessInstalled } from '../support/system-tools.js'
import { fakeGitHub, type FakeGitHub } from './fake-gh.js'
import { githubDirectory, runCommand } from './workflows.js'

const revision = '1'.repeat(40)
const older = '0'.repeat(40)
const newer = '2'.repeat(40)
const token = 'argocd-project-token-placeholder'

interface AppState {
  sync: string
  synced: string
  health: string
  phase?: string
  operationRevision?: string
  message?: string
}

const application = (state: AppState) => ({
  metadata: { name: 'user-api-dev' },
  status: {
    sync: { status: state.sync, revision: state.synced },
    health: { status: state.health },
    ...(state.phase ? { operationState: { phase: state.phase, message: state.message ?? '', syncResult: { revision: state.operationRevision ?? state.synced } } } : {}),
  },
})

interface FakeArgoCd {
  url: string
  requests: { method: string; url: string; authorization: string | undefined; body: string }[]
}

const servers: Server[] = []
after(() => {
  for (const server of servers) server.close()
})

/** Answers GETs with the states in order (the last one repeats); 401 for any other token. */
async function fakeArgoCd(states: AppState[]): Promise<FakeArgoCd> {
  const requests: FakeArgoCd['requests'] = []
  let next = 0
  const body = (request: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = ''
      request.on('data', (chunk: Buffer) => {
        text += chunk.toString()
      })
      request.on('end', () => {
        resolve(text)
      })
    })
  const server = createServer((request, response) => {
    void body(request).then((text) => {
      requests.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization, body: text })
      if (request.headers.authorization !== `Bearer ${token}`) {
        response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid session"}')
      } else if (request.method === 'POST' && request.url === '/api/v1/applications/user-api-dev/sync') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      } else if (request.method === 'GET' && request.url?.startsWith('/api/v1/applications/user-api-dev')) {
        const state = states[Math.min(next++, states.length - 1)]!
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(application(state)))
      } else {
        response.writeHead(404).end()
      }
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, requests }
}

async function wait(argo: FakeArgoCd, args: string[], env: NodeJS.ProcessEnv = {}) {
  return runCommand(join(githubDirectory, 'scripts', 'wait-for-argocd.sh'), args, {
    env: { ARGOCD_SERVER: argo.url, ARGOCD_AUTH_TOKEN: token, POLL_SECONDS: '0.05', GH_REPO: '', ...env },
  })
}

const rollingOut: AppState = { sync: 'OutOfSync', synced: older, health: 'Healthy', phase: 'Succeeded', operationRevision: older }
const syncing: AppState = { sync: 'Synced', synced: revision, health: 'Progressing', phase: 'Running' }
const done: AppState = { sync: 'Synced', synced: revision, health: 'Healthy', phase: 'Succeeded' }

describe('wait-for-argocd.sh', { skip: skipUnlessInstalled([SYSTEM_TOOLS.curl, SYSTEM_TOOLS.jq]) }, () => {
  test('waits through the rollout and succeeds at Synced, Healthy and a succeeded sync of the revision', async () => {
    const argo = await fakeArgoCd([rollingOut, syncing, { ...done, phase: 'Running' }, done])
    const result = await wait(argo, ['user-api-dev', revision, '60'])
    assert.equal(result.exitCode, 0, result.stdout + result.stderr)
    assert.match(result.stdout, /user-api-dev is Synced and Healthy at 111111111111/)
    assert.equal(argo.requests.length, 4, 'done only once the PostSync check has passed (operation Succeeded)')
    assert.ok(argo.requests.every((request) => request.authorization === `Bearer ${token}`))
    assert.equal(argo.requests[0]!.url, '/api/v1/applications/user-api-dev?refresh=normal', 'asks Argo CD to look at git at once')
    assert.equal(argo.requests[1]!.url, '/api/v1/applications/user-api-dev')
  })

  test('an old failed sync does not count; a failed sync of the revision fails at once with its message', async () => {
    const argo = await fakeArgoCd([
      { sync: 'OutOfSync', synced: older, health: 'Healthy', phase: 'Failed', operationRevision: older },
      syncing,
      { sync: 'OutOfSync', synced: revision, health: 'Healthy', phase: 'Failed', message: 'PostSync hook user-api-test-readyz failed' },
    ])
    const result = await wait(argo, ['user-api-dev', revision, '60'])
    assert.equal(result.exitCode, 1)
    assert.match(result.stdout, /::error title=Argo CD::the sync of user-api-dev to 111111111111 failed: PostSync hook user-api-test-readyz failed/)
    assert.equal(argo.requests.length, 3)
  })

  test('Degraded at the revision fails at once', async () => {
    const argo = await fakeArgoCd([syncing, { ...done, health: 'Degraded' }])
    const result = await wait(argo, ['user-api-dev', revision, '60'])
    assert.equal(result.exitCode, 1)
    assert.match(result.stdout, /user-api-dev is Degraded at 111111111111/)
  })

  test('gives up after the timeout, saying what Argo CD last reported', async () => {
    const argo = await fakeArgoCd([rollingOut])
    const result = await wait(argo, ['user-api-dev', revision, '1'])
    assert.equal(result.exitCode, 1)
    assert.match(result.stdout, /did not become Synced and Healthy at 111111111111 within 1 s; last: sync OutOfSync at 000000000000/)
  })

  test('a refused token fails at once, and the token is never on a command line', async () => {
    const argo = await fakeArgoCd([done])
    const result = await wait(argo, ['user-api-dev', revision, '60'], { ARGOCD_AUTH_TOKEN: 'wrong-token' })
    assert.equal(result.exitCode, 1)
    assert.match(result.stderr, /Argo CD answered 401/)
    assert.match(result.stdout, /refused to show user-api-dev/)
    assert.equal(argo.requests.length, 1)
    const script = await readFile(join(githubDirectory, 'scripts', 'wait-for-argocd.sh'), 'utf8')
    assert.doesNotMatch(script, /curl[^\n]*ARGOCD_AUTH_TOKEN/)
  })

  test('--sync starts a pruning sync first (prod)', async () => {
    const argo = await fakeArgoCd([rollingOut, done])
    const result = await wait(argo, ['--sync', 'user-api-dev', revision, '60'])
    assert.equal(result.exitCode, 0, result.stdout + result.stderr)
    assert.equal(argo.requests[0]!.method, 'POST')
    assert.deepEqual(JSON.parse(argo.requests[0]!.body), { prune: true })
  })

  test('refuses a revision that is not a full commit SHA', async () => {
    const argo = await fakeArgoCd([done])
    assert.equal((await wait(argo, ['user-api-dev', 'main', '60'])).exitCode, 1)
    assert.equal(argo.requests.length, 0)
  })

  describe('a later commit of main', () => {
    let github: FakeGitHub
    after(async () => {
      await github.remove()
    })

    test('counts when it contains the revision, and not when it does not', async () => {
      github = await fakeGitHub({
        branches: { main: { commit: newer, files: {} } },
        compare: { [`${revision}...${newer}`]: { status: 'ahead' }, [`${revision}...${older}`]: { status: 'behind' } },
      })
      const ahead = await fakeArgoCd([{ ...done, synced: newer }])
      const result = await wait(ahead, ['user-api-dev', revision, '60'], github.env)
      assert.equal(result.exitCode, 0, result.stdout + result.stderr)
      assert.match(result.stdout, /Synced and Healthy at 222222222222, which contains 111111111111/)

      const behind = await fakeArgoCd([{ ...done, synced: older }])
      assert.equal((await wait(behind, ['user-api-dev', revision, '1'], github.env)).exitCode, 1)
    })
  })
})
