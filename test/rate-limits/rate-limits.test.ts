// The per-pod rate limits on the real app and emulators: per credential (API key or token subject)
// and route group, per client address for failed authentication, the 429 they answer, the window
// that resets them, the client address behind trusted proxies only, and the routes never limited.
// Every response is also checked against the OpenAPI document (429 and RateLimit-* included).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { assertProblem } from '../support/http.js'
import { TestIssuer } from '../support/oidc-issuer.js'
import { newApiKey, startTestStack, type TestStack } from '../support/test-stack.js'

// Small, to reach them in a few requests; test-stack.ts turns every limit off unless a test sets it.
const LIMITS = { RATE_LIMIT_READS: '3', RATE_LIMIT_REGISTRATION: '2', RATE_LIMIT_DELETES: '2', RATE_LIMIT_AUTH_FAILURES: '3', RATE_LIMIT_WINDOW_SECONDS: '60' }
const WRONG_KEY = 'w'.repeat(40)

interface Call {
  method?: 'GET' | 'POST' | 'DELETE'
  url?: string
  key?: string
  token?: string
  address?: string
  forwardedFor?: string
}

function call(stack: TestStack, { method = 'GET', url = '/users?limit=1', key, token, address = '127.0.0.1', forwardedFor }: Call): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {
    ...(key !== undefined ? { 'x-api-key': key } : {}),
    ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
    ...(forwardedFor !== undefined ? { 'x-forwarded-for': forwardedFor } : {}),
  }
  const body = method === 'POST' ? { payload: { name: 'Rate Limited', email: `limited.${Math.random().toString(36).slice(2)}@example.com` } } : {}
  return stack.app.inject({ method, url, headers, remoteAddress: address, ...body })
}

const statuses = async (responses: Promise<LightMyRequestResponse>[]) => (await Promise.all(responses)).map((response) => response.statusCode)

async function sequentially(count: number, make: (index: number) => Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse[]> {
  const responses: LightMyRequestResponse[] = []
  for (let index = 0; index < count; index++) responses.push(await make(index))
  return responses
}

/** A series' value on /metrics; undefined while it does not exist. */
async function metric(stack: TestStack, series: string): Promise<number | undefined> {
  const text = (await stack.app.metricsServer.inject('/metrics')).body
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.split(' ')[1])
}

describe('rate limits per credential and route group', () => {
  let stack: TestStack
  let issuer: TestIssuer
  const [first, second] = [newApiKey(), newApiKey()]
  before(async () => {
    issuer = await TestIssuer.start()
    stack = await startTestStack({ ...LIMITS, ...issuer.environment(), API_KEYS: `${first},${second}` })
  })
  after(async () => {
    await stack.close()
    await issuer.close()
  })

  it('counts down in RateLimit-* headers, then refuses the credential with 429; another credential is not slowed', async () => {
    const reads = await sequentially(3, () => call(stack, { key: first }))
    assert.deepEqual(reads.map((response) => response.statusCode), [200, 200, 200])
    assert.deepEqual(reads.map((response) => response.headers['ratelimit-remaining']), ['2', '1', '0'])
    for (const response of reads) {
      assert.equal(response.headers['ratelimit-limit'], '3')
      assert.ok(Number(response.headers['ratelimit-reset']) >= 1 && Number(response.headers['ratelimit-reset']) <= 60)
    }
    assert.equal((await call(stack, { key: first })).statusCode, 429)
    // The other key, and the first key's other route groups, each have their own count.
    assert.deepEqual(await statuses([call(stack, { key: second }), call(stack, { key: second, url: `/users/${randomUUID()}` })]), [200, 404])
    assert.equal((await call(stack, { key: first, method: 'POST', url: '/user' })).statusCode, 201)
    assert.equal((await call(stack, { key: first, method: 'DELETE', url: `/users/${randomUUID()}` })).statusCode, 404)
  })

  it('answers 429 as problem details with Retry-After and the RateLimit headers, counted by route group and reason', async () => {
    const key = second
    const before = await metric(stack, 'rate_limited_requests_total{route_group="registration",reason="credential"}')
    await sequentially(2, () => call(stack, { key, method: 'POST', url: '/user' }))
    const refused = await call(stack, { key, method: 'POST', url: '/user' })
    const problem = assertProblem(refused, 429)
    assert.equal(problem.title, 'Too Many Requests')
    assert.match(problem.detail, /^This credential has used up its 2 registration requests per 60 s\. Retry after \d+ s\.$/)
    const retryAfter = Number(refused.headers['retry-after'])
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, String(refused.headers['retry-after']))
    assert.equal(refused.headers['ratelimit-limit'], '2')
    assert.equal(refused.headers['ratelimit-remaining'], '0')
    assert.equal(refused.headers['ratelimit-reset'], String(retryAfter))
    assert.equal(await metric(stack, 'rate_limited_requests_total{route_group="registration",reason="credential"}'), (before ?? NaN) + 1)
    // The renewal of an avatar upload is in the same group, and the refusal comes before the body is looked at.
    assert.equal((await stack.app.inject({ method: 'POST', url: `/users/${randomUUID()}/avatar-upload`, headers: { 'x-api-key': key, 'content-type': 'application/json' }, payload: '{not json' })).statusCode, 429)
    assert.equal(await metric(stack, 'rate_limited_requests_total{route_group="deletes",reason="credential"}'), 0, 'every series starts at 0')
  })

  it('limits a token caller by its subject, whichever of its tokens it sends', async () => {
    const [one, another, otherSubject] = await Promise.all([issuer.token({ sub: 'limited-subject' }), issuer.token({ sub: 'limited-subject', jti: 'second' }), issuer.token({ sub: 'other-subject' })])
    assert.notEqual(one, another)
    assert.deepEqual(await statuses([call(stack, { token: one }), call(stack, { token: another }), call(stack, { token: one })]), [200, 200, 200])
    assert.equal((await call(stack, { token: another })).statusCode, 429)
    assert.equal((await call(stack, { token: otherSubject })).statusCode, 200)
  })
})

