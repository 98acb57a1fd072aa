// Bearer tokens end to end: real tokens signed with jose, a real discovery document and JWKS on
// loopback, the real app on the emulators. Every route with every scope, every kind of bad token,
// both credentials at once, cursors bound to the subject, the failure metric, and the log.
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { exportSPKI, SignJWT, UnsecuredJWT } from 'jose'
import { loggerOptions } from '../../src/app.js'
import { ALL_SCOPES, SCOPES, type Scope } from '../../src/auth/caller.js'
import { DEFAULT_KEY_SET_TIMINGS } from '../../src/auth/key-set.js'
import { loadConfig } from '../../src/config/config.js'
import { assertProblem, authed, nextLink, type RegisteredUser } from '../support/http.js'
import { TEST_AUDIENCE, TestClock, TestIssuer } from '../support/oidc-issuer.js'
import { startTestStack, testEnvironment, type TestStack } from '../support/test-stack.js'

describe('bearer tokens from an OpenID Connect issuer', () => {
  let issuer: TestIssuer
  let stack: TestStack
  const lines: string[] = []
  // Every token this file sends, to prove none of them reaches the log.
  const sentTokens = new Set<string>()
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString())
      done()
    },
  })

  before(async () => {
    issuer = await TestIssuer.start()
    const env = issuer.environment()
    // The service's own logger settings (redaction included), only more verbose and captured.
    const logger = { ...(loggerOptions(loadConfig(testEnvironment({ ...env, API_KEYS: 'k'.repeat(32) }))) as object), level: 'trace', stream }
    // A cooldown longer than the file, so the keys are fetched exactly once whatever the machine's speed.
    stack = await startTestStack({ ...env, DOCS_ENABLED: 'true' }, { logger, keySetTimings: { ...DEFAULT_KEY_SET_TIMINGS, cooldownMs: 3_600_000 } })
  })
  after(async () => {
    await stack.close()
    await issuer.close()
  })

  function withToken(token: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object): Promise<LightMyRequestResponse> {
    sentTokens.add(token)
    return stack.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) })
  }
  const tokenWith = async (scope: string, claims: Record<string, unknown> = {}) => issuer.token({ scope, ...claims })

  it('allows each route with its scope and refuses it with 403 and the scope to ask for otherwise', async () => {
    const admin = authed(stack.app, stack.apiKey)
    const { user } = await admin.register('Scoped Owner', 'scoped-owner@example.com')
    let registrations = 0
    const routes: { method: 'GET' | 'POST' | 'DELETE'; url: string; scope: Scope; status: number; payload?: () => object }[] = [
      { method: 'POST', url: '/user', scope: SCOPES.write, status: 201, payload: () => ({ name: 'Scoped', email: `scoped-${registrations++}@example.com` }) },
      { method: 'GET', url: '/users', scope: SCOPES.read, status: 200 },
      { method: 'GET', url: `/users/${user.id}`, scope: SCOPES.read, status: 200 },
      { method: 'POST', url: `/users/${user.id}/avatar-upload`, scope: SCOPES.write, status: 201, payload: () => ({}) },
      { method: 'DELETE', url: `/users/${user.id}`, scope: SCOPES.delete, status: 204 },
    ]
    for (const route of routes) {
      for (const granted of [...ALL_SCOPES, '']) {
        const response = await withToken(await tokenWith(granted), route.method, route.url, route.payload?.())
        const label = `${route.method} ${route.url} with scope "${granted}"`
        if (granted === route.scope) {
          assert.equal(response.statusCode, route.status, `${label}: ${response.body}`)
          continue
        }
        const problem = assertProblem(response, 403)
        assert.equal(response.headers['www-authenticate'], `Bearer realm="user-api", error="insufficient_scope", scope="${route.scope}"`, label)
        assert.match(problem.detail, new RegExp(route.scope))
      }
    }
    // One token with all three scopes can do everything.
    const all = await tokenWith(ALL_SCOPES.join(' '))
    assert.equal((await withToken(all, 'GET', '/users')).statusCode, 200)
  })

  it('reads scopes from `scp` (an array or a string) as well as `scope`', async () => {
    for (const claims of [{ scope: undefined, scp: ['users:read'] }, { scope: undefined, scp: 'users:write users:read' }, { scope: 'openid users:read profile' }]) {
      assert.equal((await withToken(await issuer.token(claims), 'GET', '/users')).statusCode, 200, JSON.stringify(claims))
    }
    // A scope that only looks similar grants nothing.
    for (const scope of ['users:read:all', 'Users:Read', 'users', 'other/users:read']) {
      assertProblem(await withToken(await tokenWith(scope), 'GET', '/users'), 403)
    }
  })

  it('accepts any of the configured audiences, and client_id for tokens without aud (Amazon Cognito)', async () => {
    assert.equal((await withToken(await issuer.token({ aud: ['another-api', TEST_AUDIENCE] }), 'GET', '/users')).statusCode, 200)
    assert.equal((await withToken(await issuer.token({ aud: undefined, client_id: TEST_AUDIENCE }), 'GET', '/users')).statusCode, 200)
    assertProblem(await withToken(await issuer.token({ aud: undefined, client_id: 'some-other-client' }), 'GET', '/users'), 401)
    // Cognito ID tokens name the client in aud too; they are sign-in proofs, not API access.
    assertProblem(await withToken(await issuer.token({ token_use: 'id' }), 'GET', '/users'), 401)
  })

  it('refuses every kind of bad token with 401 invalid_token and says which check failed, never echoing it', async () => {
    const now = Math.floor(Date.now() / 1000)
    const good = await issuer.token()
    const [header, payload, signature] = good.split('.') as [string, string, string]
    const tamperedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'someone-else' })).toString('base64url')
    const publicKeyPem = await exportSPKI(await crypto.subtle.importKey('jwk', issuer.currentKey.publicJwk as JsonWebKey, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']))
    const unpublished = await issuer.addKey('RS256', { publish: false })
    const es384 = await issuer.addKey('ES384')
    const cases: [string, string, RegExp][] = [
      ['alg none', new UnsecuredJWT({ iss: issuer.url, aud: TEST_AUDIENCE, sub: 'x', exp: now + 60, scope: 'users:read' }).encode(), /algorithm/],
      [
        'HS256 signed with the public key as secret (algorithm confusion)',
        await new SignJWT({ iss: issuer.url, aud: TEST_AUDIENCE, sub: 'x', exp: now + 60, scope: 'users:read' })
          .setProtectedHeader({ alg: 'HS256', kid: issuer.currentKey.kid })
          .sign(new TextEncoder().encode(publicKeyPem)),
        /algorithm/,
      ],
      ['a published key of an algorithm not in OIDC_ALGORITHMS', await issuer.token({}, { key: es384 }), /algorithm/],
      ['expired beyond the clock tolerance', await issuer.token({}, { expiresIn: -60 }), /expired/],
      ['not valid before an hour from now', await issuer.token({ nbf: now + 3600 }), /not valid yet/],
      ['another issuer', await issuer.token({ iss: 'https://impostor.example' }), /issuer/],
      ['another audience', await issuer.token({ aud: 'another-api' }), /audience/],
      ['an unknown kid', await issuer.token({}, { key: unpublished }), /key the issuer does not publish/],
      ['a tampered payload', `${header}.${tamperedPayload}.${signature}`, /signature/],
      ['a signature of another token', `${header}.${payload}.${(await issuer.token({ sub: 'other' })).split('.')[2] ?? ''}`, /signature/],
      ['no exp', await issuer.token({ exp: undefined }), /expiry/],
      ['no sub', await issuer.token({ sub: undefined }), /subject/],
      ['a token of 100 KB', await issuer.token({ padding: 'x'.repeat(100 * 1024) }), /longer than/],
      ['garbage', 'not-a-token', /malformed/],
      ['three dots', 'a.b.c', /malformed/],
      ['an empty token', '', /malformed/],
      ['characters outside RFC 6750', `${good}"`, /malformed/],
      ['JSON in place of a token', '{"alg":"none"}', /malformed/],
    ]
    for (const [name, token, detail] of cases) {
      const response = await withToken(token, 'GET', '/users')
      const problem = assertProblem(response, 401)
      assert.match(problem.detail, detail, name)
      assert.match(String(response.headers['www-authenticate']), /^Bearer realm="user-api", error="invalid_token", error_description="[^"]+"$/, name)
      for (const part of [token, ...token.split('.')].filter((text) => text.length >= 16)) assert.ok(!response.body.includes(part), `${name}: the token is echoed`)
    }
    // Within the clock tolerance (30 s by default) an expiry or a start is still fine.
    assert.equal((await withToken(await issuer.token({ nbf: now + 10 }, { expiresIn: -10 }), 'GET', '/users')).statusCode, 200)
  })

  it('refuses a 100 KB Authorization header at the HTTP parser already', async () => {
    await stack.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = stack.app.server.address() as { port: number }
    const token = await issuer.token({ padding: 'x'.repeat(100 * 1024) })
    sentTokens.add(token)
    const response = await fetch(`http://127.0.0.1:${port}/users`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(response.status, 431)
    assert.ok(!(await response.text()).includes(token.slice(0, 100)))
  })

  it('refuses an API key and a token together with 400, and other Authorization schemes with 401', async () => {
    const token = await issuer.token()
    sentTokens.add(token)
    const both = await stack.app.inject({ method: 'GET', url: '/users', headers: { authorization: `Bearer ${token}`, 'x-api-key': stack.apiKey } })
    assert.match(assertProblem(both, 400).detail, /one credential/)
    assert.equal(both.headers['www-authenticate'], 'Bearer realm="user-api", error="invalid_request"')
    for (const authorization of [`Basic ${Buffer.from(`user:${stack.apiKey}`).toString('base64')}`, `Token ${token}`, `Bearer ${token} extra`]) {
      const response = await stack.app.inject({ method: 'GET', url: '/users', headers: { authorization } })
      assertProblem(response, 401)
    }
  })

  it('without credentials answers 401 naming both schemes; API keys keep full access', async () => {
    const response = await stack.app.inject({ method: 'GET', url: '/users' })
    const problem = assertProblem(response, 401)
    assert.equal(response.headers['www-authenticate'], 'APIKey realm="user-api", header="X-API-Key", Bearer realm="user-api"')
    assert.match(problem.detail, /X-API-Key.*Bearer/)
    const admin = authed(stack.app, stack.apiKey)
    const { user } = await admin.register('Key Holder', 'key-holder@example.com')
    assert.equal((await admin.get(`/users/${user.id}`)).statusCode, 200)
    assert.equal((await admin.post(`/users/${user.id}/avatar-upload`, {})).statusCode, 201)
    assert.equal((await admin.delete(`/users/${user.id}`)).statusCode, 204)
  })

  it('binds cursors to the issuer and subject: another subject or an API key cannot use them', async () => {
    const admin = authed(stack.app, stack.apiKey)
    for (let index = 0; index < 3; index++) await admin.register(`Paged ${index}`, `paged-${index}@example.com`)
    const first = await withToken(await issuer.token({ sub: 'reader-1' }), 'GET', '/users?limit=1')
    const next = nextLink(first)
    assert.ok(next, 'a next link')
    // The same subject with a fresh token (say, after a refresh) continues.
    assert.equal((await withToken(await issuer.token({ sub: 'reader-1', client_id: 'another-client' }), 'GET', next)).statusCode, 200)
    assert.match(assertProblem(await withToken(await issuer.token({ sub: 'reader-2' }), 'GET', next), 400).detail, /another client/)
    assertProblem(await admin.get(next), 400)
    // And the other way round: an API key's cursor is not a token holder's.
    const keyed = nextLink(await admin.get('/users?limit=1'))
    assert.ok(keyed)
    assertProblem(await withToken(await issuer.token({ sub: 'reader-1' }), 'GET', keyed), 400)
  })

  it('documents both schemes, the issuer discovery URL and each operation scope in OpenAPI', async () => {
    const document = (await stack.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      components: { securitySchemes: Record<string, Record<string, string>> }
      paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>
    }>()
    assert.deepEqual(Object.keys(document.components.securitySchemes).sort(), ['apiKey', 'bearer', 'openIdConnect'])
    assert.equal(document.components.securitySchemes.bearer?.scheme, 'bearer')
    assert.equal(document.components.securitySchemes.openIdConnect?.openIdConnectUrl, `${issuer.url}/.well-known/openid-configuration`)
    const expected: [string, string, Scope][] = [
      ['/user', 'post', SCOPES.write],
      ['/users', 'get', SCOPES.read],
      ['/users/{id}', 'get', SCOPES.read],
      ['/users/{id}', 'delete', SCOPES.delete],
      ['/users/{id}/avatar-upload', 'post', SCOPES.write],
    ]
    for (const [path, method, scope] of expected) {
      assert.deepEqual(document.paths[path]?.[method]?.security, [{ apiKey: [] }, { bearer: [scope] }, { openIdConnect: [scope] }], `${method} ${path}`)
    }
    assert.deepEqual(document.paths['/healthz']?.get?.security, [])
  })

  it('counts every refusal by reason in /metrics', async () => {
    const metrics = (await stack.app.metricsServer.inject({ method: 'GET', url: '/metrics' })).body
    for (const reason of ['insufficient_scope', 'algorithm', 'expired', 'not_yet_valid', 'issuer', 'audience', 'unknown_key', 'signature', 'too_large', 'malformed', 'claims', 'two_credentials', 'unsupported_scheme', 'missing_credentials']) {
      assert.ok(new RegExp(`^auth_failures_total\\{reason="${reason}"\\} [1-9]`, 'm').test(metrics), reason)
    }
    assert.ok(/^oidc_key_fetches_total\{outcome="success"\} 1$/m.test(metrics), 'the keys were fetched once for all these tokens')
  })

  it('logs the caller by sub and client_id and the reason of a refusal, and never a token', async () => {
    const log = lines.join('')
    const completed = lines.filter((line) => line.includes('request completed')).map((line) => JSON.parse(line) as Record<string, unknown>)
    assert.ok(completed.some((line) => line.sub === 'subject-1' && line.client_id === 'test-client' && line.status === 200), 'a line names sub and client_id')
    assert.ok(completed.some((line) => line.auth_failure === 'expired' && line.status === 401), 'a line names the failure')
    // Identical claims signed in the same second give identical tokens, so fewer than were sent.
    assert.ok(sentTokens.size > 20, `${sentTokens.size} distinct tokens`)
    for (const token of sentTokens) {
      for (const part of token.split('.').filter((segment) => segment.length >= 16)) assert.ok(!log.includes(part), 'a token (or part of one) in the log')
    }
  })
})

