// Fuzzing of the bearer-token check, extending test/auth/bearer-tokens.test.ts: no edit of a valid
// token authenticates (a changed character in any of its three parts, a truncation, a header or
// payload swapped in from another token, a re-encoded payload), arbitrary Authorization values and
// JWT-shaped garbage never cause anything but 401 (never 500), and no answer echoes the token.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { TestIssuer } from '../support/oidc-issuer.js'
import { startTestStack, type TestStack } from '../support/test-stack.js'
import { assertWellFormed } from './security-support.js'

const RUNS = { edits: 400, garbage: 400 }
const BASE64URL = Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')

describe('bearer token variants never authenticate', () => {
  let issuer: TestIssuer
  let stack: TestStack
  let token: string
  let otherToken: string

  before(async () => {
    issuer = await TestIssuer.start()
    stack = await startTestStack(issuer.environment())
    token = await issuer.token({ scope: 'users:read' }, { expiresIn: 3600 })
    otherToken = await issuer.token({ sub: 'another-subject', scope: 'users:read users:write users:delete' }, { expiresIn: 3600 })
  })
  after(async () => {
    await stack.close()
    await issuer.close()
  })

  const get = (authorization: string) => stack.app.inject({ method: 'GET', url: '/users?limit=1', headers: { authorization } })

  it(`no edit of a valid token gets past 401 (${RUNS.edits} cases)`, async () => {
    assert.equal((await get(`Bearer ${token}`)).statusCode, 200, 'the unedited token works')
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const [otherHeader, otherPayload] = otherToken.split('.') as [string, string]
    const at = fc.nat({ max: token.length - 1 })
    const edits = fc.oneof(
      fc.tuple(at, fc.constantFrom(...BASE64URL)).map(([index, character]) => token.slice(0, index) + character + token.slice(index + 1)),
      at.map((index) => token.slice(0, index)),
      at.map((index) => token.slice(0, index) + token.slice(index + 1)),
      fc.constantFrom(
        `${header}.${otherPayload}.${signature}`,
        `${otherHeader}.${payload}.${signature}`,
        `${header}.${Buffer.from(Buffer.from(payload, 'base64url').toString()).toString('base64')}.${signature}`,
        `${header}.${payload}.`,
        `${header}.${payload}`,
        `${header}..${signature}`,
        `${token}.${signature}`,
      ),
    )
    await fc.assert(
      fc.asyncProperty(
        edits.filter((variant) => variant !== token),
        async (variant) => {
          const response = await get(`Bearer ${variant}`)
          assertWellFormed(response, variant)
          // Base64url has spare bits: a changed last character can decode to the same bytes.
          if (response.statusCode === 200) assert.equal(Buffer.from(variant.split('.')[2] ?? '', 'base64url').equals(Buffer.from(signature, 'base64url')), true, `${variant} authenticated`)
          else assert.equal(response.statusCode, 401, variant)
          for (const part of variant.split('.').filter((text) => text.length >= 16)) assert.ok(!response.body.includes(part))
        },
      ),
      { numRuns: RUNS.edits },
    )
  })

  it(`arbitrary Authorization values and JWT-shaped garbage get 401, never 500 (${RUNS.garbage} cases)`, async () => {
    const segment = fc.oneof(
      fc.string({ unit: fc.constantFrom(...BASE64URL), maxLength: 60 }),
      fc.json().map((json) => Buffer.from(json).toString('base64url')),
      fc.record({ alg: fc.constantFrom('RS256', 'ES256', 'none', 'HS256', 'PS256', 'EdDSA', ''), kid: fc.oneof(fc.string(), fc.constant(issuer.currentKey.kid)), crit: fc.array(fc.string(), { maxLength: 2 }) }, { requiredKeys: [] }).map((object) =>
        Buffer.from(JSON.stringify(object)).toString('base64url'),
      ),
    )
    const values = fc.oneof(
      fc.tuple(segment, segment, segment).map((parts) => `Bearer ${parts.join('.')}`),
      fc.string({ unit: 'binary-ascii', maxLength: 200 }).map((text) => `Bearer ${text}`),
      fc.string({ unit: 'binary-ascii', maxLength: 200 }),
      fc.tuple(fc.constantFrom('bearer', 'BEARER', 'Bearer  ', 'Bearer\t'), segment).map(([scheme, text]) => `${scheme}${text}`),
    )
    await fc.assert(
      fc.asyncProperty(values, async (value) => {
        let response
        try {
          response = await get(value)
        } catch {
          return // light-my-request refuses header values no HTTP client could send
        }
        assertWellFormed(response, JSON.stringify(value))
        assert.ok([400, 401].includes(response.statusCode), `${JSON.stringify(value)}: ${response.statusCode} ${response.body}`)
      }),
      { numRuns: RUNS.garbage },
    )
  })
})
