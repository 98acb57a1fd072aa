// The authentication hook and the Authenticator behind it. Secure by default: a route behind the
// hook that does not say which scope it needs stops the start-up instead of being served without a
// scope check. Each refusal says what was wrong and which credentials the service accepts.
import assert from 'node:assert/strict'
import type { IncomingHttpHeaders } from 'node:http'
import { after, before, describe, it, test } from 'node:test'
import Fastify, { type FastifyRequest } from 'fastify'
import pino from 'pino'
import { authenticatedCaller, authentication, AuthenticationProblem, Authenticator } from '../../src/auth/authentication.js'
import { SCOPES, type Scope } from '../../src/auth/caller.js'
import { loadConfig } from '../../src/config/config.js'
import { createMetrics, type Metrics } from '../../src/metrics/metrics.js'
import { TestIssuer } from '../support/oidc-issuer.js'
import { testEnvironment } from '../support/test-stack.js'

test('a route without config.scope behind the hook is refused at registration; one with a scope is served', async () => {
  const authenticator = new Authenticator({ apiKeys: ['k'.repeat(32)], oidc: undefined, metrics: createMetrics(), log: pino({ level: 'silent' }), now: () => new Date() })
  const app = Fastify()
  await app.register(async (scoped) => {
    await scoped.register(authentication, { authenticator })
    scoped.get('/scoped', { config: { scope: 'users:read' } }, async () => ({ ok: true }))
    assert.throws(() => scoped.get('/unscoped', async () => ({ ok: true })), /must declare config\.scope/)
  })
  await app.ready()
  assert.equal((await app.inject({ url: '/scoped', headers: { 'x-api-key': 'k'.repeat(32) } })).statusCode, 200)
  assert.equal((await app.inject({ url: '/scoped' })).statusCode, 401)
  assert.equal((await app.inject({ url: '/unscoped', headers: { 'x-api-key': 'k'.repeat(32) } })).statusCode, 404)
  await app.close()
})