describe('bearer tokens alone (no API keys)', () => {
  let issuer: TestIssuer
  let stack: TestStack

  before(async () => {
    issuer = await TestIssuer.start()
    stack = await startTestStack(issuer.environment({ API_KEYS: '' }))
  })
  after(async () => {
    await stack.close()
    await issuer.close()
  })

  it('refuses API keys and names only the Bearer scheme', async () => {
    assert.equal(stack.config.apiKeys.length, 0)
    const keyed = await stack.app.inject({ method: 'GET', url: '/users', headers: { 'x-api-key': 'k'.repeat(40) } })
    assert.match(assertProblem(keyed, 401).detail, /does not accept API keys/)
    assert.equal(keyed.headers['www-authenticate'], 'Bearer realm="user-api"')
    assert.equal((await stack.app.inject({ method: 'GET', url: '/users' })).headers['www-authenticate'], 'Bearer realm="user-api"')
    const token = await issuer.token()
    const registered = await stack.app.inject({ method: 'POST', url: '/user', headers: { authorization: `Bearer ${token}` }, payload: { name: 'Only Token', email: 'only-token@example.com' } })
    assert.equal(registered.statusCode, 201, registered.body)
    const { user } = registered.json<RegisteredUser>()
    assert.equal((await stack.app.inject({ method: 'GET', url: `/users/${user.id}`, headers: { authorization: `Bearer ${token}` } })).statusCode, 200)
  })
})

