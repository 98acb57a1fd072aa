// Backend outages through a real TCP proxy between the service and each emulator: while DynamoDB
// or S3 refuses, resets or stalls connections, every request answers within the configured AWS
// timeouts (503 + Retry-After where the backend is needed), nothing hangs or crashes, the pod stays
// ready (the outage is shared by every pod: taking them all out of the Service would turn those
// 503s into load-balancer errors), liveness stays up, and healing the network is enough to recover.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it, type TestContext } from 'node:test'
import { assertProblem, authed, uploadAvatar, type RegisteredUser } from '../support/http.js'
import { startTcpProxy, type ProxyMode, type TcpProxy } from '../support/tcp-proxy.js'
import { startTestStack, type TestStack } from '../support/test-stack.js'
import { failureBoundMs, listAllUsers, summarize, timed, watchForUnhandledErrors, type Timed } from './reliability-support.js'

const AWS_TIMEOUTS = { AWS_CONNECT_TIMEOUT_MS: '250', AWS_REQUEST_TIMEOUT_MS: '400', AWS_MAX_ATTEMPTS: '3' }
const READINESS_CACHE_MS = 200
const COPIES_OF_EACH_REQUEST = 4
// Retry-After is 2 s and background undos back off to 4 s between attempts: several times that.
const RETRIES_AFTER_AN_OUTAGE = 8