describe('rate limit of failed authentication per client address', () => {
  let stack: TestStack
  before(async () => {
    stack = await startTestStack({ ...LIMITS, DOCS_ENABLED: 'true' })
  })
  after(async () => {
    await stack.close()
  })

  it('refuses an address once it has used up its failures, before checking credentials, valid ones too; other addresses go on', async () => {
    const address = '198.51.100.1'
    const failuresBefore = (await metric(stack, 'auth_failures_total{reason="invalid_api_key"}')) ?? 0
    const refusals = [
      await call(stack, { address, key: WRONG_KEY }),
      await call(stack, { address }),
      await call(stack, { address, key: stack.apiKey, token: 'both-credentials' }),
    ]
    assert.deepEqual(refusals.map((response) => response.statusCode), [401, 401, 400])
    for (const response of refusals) assert.equal(response.headers['ratelimit-limit'], undefined, 'the failure budget is not advertised')
    const refused = await call(stack, { address, key: stack.apiKey })
    const problem = assertProblem(refused, 429)
    assert.match(problem.detail, /^Too many requests with failed authentication from this address: at most 3 per 60 s\. Retry after \d+ s\.$/)
    assert.equal(refused.headers['ratelimit-limit'], '3')
    assert.equal(refused.headers['ratelimit-remaining'], '0')
    assert.equal(refused.headers['retry-after'], refused.headers['ratelimit-reset'])
    // A flood from it costs no credential check at all: the failures metric stops growing.
    assert.deepEqual(await statuses(Array.from({ length: 20 }, () => call(stack, { address, key: WRONG_KEY }))), Array<number>(20).fill(429))
    assert.equal(await metric(stack, 'auth_failures_total{reason="invalid_api_key"}'), failuresBefore + 1)
    assert.equal(await metric(stack, 'rate_limited_requests_total{route_group="reads",reason="auth_failures"}'), 21)

    assert.deepEqual(await statuses([call(stack, { address: '198.51.100.2', key: stack.apiKey }), call(stack, { address: '198.51.100.2', key: WRONG_KEY })]), [200, 401])
  })

  it('counts an IPv6 client by its /64, which one client holds whole', async () => {
    await sequentially(3, (index) => call(stack, { address: `2001:db8:1:2::${index + 1}`, key: WRONG_KEY }))
    assert.equal((await call(stack, { address: '2001:db8:1:2:ffff::9', key: stack.apiKey })).statusCode, 429)
    assert.equal((await call(stack, { address: '2001:db8:1:3::1', key: stack.apiKey })).statusCode, 200)
  })

  it('ignores X-Forwarded-For without trusted proxies: a client cannot pick a fresh address per request', async () => {
    const address = '198.51.100.3'
    const responses = await sequentially(6, (index) => call(stack, { address, key: WRONG_KEY, forwardedFor: `203.0.113.${index + 1}` }))
    assert.deepEqual(responses.map((response) => response.statusCode), [401, 401, 401, 429, 429, 429])
  })

  it('never limits health, readiness, metrics or the docs, whatever the address has done', async () => {
    const address = '198.51.100.4'
    await sequentially(3, () => call(stack, { address, key: WRONG_KEY }))
    assert.equal((await call(stack, { address, key: stack.apiKey })).statusCode, 429)
    for (const url of ['/healthz', '/readyz', '/openapi.json', '/docs/']) {
      const responses = await sequentially(10, () => call(stack, { address, url }))
      assert.deepEqual(responses.map((response) => response.statusCode), Array<number>(10).fill(200), url)
      for (const response of responses) assert.equal(response.headers['ratelimit-limit'], undefined, url)
    }
    // /metrics is on its own server (METRICS_PORT), which has no limits at all.
    const scrapes = await sequentially(10, () => stack.app.metricsServer.inject({ url: '/metrics', remoteAddress: address }))
    assert.deepEqual(scrapes.map((response) => response.statusCode), Array<number>(10).fill(200))
  })
})

