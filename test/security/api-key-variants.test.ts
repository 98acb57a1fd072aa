// Fuzzing of the X-API-Key check, extending test/auth/api-key-auth.test.ts: no variant of a valid
// key authenticates (prefixes, edits, case changes, whitespace, repeats, repeated headers,
// look-alike characters), while the header *name* stays case-insensitive as HTTP requires, which
// only a real socket can show (app.inject lower-cases names itself).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { newApiKey, startTestStack, type TestStack } from '../support/test-stack.js'
import { assertWellFormed, rawGet, rawRequest } from './security-support.js'

const RUNS = { variants: 600, headerNameCase: 60 }
const PROTECTED = (id: string) => [
  { method: 'GET' as const, url: '/users?limit=1' },
  { method: 'GET' as const, url: `/users/${id}` },
  { method: 'DELETE' as const, url: `/users/${crypto.randomUUID()}` },
  { method: 'POST' as const, url: '/user', payload: { name: 'Intruder', email: 'intruder@example.com' } },
  { method: 'POST' as const, url: `/users/${id}/avatar-upload`, payload: {} },
]

function keyVariants(key: string, otherKey: string): fc.Arbitrary<string | string[]> {
  const at = fc.nat({ max: key.length - 1 })
  const printable = fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 3 })
  const changed = (variant: string) => variant !== key
  return fc.oneof(
    fc.nat({ max: key.length - 1 }).map((length) => key.slice(0, length)),
    fc.nat({ max: key.length - 1 }).map((start) => key.slice(start + 1)),
    fc.tuple(at, printable).map(([index, inserted]) => key.slice(0, index) + inserted + key.slice(index)).filter(changed),
    fc.tuple(at, printable).map(([index, replacement]) => key.slice(0, index) + replacement + key.slice(index + 1)).filter(changed),
    at.map((index) => key.slice(0, index) + key.slice(index + 1)),
    fc.constant(key).chain((value) => fc.mixedCase(fc.constant(value))).filter(changed),
    fc.tuple(at, fc.constantFrom(' ', '\t', '\u00a0', '\u200b')).map(([index, space]) => key.slice(0, index + 1) + space + key.slice(index + 1)),
    fc.stringMatching(/^[ \t]{0,8}$/),
    // Full-width look-alikes of the ASCII letters and digits.
    at.map((index) => key.slice(0, index) + String.fromCodePoint((key.codePointAt(index) ?? 0x41) + 0xfee0) + key.slice(index + 1)),
    fc.constantFrom(
      `${key}${key}`,
      `${key},${key}`,
      `${key}, ${otherKey}`,
      `${otherKey}, ${key}`,
      `Bearer ${key}`,
      `"${key}"`,
      encodeURIComponent(`${key}=`),
      Buffer.from(key).toString('base64'),
      newApiKey(),
    ),
    fc.constantFrom<string[]>([key, key], [key, otherKey], [otherKey, key], [key, ''], ['', key]),
  )
}

describe('API key variants never authenticate', () => {
  let stack: TestStack
  let port: number
  let userId: string
  const otherKey = newApiKey()

  before(async () => {
    stack = await startTestStack()
    const registered = await stack.app.inject({ method: 'POST', url: '/user', headers: { 'x-api-key': stack.apiKey }, payload: { name: 'Target', email: 'target@example.com' } })
    userId = registered.json<{ user: { id: string } }>().user.id
    await stack.app.listen({ port: 0, host: '127.0.0.1' })
    port = (stack.app.server.address() as { port: number }).port
  })
  after(async () => {
    await stack.close()
  })

  it(`no variant of the key, on any protected route, gets past 401 (${RUNS.variants} cases)`, async () => {
    const routes = PROTECTED(userId)
    await fc.assert(
      fc.asyncProperty(keyVariants(stack.apiKey, otherKey), fc.nat({ max: routes.length - 1 }), async (variant, routeIndex) => {
        const route = routes[routeIndex]!
        const response = await stack.app.inject({ ...route, headers: { 'x-api-key': variant } })
        assertWellFormed(response, `${route.method} ${route.url} with ${JSON.stringify(variant)}`)
        assert.equal(response.statusCode, 401, `${JSON.stringify(variant)} authenticated`)
        assert.match(String(response.headers['www-authenticate']), /X-API-Key/)
      }),
      { numRuns: RUNS.variants },
    )
    assert.equal((await stack.app.inject({ method: 'GET', url: `/users/${userId}` })).statusCode, 401)
    assert.equal((await stack.app.inject({ method: 'GET', url: `/users/${userId}`, headers: { 'x-api-key': stack.apiKey } })).statusCode, 200, 'the user was not deleted')
  })

  it(`the header name is case-insensitive on the wire, the value is not (${RUNS.headerNameCase} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.mixedCase(fc.constant('x-api-key')), fc.boolean(), async (name, exactKey) => {
        const value = exactKey ? stack.apiKey : stack.apiKey.toUpperCase()
        const response = await rawRequest(port, rawGet('/users?limit=1', [`${name}: ${value}`]))
        assert.equal(response.status, exactKey ? 200 : 401, `${name}: ${exactKey ? 'the key' : 'the key upper-cased'}`)
      }),
      { numRuns: RUNS.headerNameCase },
    )
  })

  it('a repeated header never authenticates on the wire, even with the valid key twice', async () => {
    for (const lines of [
      [`x-api-key: ${stack.apiKey}`, `x-api-key: ${stack.apiKey}`],
      [`X-API-Key: ${stack.apiKey}`, `x-api-key: ${otherKey}`],
      [`x-api-key: ${otherKey}`, `X-Api-Key: ${stack.apiKey}`],
      [`x-api-key: ${stack.apiKey}`, 'x-api-key: '],
    ]) {
      const response = await rawRequest(port, rawGet('/users?limit=1', lines))
      assert.equal(response.status, 401, lines.join(' | '))
      assert.match(response.headers, /content-type: application\/problem\+json/i)
    }
  })

  it('empty, blank and unprintable values are refused on the wire', async () => {
    for (const line of ['x-api-key:', 'x-api-key:    ', 'x-api-key: \t ', `x-api-key: ${stack.apiKey.slice(0, -1)}`, `x-api-key: ${stack.apiKey} x`]) {
      assert.equal((await rawRequest(port, rawGet('/users?limit=1', [line]))).status, 401, JSON.stringify(line))
    }
    // A control character or a folded line is malformed HTTP: the parser refuses it before any route.
    for (const line of [`x-api-key: ${stack.apiKey}\u0001`, `x-api-key: ${stack.apiKey.slice(0, 10)}\r\n ${stack.apiKey.slice(10)}`]) {
      assert.equal((await rawRequest(port, rawGet('/users?limit=1', [line]))).status, 400, JSON.stringify(line))
    }
  })

  it('spaces around the value are not part of it (RFC 9110 field values exclude surrounding whitespace)', async () => {
    // So a padded key is the key itself, not a variant of it: the HTTP parser strips the padding.
    assert.equal((await rawRequest(port, rawGet('/users?limit=1', [`x-api-key: \t ${stack.apiKey} \t`]))).status, 200)
  })
})