describe('backend outages through a TCP proxy', () => {
  let stack: TestStack
  let dynamoProxy: TcpProxy
  let s3Proxy: TcpProxy
  let client: ReturnType<typeof authed>
  let boundMs: number
  let registrationBoundMs: number
  let watch: ReturnType<typeof watchForUnhandledErrors>
  let outageEmails = 0
  const baseline: RegisteredUser[] = []
  const failedDuringOutage: string[] = []

  before(async () => {
    watch = watchForUnhandledErrors()
    dynamoProxy = await startTcpProxy()
    s3Proxy = await startTcpProxy()
    stack = await startTestStack(AWS_TIMEOUTS, {
      endpoints: { dynamodb: dynamoProxy.url, s3: s3Proxy.url },
      readinessCacheMs: READINESS_CACHE_MS,
    })
    dynamoProxy.setTarget(stack.emulators.dynamoEndpoint)
    s3Proxy.setTarget(stack.emulators.s3Endpoint)
    client = authed(stack.app, stack.apiKey)
    boundMs = failureBoundMs(stack.config.aws)
    registrationBoundMs = failureBoundMs(stack.config.aws, 2)
    for (let index = 0; index < 3; index++) baseline.push(await client.register(`Before ${index}`, `before-${index}@example.com`))
    assert.equal((await stack.app.inject('/readyz')).statusCode, 200, 'ready before the outages')
  })
  after(async () => {
    watch.stop()
    await stack.close()
    await dynamoProxy.close()
    await s3Proxy.close()
  })

  // Each request with the bound of its AWS calls: a registration makes two in a row when the
  // backend fails (the claim, then the undo of a claim that may have landed), the others one.
  function requestsNeedingDynamo(): { name: string; boundMs: number; request: () => ReturnType<typeof client.get> }[] {
    const known = baseline[0]!.user.id
    return Array.from({ length: COPIES_OF_EACH_REQUEST }, () => {
      const email = `outage-${outageEmails++}@example.com`
      failedDuringOutage.push(email)
      return [
        { name: 'POST /user', boundMs: registrationBoundMs, request: () => client.post('/user', { name: 'During Outage', email }) },
        { name: 'GET /users', boundMs, request: () => client.get('/users?limit=10') },
        { name: 'GET /users/{id}', boundMs, request: () => client.get(`/users/${known}`) },
        { name: 'DELETE /users/{id}', boundMs, request: () => client.delete(`/users/${known}`) },
        { name: 'POST /users/{id}/avatar-upload', boundMs, request: () => client.post(`/users/${known}/avatar-upload`, {}) },
      ]
    }).flat()
  }

  async function expectRecovered(t: TestContext, startedAt: number): Promise<void> {
    for (const { user } of baseline) {
      assert.equal((await client.get(`/users/${user.id}`)).statusCode, 200, 'data written before the outage is intact')
    }
    const fresh = await client.register('After', `after-${outageEmails++}@example.com`)
    const { users } = await listAllUsers(client, 100)
    assert.ok(users.some((user) => user.id === fresh.user.id))
    t.diagnostic(`recovered without restart: writes and reads work (${Math.round(performance.now() - startedAt)} ms)`)
  }

  // Stall first: the SDK's retry quota (500 tokens, 14 per retry) is still full, so the stalled
  // requests really go through every attempt and the time bound is tested at its worst.
  for (const mode of ['stall', 'refuse', 'reset'] satisfies ProxyMode[]) {
    it(`DynamoDB ${mode}: 503 + Retry-After within the bound, /readyz and /healthz 200, then recovery`, async (t) => {
      await dynamoProxy.setMode(mode)
      const outageStarted = performance.now()
      const requests = requestsNeedingDynamo()
      const results: Timed[] = await Promise.all(requests.map(({ request, boundMs: bound }) => timed(request, bound * 2)))
      for (const [index, { response, ms }] of results.entries()) {
        const { name, boundMs: bound } = requests[index]!
        const problem = assertProblem(response, 503)
        assert.equal(response.headers['retry-after'], '2', name)
        assert.ok(ms <= bound, `${name} answered in ${ms} ms, bound ${bound} ms`)
        assert.doesNotMatch(JSON.stringify(problem), /ECONNREFUSED|ECONNRESET|socket|Timeout|127\.0\.0\.1|dynamodb/i, 'no internals leak')
      }
      // Past the readiness cache, so a readiness that still followed DynamoDB would have asked it.
      await sleep(READINESS_CACHE_MS)
      const ready = await timed(() => stack.app.inject('/readyz'), 1000)
      assert.equal(ready.response.statusCode, 200, 'the pod stays in the Service during a shared outage')
      const live = await timed(() => stack.app.inject('/healthz'), 1000)
      assert.equal(live.response.statusCode, 200)
      const durations = summarize(results.map(({ ms }) => ms))
      const registrations = summarize(results.filter((_, index) => requests[index]!.name === 'POST /user').map(({ ms }) => ms))
      t.diagnostic(
        `${mode}: ${durations.count} concurrent requests all 503 in ${durations.min}-${durations.max} ms (median ${durations.median}, bound ${boundMs}); POST /user up to ${registrations.max} ms (bound ${registrationBoundMs}); ` +
          `/readyz 200 in ${ready.ms} ms; /healthz 200 in ${live.ms} ms`,
      )

      await dynamoProxy.heal()
      await expectRecovered(t, performance.now())
      // The requests, then readiness turning 503 and back to 200, then the checks after recovery.
      const cycleBoundMs = registrationBoundMs + 2 * (READINESS_CACHE_MS + boundMs) + 2000
      assert.ok(performance.now() - outageStarted < cycleBoundMs, `the whole outage cycle stays within ${cycleBoundMs} ms`)
    })
  }

  it('left nothing behind from registrations that failed during the outages', async () => {
    assert.ok(failedDuringOutage.length >= 3 * COPIES_OF_EACH_REQUEST)
    // As a client would: a 503 means retry after Retry-After. A claim whose write reached DynamoDB
    // after the client gave up (a stalled connection resumed) is undone in the background, with
    // back-off; until then the address answers 503, never 409.
    const register = async (email: string): Promise<number> => {
      for (let attempt = 1; ; attempt++) {
        const response = await client.post('/user', { name: 'Retry', email })
        if (response.statusCode !== 503 || attempt === RETRIES_AFTER_AN_OUTAGE) return response.statusCode
        await sleep(Number(response.headers['retry-after']) * 1000)
      }
    }
    const retried = await Promise.all(failedDuringOutage.map(register))
    assert.deepEqual(retried, failedDuringOutage.map(() => 201), 'every address is free again')
  })

  for (const mode of ['refuse', 'stall'] satisfies ProxyMode[]) {
    it(`S3 ${mode}: reads degrade to avatar_url null, erasure answers 503, registration and readiness are unaffected`, async (t) => {
      const victim = await client.register('S3 Victim', `s3-victim-${mode}@example.com`)
      await s3Proxy.setMode(mode)
      try {
        const [list, one, erase, register, ready] = await Promise.all([
          timed(() => client.get('/users?limit=1000'), boundMs * 2),
          timed(() => client.get(`/users/${victim.user.id}`), boundMs * 2),
          timed(() => client.delete(`/users/${victim.user.id}`), boundMs * 2),
          timed(() => client.post('/user', { name: 'Presign Offline', email: `s3-down-${mode}@example.com` }), boundMs * 2),
          timed(() => stack.app.inject('/readyz'), boundMs * 2),
        ])
        for (const { ms } of [list, one, erase, register, ready]) assert.ok(ms <= boundMs, `answered in ${ms} ms, bound ${boundMs} ms`)
        assert.equal(list.response.statusCode, 200)
        assert.ok(list.response.json<{ avatar_url: string | null }[]>().every((user) => user.avatar_url === null))
        assert.equal(one.response.statusCode, 200)
        assertProblem(erase.response, 503)
        assert.equal(erase.response.headers['retry-after'], '2')
        assert.equal(register.response.statusCode, 201, 'presigning needs no call to S3')
        assert.equal(ready.response.statusCode, 200, 'readiness depends on DynamoDB only')
        assert.equal((await client.get(`/users/${victim.user.id}`)).statusCode, 200, 'a failed erasure deletes nothing')
        t.diagnostic(
          `S3 ${mode}: GET /users 200 in ${list.ms} ms, GET /users/{id} 200 in ${one.ms} ms, DELETE 503 in ${erase.ms} ms, ` +
            `POST /user 201 in ${register.ms} ms, /readyz 200 in ${ready.ms} ms (bound ${boundMs})`,
        )
      } finally {
        await s3Proxy.heal()
      }

      const upload = await uploadAvatar(victim.avatar_upload, Buffer.from('avatar after the outage'))
      assert.ok(upload.status < 300, `upload through the healed path: ${upload.status}`)
      const shown = (await client.get(`/users/${victim.user.id}`)).json<{ avatar_url: string | null }>()
      assert.ok(shown.avatar_url, 'the avatar shows up without a restart')
      assert.equal((await client.delete(`/users/${victim.user.id}`)).statusCode, 204)
    })
  }

  it('raised no unhandled rejection or uncaught exception and the process still serves', async () => {
    assert.deepEqual(watch.errors, [])
    assert.equal((await stack.app.inject('/healthz')).statusCode, 200)
    assert.ok(dynamoProxy.stats.resetConnections > 0 && dynamoProxy.stats.stalledConnections > 0, 'the faults were really injected')
  })
})