describe('API keys alone (no issuer)', () => {
  let stack: TestStack

  before(async () => {
    stack = await startTestStack({ DOCS_ENABLED: 'true' })
  })
  after(async () => {
    await stack.close()
  })

  it('refuses bearer tokens, saying so; the document has no openIdConnect scheme', async () => {
    const response = await stack.app.inject({ method: 'GET', url: '/users', headers: { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln' } })
    assert.match(assertProblem(response, 401).detail, /does not accept bearer tokens/)
    assert.equal(response.headers['www-authenticate'], 'APIKey realm="user-api", header="X-API-Key"')
    const document = (await stack.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ components: { securitySchemes: object } }>()
    assert.deepEqual(Object.keys(document.components.securitySchemes), ['apiKey', 'bearer'])
  })
})

describe('bearer tokens while the issuer is unreachable', () => {
  let issuer: TestIssuer
  let stack: TestStack
  const clock = new TestClock()

  before(async () => {
    issuer = await TestIssuer.start()
    issuer.behaviour = 'down'
    stack = await startTestStack(issuer.environment(), { now: clock.now, keySetTimings: { ...DEFAULT_KEY_SET_TIMINGS, fetchTimeoutMs: 1000 } })
  })
  after(async () => {
    await stack.close()
    await issuer.close()
  })

  it('answers 503 with Retry-After without cached keys, and carries on with cached keys', async () => {
    const token = await issuer.token({}, { expiresIn: 3600 })
    const get = () => stack.app.inject({ method: 'GET', url: '/users', headers: { authorization: `Bearer ${token}` } })
    const unavailable = await get()
    assert.match(assertProblem(unavailable, 503).detail, /issuer is unreachable/)
    assert.equal(unavailable.headers['retry-after'], '2')
    assert.equal(unavailable.headers['www-authenticate'], undefined, 'not a verdict on the token')
    issuer.behaviour = 'normal'
    clock.advance(DEFAULT_KEY_SET_TIMINGS.retryAfterFailureMs / 1000 + 1)
    assert.equal((await get()).statusCode, 200)
    issuer.behaviour = 'down'
    clock.advance(DEFAULT_KEY_SET_TIMINGS.refreshAfterMs / 1000 + 1)
    assert.equal((await get()).statusCode, 200)
    assert.equal((await get()).statusCode, 200)
    // The background refresh runs beside the requests; wait (boundedly) for it to be counted.
    let metrics = ''
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 50))) {
      metrics = (await stack.app.metricsServer.inject({ method: 'GET', url: '/metrics' })).body
      if (/^oidc_key_fetches_total\{outcome="failure"\} 2$/m.test(metrics)) break
    }
    assert.ok(/^oidc_key_fetches_total\{outcome="failure"\} 2$/m.test(metrics), 'the first attempt and one background refresh')
    assert.ok(/^auth_failures_total\{reason="keys_unavailable"\} 1$/m.test(metrics))
  })
})