// The Authenticator on its own, without HTTP: each refusal with its reason, status, title, detail
// (what a client developer reads) and challenge, for each combination of credentials the service
// may accept, and how the Authorization header is split.
describe('Authenticator refusals', () => {
  const apiKey = 'a'.repeat(32)
  const keysChallenge = 'APIKey realm="user-api", header="X-API-Key"'
  const bearerChallenge = 'Bearer realm="user-api"'
  let issuer: TestIssuer
  let metrics: Metrics
  const authenticators = {} as Record<'keysOnly' | 'tokensOnly' | 'both' | 'issuerDown', Authenticator>

  before(async () => {
    issuer = await TestIssuer.start()
    metrics = createMetrics()
    const make = (settings: Record<string, string>) => {
      const config = loadConfig(testEnvironment(settings))
      return new Authenticator({ apiKeys: config.apiKeys, oidc: config.oidc, metrics, log: pino({ level: 'silent' }), now: () => new Date() })
    }
    const tokens = issuer.environment({ OIDC_SCOPE_PREFIX: 'user-api/' })
    authenticators.keysOnly = make({ API_KEYS: apiKey })
    authenticators.tokensOnly = make(tokens)
    authenticators.both = make({ ...tokens, API_KEYS: apiKey })
    // Nothing listens on port 1 of loopback: every key fetch fails at once.
    authenticators.issuerDown = make({ ...tokens, OIDC_JWKS_URI: 'http://127.0.0.1:1/jwks' })
  })
  after(async () => {
    await issuer.close()
  })

  async function refusal(authenticator: Authenticator, headers: IncomingHttpHeaders, scope: Scope = SCOPES.read) {
    const error = await authenticator.authenticate(headers, scope).then(
      () => assert.fail(`accepted ${JSON.stringify(Object.keys(headers))}`),
      (thrown: unknown) => thrown,
    )
    assert.ok(error instanceof AuthenticationProblem, String(error))
    return { reason: error.reason, status: error.status, title: error.title, detail: error.detail, headers: error.headers }
  }
  const unauthorized = (reason: string, detail: string, challenge: string) => ({ reason, status: 401, title: 'Unauthorized', detail, headers: { 'WWW-Authenticate': challenge } })

  it('asks for the credentials the service accepts, and no others', async () => {
    assert.deepEqual(await refusal(authenticators.keysOnly, {}), unauthorized('missing_credentials', 'A valid API key is required in the X-API-Key header.', keysChallenge))
    assert.deepEqual(
      await refusal(authenticators.tokensOnly, {}),
      unauthorized('missing_credentials', 'An access token is required in the Authorization header (Bearer).', bearerChallenge),
    )
    assert.deepEqual(
      await refusal(authenticators.both, {}),
      unauthorized('missing_credentials', 'Send an API key in the X-API-Key header or an access token in the Authorization header (Bearer).', `${keysChallenge}, ${bearerChallenge}`),
    )
  })

  it('refuses a wrong key, a key where keys are off, a token where tokens are off, and another scheme', async () => {
    assert.deepEqual(
      await refusal(authenticators.keysOnly, { 'x-api-key': 'b'.repeat(32) }),
      unauthorized('invalid_api_key', 'A valid API key is required in the X-API-Key header.', keysChallenge),
    )
    assert.deepEqual(
      await refusal(authenticators.tokensOnly, { 'x-api-key': apiKey }),
      unauthorized('api_keys_disabled', 'This service does not accept API keys; send an access token in the Authorization header (Bearer).', bearerChallenge),
    )
    assert.deepEqual(
      await refusal(authenticators.keysOnly, { authorization: 'Bearer abc' }),
      unauthorized('bearer_tokens_disabled', 'This service does not accept bearer tokens; send an API key in the X-API-Key header.', keysChallenge),
    )
    assert.deepEqual(
      await refusal(authenticators.both, { authorization: `Basic ${Buffer.from('user:password').toString('base64')}` }),
      unauthorized('unsupported_scheme', 'The Authorization header accepts only Bearer access tokens.', `${keysChallenge}, ${bearerChallenge}`),
    )
  })

  it('refuses two credentials at once with 400, challenging for a token only where tokens are accepted', async () => {
    const two = { 'x-api-key': apiKey, authorization: 'Bearer abc' }
    const detail = 'Send one credential per request: X-API-Key or Authorization, not both.'
    assert.deepEqual(await refusal(authenticators.keysOnly, two), { reason: 'two_credentials', status: 400, title: 'Bad Request', detail, headers: {} })
    assert.deepEqual(await refusal(authenticators.both, two), {
      reason: 'two_credentials',
      status: 400,
      title: 'Bad Request',
      detail,
      headers: { 'WWW-Authenticate': `${bearerChallenge}, error="invalid_request"` },
    })
  })

  it('names the failed check of a token in the detail and the challenge', async () => {
    const detail = 'The access token is malformed.'
    assert.deepEqual(await refusal(authenticators.both, { authorization: 'Bearer not/a token' }), {
      ...unauthorized('malformed', detail, `${bearerChallenge}, error="invalid_token", error_description="${detail}"`),
    })
  })

  it('names the missing scope with the prefix the issuer uses', async () => {
    const token = await issuer.token({ scope: 'user-api/users:read' })
    assert.equal((await authenticators.tokensOnly.authenticate({ authorization: `Bearer ${token}` }, SCOPES.read)).scopes.has(SCOPES.read), true)
    assert.deepEqual(await refusal(authenticators.tokensOnly, { authorization: `Bearer ${token}` }, SCOPES.delete), {
      reason: 'insufficient_scope',
      status: 403,
      title: 'Forbidden',
      detail: 'The access token lacks the scope user-api/users:delete, which this operation requires.',
      headers: { 'WWW-Authenticate': `${bearerChallenge}, error="insufficient_scope", scope="user-api/users:delete"` },
    })
  })

  it('reads the token after any run of spaces and around surrounding whitespace, and nothing after it', async () => {
    const token = await issuer.token({ scope: 'user-api/users:read' })
    for (const authorization of [`Bearer ${token}`, `bearer  ${token}`, `  Bearer ${token} `, `BEARER ${token}\t`]) {
      const caller = await authenticators.tokensOnly.authenticate({ authorization }, SCOPES.read)
      assert.ok(caller.id.startsWith('token:'), JSON.stringify(authorization))
    }
    for (const authorization of ['Bearer', 'Bearer ', `Bearer ${token} extra`]) {
      assert.equal((await refusal(authenticators.tokensOnly, { authorization })).reason, 'malformed', JSON.stringify(authorization))
    }
  })

  it('answers 503 with Retry-After, and no challenge, while the issuer cannot be reached', async () => {
    const token = await issuer.token({ scope: 'user-api/users:read' })
    assert.deepEqual(await refusal(authenticators.issuerDown, { authorization: `Bearer ${token}` }), {
      reason: 'keys_unavailable',
      status: 503,
      title: 'Service Unavailable',
      detail: 'The access token cannot be checked now: the token issuer is unreachable. Please retry.',
      headers: { 'Retry-After': '2' },
    })
    const counted = (await metrics.authFailures.get()).values.find(({ labels }) => labels.reason === 'keys_unavailable')
    assert.equal(counted?.value, 1)
  })
})

test('authenticatedCaller is for routes behind the hook only', () => {
  assert.throws(() => authenticatedCaller({ caller: null } as FastifyRequest), { message: 'authenticatedCaller used on a route outside the authentication plugin' })
  const caller = { id: 'c', logFields: {}, scopes: new Set<Scope>(), cursorKey: Buffer.alloc(0) }
  assert.equal(authenticatedCaller({ caller } as unknown as FastifyRequest), caller)
})
