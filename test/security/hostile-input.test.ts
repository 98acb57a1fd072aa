// Property-based fuzzing of everything a client controls: bodies, query strings, headers, cursors
// and path ids. Whatever arrives, the service never answers 5xx or crashes, and every error is
// problem details. Thousands of cases through app.inject against the real app on emulators.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { BODY_LIMIT_BYTES } from '../../src/app.js'
import { authed, nextLink } from '../support/http.js'
import { newApiKey, startTestStack, type TestStack } from '../support/test-stack.js'
import { assertWellFormed } from './security-support.js'

const RUNS = { bodies: 1500, queries: 1000, headers: 500, randomCursors: 500, tamperedCursors: 800, pathIds: 1000, oversized: 60 }
const CLOCK_AHEAD_MS = 2 * 3600 * 1000
// find-my-way's default limit: longer path parameters never reach the route.
const MAX_PARAM_LENGTH = 100
const BASE64URL_CHARACTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.match(/./g)!

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('', ' ', '\u0000', '\u202e', '\ud800', 'null', '<script>', '../../etc/passwd', '%00', '"', '\\', '${x}', '{{x}}'),
)
const emailLike = fc.oneof(fc.emailAddress(), text, fc.string().map((local) => `${local}@example.com`), fc.constant(`${'a'.repeat(250)}@x.io`))
const userBody = fc.record(
  {
    name: fc.oneof(text, fc.string({ minLength: 95, maxLength: 110 }), fc.integer(), fc.constant(null)),
    email: fc.oneof(emailLike, fc.integer(), fc.array(fc.string(), { maxLength: 2 })),
    avatar_content_type: fc.oneof(fc.constantFrom('image/png', 'image/jpeg', 'image/webp', 'image/gif', 'IMAGE/PNG', 'image/svg+xml'), text),
    admin: fc.boolean(),
  },
  { requiredKeys: [] },
)
// Plausible registrations, so the success path (writes to DynamoDB, presigning) is fuzzed too.
const plausibleBody = fc.record(
  {
    name: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 100 }),
    email: fc.emailAddress(),
    avatar_content_type: fc.constantFrom('image/png', 'image/jpeg', 'image/webp'),
  },
  { requiredKeys: ['name', 'email'] },
)
const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/problem+json',
  '',
)
// Prototype pollution attempts are written as text: an object literal cannot carry __proto__ as data.
const pollution = fc.tuple(fc.constantFrom('"__proto__":{"admin":true}', '"constructor":{"prototype":{"admin":true}}', '"__proto__":null'), fc.emailAddress()).map(
  ([member, email]) => `{"name":"Proto",${member},"email":${JSON.stringify(email)}}`,
)
const deepNesting = fc.integer({ min: 100, max: 7000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth))
const bodies = fc.oneof(
  { arbitrary: plausibleBody.map((body) => ({ contentType: 'application/json', payload: JSON.stringify(body) })), weight: 3 },
  { arbitrary: userBody.map((body) => ({ contentType: 'application/json', payload: JSON.stringify(body) })), weight: 4 },
  { arbitrary: fc.jsonValue().map((value) => ({ contentType: 'application/json', payload: JSON.stringify(value) })), weight: 2 },
  { arbitrary: pollution.map((payload) => ({ contentType: 'application/json', payload })), weight: 1 },
  { arbitrary: fc.tuple(contentTypes, fc.oneof(fc.string(), fc.json(), deepNesting)).map(([contentType, payload]) => ({ contentType, payload })), weight: 2 },
  { arbitrary: fc.tuple(contentTypes, fc.uint8Array({ maxLength: 300 })).map(([contentType, bytes]) => ({ contentType, payload: Buffer.from(bytes) })), weight: 1 },
)

function statusTally(): { count(status: number): void; toString(): string } {
  const counts = new Map<number, number>()
  return {
    count: (status) => counts.set(status, (counts.get(status) ?? 0) + 1),
    toString: () => [...counts].sort(([a], [b]) => a - b).map(([status, count]) => `${count} x ${status}`).join(', '),
  }
}