describe('the client address behind trusted proxies', () => {
  let stack: TestStack
  before(async () => {
    stack = await startTestStack({ ...LIMITS, TRUSTED_PROXY_HOPS: '1' })
  })
  after(async () => {
    await stack.close()
  })

  it('is the X-Forwarded-For entry the trusted proxy appended; what the client put before it is ignored', async () => {
    // The proxy (the connection) is the same for everyone; it appends each client's address.
    const proxy = '10.0.0.5'
    await sequentially(3, () => call(stack, { address: proxy, key: WRONG_KEY, forwardedFor: '203.0.113.10' }))
    assert.equal((await call(stack, { address: proxy, key: stack.apiKey, forwardedFor: '203.0.113.10' })).statusCode, 429)
    // A spoofed entry in front of the real one changes nothing.
    assert.equal((await call(stack, { address: proxy, key: stack.apiKey, forwardedFor: '192.0.2.99, 203.0.113.10' })).statusCode, 429)
    // Other clients behind the same proxy are not affected.
    assert.equal((await call(stack, { address: proxy, key: stack.apiKey, forwardedFor: '203.0.113.11' })).statusCode, 200)
    assert.equal((await call(stack, { address: proxy, key: stack.apiKey, forwardedFor: '203.0.113.10, 203.0.113.11' })).statusCode, 200)
  })
})

describe('the rate-limit window', () => {
  let stack: TestStack
  before(async () => {
    stack = await startTestStack({ RATE_LIMIT_READS: '1', RATE_LIMIT_AUTH_FAILURES: '1', RATE_LIMIT_WINDOW_SECONDS: '1' })
  })
  after(async () => {
    await stack.close()
  })

  it('resets: after Retry-After seconds the caller and the address are served again', async () => {
    assert.equal((await call(stack, { key: stack.apiKey })).statusCode, 200)
    const refused = await call(stack, { key: stack.apiKey })
    assert.equal(refused.statusCode, 429)
    assert.equal((await call(stack, { address: '198.51.100.5', key: WRONG_KEY })).statusCode, 401)
    const refusedAddress = await call(stack, { address: '198.51.100.5', key: stack.apiKey })
    assert.equal(refusedAddress.statusCode, 429)
    // Each window started with its first request; the later one ends last.
    await sleep(Math.max(Number(refused.headers['retry-after']), Number(refusedAddress.headers['retry-after'])) * 1000 + 100)
    assert.equal((await call(stack, { key: stack.apiKey })).statusCode, 200)
    // The address's credentials are checked again (the key's one read of this window is spent above).
    assert.equal((await call(stack, { address: '198.51.100.5', key: WRONG_KEY })).statusCode, 401)
  })
})

describe('limits set to 0', () => {
  let stack: TestStack
  before(async () => {
    stack = await startTestStack({ RATE_LIMIT_READS: '0', RATE_LIMIT_AUTH_FAILURES: '0', RATE_LIMIT_REGISTRATION: '5' })
  })
  after(async () => {
    await stack.close()
  })

  it('are off: no count, no RateLimit headers, no 429', async () => {
    const reads = await statuses(Array.from({ length: 30 }, () => call(stack, { key: stack.apiKey })))
    assert.deepEqual(reads, Array<number>(30).fill(200))
    assert.equal((await call(stack, { key: stack.apiKey })).headers['ratelimit-limit'], undefined)
    assert.deepEqual(await statuses(Array.from({ length: 30 }, () => call(stack, { key: WRONG_KEY }))), Array<number>(30).fill(401))
    // A group still on keeps its limit.
    assert.equal((await call(stack, { key: stack.apiKey, method: 'POST', url: '/user' })).headers['ratelimit-limit'], '5')
  })
})