describe('hostile input never gives a 5xx and every error is problem details', () => {
  let stack: TestStack
  let client: ReturnType<typeof authed>
  let headers: Record<string, string>

  before(async () => {
    // A clock past every upload window, so listings need no S3 call per user: input handling is
    // what is under test, and thousands of listings stay fast.
    stack = await startTestStack({}, { now: () => new Date(Date.now() + CLOCK_AHEAD_MS) })
    client = authed(stack.app, stack.apiKey)
    headers = { 'x-api-key': stack.apiKey }
    for (let index = 0; index < 5; index++) await client.register(`Fuzz Target ${index}`, `target-${index}@example.com`)
  })
  after(async () => {
    await stack.close()
  })

  it(`GET /users query strings (${RUNS.queries} cases)`, async (t) => {
    const tally = statusTally()
    const name = fc.oneof(fc.constantFrom('limit', 'cursor', 'limit[]', 'cursor[0]', '__proto__', 'constructor', ''), fc.string({ maxLength: 10 }))
    const value = fc.oneof(
      fc.integer({ min: -2000, max: 2000 }).map(String),
      fc.constantFrom('1e2', '0x10', '1.5', ' 5', '5 ', '+5', '00010', '9'.repeat(400), 'NaN', 'Infinity', '-0', ''),
      fc.string({ unit: 'binary', maxLength: 40 }),
    )
    // Either every byte escaped, or only those a request line cannot carry (so raw &, = and % stay).
    const encoded = (raw: string, everything: boolean) =>
      Array.from(Buffer.from(raw, 'utf8'), (byte) =>
        everything || byte < 0x21 || byte > 0x7e || byte === 0x23 ? `%${byte.toString(16).padStart(2, '0')}` : String.fromCharCode(byte),
      ).join('')
    const malformedEscapes = fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%00', '%%', '&&', '=', '==&=')
    const query = fc.array(fc.oneof(fc.tuple(name, value, fc.boolean()).map(([key, raw, encode]) => `${encoded(key, encode)}=${encoded(raw, encode)}`), malformedEscapes), { maxLength: 5 })
    await fc.assert(
      fc.asyncProperty(query, async (parts) => {
        const url = `/users?${parts.join('&')}`
        const response = await stack.app.inject({ method: 'GET', url, headers })
        assertWellFormed(response, `GET ${url}`)
        tally.count(response.statusCode)
        assert.ok(response.statusCode === 200 || response.statusCode === 400, `GET ${url}: ${response.statusCode}`)
      }),
      { numRuns: RUNS.queries },
    )
    t.diagnostic(`GET /users: ${tally.toString()}`)
  })

  it(`headers (${RUNS.headers} cases)`, async (t) => {
    const tally = statusTally()
    const headerName = fc.oneof(fc.constantFrom('x-request-id', 'content-type', 'accept', 'accept-encoding', 'x-forwarded-for', 'authorization', 'cookie', 'range', 'if-none-match', 'transfer-encoding-x'), fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/))
    const headerValue = fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 200 }), fc.constantFrom('', ' ', 'application/json', '*/*', 'gzip, br', '../../', 'x'.repeat(4000)))
    const route = fc.constantFrom('/users', '/users?limit=2', `/users/${crypto.randomUUID()}`, '/healthz', '/readyz', '/metrics', '/openapi.json', '/nowhere')
    await fc.assert(
      fc.asyncProperty(route, fc.dictionary(headerName, headerValue, { maxKeys: 6 }), async (url, extra) => {
        const response = await stack.app.inject({ method: 'GET', url, headers: { ...extra, ...headers } })
        assertWellFormed(response, `GET ${url} with ${JSON.stringify(extra).slice(0, 300)}`)
        tally.count(response.statusCode)
        const incoming = extra['x-request-id']
        if (incoming !== undefined && /^[A-Za-z0-9._:-]{1,128}$/.test(incoming)) assert.equal(response.headers['x-request-id'], incoming)
        else assert.match(String(response.headers['x-request-id']), /^[0-9a-f-]{36}$/, 'an unsafe request id is replaced')
      }),
      { numRuns: RUNS.headers },
    )
    t.diagnostic(`headers: ${tally.toString()}`)
  })

  describe('cursors', () => {
    let cursor: string
    let secondPage: string

    before(async () => {
      const next = nextLink(await client.get('/users?limit=2'))
      assert.ok(next, 'a first page with a next link')
      cursor = new URL(next, 'http://x').searchParams.get('cursor')!
      secondPage = (await client.get(next)).body
    })

    const pageWith = (value: string) => client.get(`/users?limit=2&cursor=${encodeURIComponent(value)}`)

    it(`random strings are refused with 400 (${RUNS.randomCursors} cases)`, async () => {
      const randomCursor = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.tuple(fc.constantFrom('v1', 'v2', 'V1', ''), fc.base64String(), fc.base64String()).map((parts) => parts.join('.')),
        fc.jsonValue().map((value) => `v1.${Buffer.from(JSON.stringify(value)).toString('base64url')}.${Buffer.alloc(32).toString('base64url')}`),
      )
      await fc.assert(
        fc.asyncProperty(randomCursor, async (value) => {
          const response = await pageWith(value)
          assertWellFormed(response, `cursor ${JSON.stringify(value)}`)
          assert.equal(response.statusCode, 400, `cursor ${JSON.stringify(value)}`)
        }),
        { numRuns: RUNS.randomCursors },
      )
    })

    it(`a tampered cursor is refused, or decodes to the very same position (${RUNS.tamperedCursors} cases)`, async () => {
      const alphabet = fc.constantFrom(...BASE64URL_CHARACTERS, '.', '=', '+', '/', '%', ' ')
      const tampered = fc.oneof(
        fc.tuple(fc.nat(), alphabet).map(([at, char]) => cursor.slice(0, at % cursor.length) + char + cursor.slice((at % cursor.length) + 1)),
        fc.tuple(fc.nat(), alphabet).map(([at, char]) => cursor.slice(0, at % cursor.length) + char + cursor.slice(at % cursor.length)),
        fc.nat().map((at) => cursor.slice(0, at % cursor.length) + cursor.slice((at % cursor.length) + 1)),
        fc.nat().map((length) => cursor.slice(0, length % cursor.length)),
        fc.string({ minLength: 1, maxLength: 8 }).map((suffix) => cursor + suffix),
      )
      await fc.assert(
        fc.asyncProperty(tampered, async (value) => {
          fc.pre(value !== cursor)
          const response = await pageWith(value)
          assertWellFormed(response, `cursor ${value}`)
          // base64url decoding ignores a few stray characters and unused trailing bits, so some edits
          // decode to the same signed bytes: harmless, as long as they lead to the same page.
          if (response.statusCode === 200) assert.equal(response.body, secondPage, `an altered cursor moved the position: ${value}`)
          else assert.equal(response.statusCode, 400, `cursor ${value}`)
        }),
        { numRuns: RUNS.tamperedCursors },
      )
    })

    it('a cursor issued to another API key is refused', async () => {
      const otherKey = newApiKey()
      const other = await startTestStack({ API_KEYS: `${stack.apiKey},${otherKey}` })
      try {
        for (let index = 0; index < 3; index++) await authed(other.app, stack.apiKey).register(`Other ${index}`, `other-${index}@example.com`)
        const next = nextLink(await authed(other.app, stack.apiKey).get('/users?limit=1'))
        assert.ok(next)
        assert.equal((await authed(other.app, stack.apiKey).get(next)).statusCode, 200)
        const foreign = await authed(other.app, otherKey).get(next)
        assertWellFormed(foreign, 'foreign cursor')
        assert.equal(foreign.statusCode, 400)
      } finally {
        await other.close()
      }
    })
  })

  it(`path ids on every /users/{id} route (${RUNS.pathIds} cases)`, async (t) => {
    const tally = statusTally()
    const id = fc.oneof(
      fc.uuid(),
      fc.uuid().map((uuid) => uuid.toUpperCase()),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom('..', '.', '%2e%2e', '..%2F..%2Fetc%2Fpasswd', ' ', '00000000-0000-0000-0000-000000000000', 'null', 'undefined', '__proto__', 'constructor'),
      fc.string({ minLength: 90, maxLength: 100, unit: 'grapheme-ascii' }),
    )
    const method = fc.constantFrom('GET', 'DELETE', 'POST')
    await fc.assert(
      fc.asyncProperty(method, id, async (verb, raw) => {
        const segment = encodeURIComponent(raw)
        fc.pre(segment.length <= MAX_PARAM_LENGTH)
        const url = verb === 'POST' ? `/users/${segment}/avatar-upload` : `/users/${segment}`
        const response = await stack.app.inject({ method: verb, url, headers, ...(verb === 'POST' ? { payload: {} } : {}) })
        assertWellFormed(response, `${verb} ${url}`)
        tally.count(response.statusCode)
        assert.ok([400, 404].includes(response.statusCode), `${verb} ${url}: ${response.statusCode}`)
      }),
      { numRuns: RUNS.pathIds },
    )
    t.diagnostic(`path ids: ${tally.toString()}`)
  })

  it('malformed escapes and overlong ids never give a 5xx', async () => {
    for (const segment of ['%', '%zz', '%E0%A4%A', '%C0%AF', 'a'.repeat(MAX_PARAM_LENGTH + 1), '%41'.repeat(200)]) {
      for (const url of [`/users/${segment}`, `/users/${segment}/avatar-upload`]) {
        const response = await stack.app.inject({ method: url.endsWith('upload') ? 'POST' : 'GET', url, headers, payload: url.endsWith('upload') ? {} : undefined })
        assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${url}: ${response.statusCode}`)
      }
    }
  })

  it('malformed escapes and overlong ids get problem details too', async () => {
    for (const url of ['/users/%zz', `/users/${'a'.repeat(MAX_PARAM_LENGTH + 1)}`]) {
      assertWellFormed(await stack.app.inject({ method: 'GET', url, headers }), url)
    }
  })

  // Last: valid bodies register users, and the listings fuzzed above stay small without them.
  it(`POST /user bodies (${RUNS.bodies} cases)`, async (t) => {
    const tally = statusTally()
    await fc.assert(
      fc.asyncProperty(bodies, async ({ contentType, payload }) => {
        const response = await stack.app.inject({ method: 'POST', url: '/user', headers: { ...headers, 'content-type': contentType }, payload })
        assertWellFormed(response, `POST /user ${contentType} ${String(payload).slice(0, 200)}`)
        tally.count(response.statusCode)
        assert.ok([201, 400, 409, 413, 415].includes(response.statusCode), `unexpected ${response.statusCode}`)
      }),
      { numRuns: RUNS.bodies },
    )
    t.diagnostic(`POST /user: ${tally.toString()}`)
  })

  it(`oversized bodies get 413 whatever their content (${RUNS.oversized} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: BODY_LIMIT_BYTES + 1, max: 1024 * 1024 }), contentTypes, async (size, contentType) => {
        const payload = JSON.stringify({ name: 'x'.repeat(size), email: 'big@example.com' }).slice(0, size)
        const response = await stack.app.inject({ method: 'POST', url: '/user', headers: { ...headers, 'content-type': contentType }, payload })
        assertWellFormed(response, `${size} bytes as ${contentType}`)
        // A body whose type has no parser is refused for its type before its size is read.
        assert.ok(response.statusCode === 413 || response.statusCode === 415, `${size} bytes as ${contentType}: ${response.statusCode}`)
        if (contentType.toLowerCase().startsWith('application/json')) assert.equal(response.statusCode, 413)
      }),
      { numRuns: RUNS.oversized },
    )
  })

  it('the service is still healthy after the fuzzing', async () => {
    assert.equal((await stack.app.inject('/healthz')).statusCode, 200)
    assert.equal((await client.get('/users?limit=1')).statusCode, 200)
  })
})
