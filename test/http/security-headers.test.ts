// The security headers on every route and every kind of answer of the API port: each documented
// operation (a success and an error), a 429, the OpenAPI document, an unknown route, a malformed URL
// and a request the HTTP parser rejects; and Swagger UI's own Content-Security-Policy at /docs.
// /metrics is on a port of its own for Prometheus (METRICS_PORT), not an API response. Nothing
// that carries personal data or a presigned URL may be cached, no body sniffed or framed, and no
// header names the framework or its version.
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { openApiDocument } from '../../src/openapi-document.js'
import { authed, type RegisteredUser } from '../support/http.js'
import { startTestStack, type TestStack } from '../support/test-stack.js'
import { rawRequest } from '../security/security-support.js'

type Headers = Record<string, string | string[] | number | undefined>

const API_POLICY = "default-src 'none';frame-ancestors 'none'"
// Header names and values that would tell an attacker what runs here.
const FRAMEWORK_NAMES = /fastify|node(\.?js)?\/?\s*v?\d|express|nginx|swagger-ui\/\d/i

function assertApiHeaders(headers: Headers, context: string): void {
  assert.equal(headers['cache-control'], 'no-store', `${context}: Cache-Control`)
  assert.equal(headers['x-content-type-options'], 'nosniff', `${context}: X-Content-Type-Options`)
  assert.equal(headers['content-security-policy'], API_POLICY, `${context}: Content-Security-Policy`)
  assert.equal(headers['x-frame-options'], 'DENY', `${context}: X-Frame-Options`)
  assert.equal(headers['referrer-policy'], 'no-referrer', `${context}: Referrer-Policy`)
  assertNoFrameworkNamed(headers, context)
}

function assertNoFrameworkNamed(headers: Headers, context: string): void {
  for (const name of ['server', 'x-powered-by', 'x-aspnet-version', 'via']) assert.equal(headers[name], undefined, `${context}: ${name} header`)
  for (const [name, value] of Object.entries(headers)) assert.doesNotMatch(`${name}: ${String(value)}`, FRAMEWORK_NAMES, context)
  // HSTS is the edge's (the chart's Ingress): the service cannot know the hosts it would bind.
  assert.equal(headers['strict-transport-security'], undefined, `${context}: Strict-Transport-Security`)
}

describe('security headers', () => {
  let stack: TestStack
  let user: RegisteredUser
  before(async () => {
    stack = await startTestStack({ RATE_LIMIT_AUTH_FAILURES: '1', DOCS_ENABLED: 'true' })
    user = await authed(stack.app, stack.apiKey).register('Header Check', 'headers@example.com')
  })
  after(async () => {
    await stack.close()
  })

  it('are on a success and an error of every documented operation', async () => {
    const api = authed(stack.app, stack.apiKey)
    const doomed = await api.register('Doomed', 'doomed@example.com')
    const missing = '00000000-0000-4000-8000-000000000000'
    const answers: Record<string, LightMyRequestResponse[]> = {
      'post /user': [await api.post('/user', { name: 'Another', email: 'another@example.com' }), await api.post('/user', { name: '' })],
      'get /users': [await api.get('/users'), await stack.app.inject({ url: '/users', remoteAddress: '198.51.100.8' })],
      'get /users/{id}': [await api.get(`/users/${user.user.id}`), await api.get(`/users/${missing}`)],
      'delete /users/{id}': [await api.delete(`/users/${doomed.user.id}`), await api.delete(`/users/${missing}`)],
      'post /users/{id}/avatar-upload': [await api.post(`/users/${user.user.id}/avatar-upload`, {}), await api.post(`/users/${missing}/avatar-upload`, {})],
      'get /healthz': [await stack.app.inject('/healthz')],
      'get /readyz': [await stack.app.inject('/readyz')],
    }
    const document = (await openApiDocument()) as { paths: Record<string, Record<string, unknown>> }
    const documented = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`))
    assert.deepEqual(Object.keys(answers).sort(), documented.sort(), 'every documented operation is checked')
    for (const [operation, responses] of Object.entries(answers)) {
      for (const response of responses) assertApiHeaders(response.headers, `${operation} → ${response.statusCode}`)
    }
    // The answers that carry personal data and presigned URLs, above all.
    assert.deepEqual(answers['post /user']?.map((response) => response.statusCode), [201, 400])
    assert.match(answers['get /users/{id}']?.[0]?.body ?? '', /headers@example\.com/)
  })

  it('are on a 429, the OpenAPI document, an unknown route, a malformed URL and a request the parser rejects', async () => {
    const address = '198.51.100.7'
    await stack.app.inject({ url: '/users', remoteAddress: address })
    const limited = await stack.app.inject({ url: '/users', remoteAddress: address, headers: { 'x-api-key': stack.apiKey } })
    assert.equal(limited.statusCode, 429)
    for (const [context, response] of [
      ['429', limited],
      ['/openapi.json', await stack.app.inject('/openapi.json')],
      ['unknown route', await stack.app.inject('/no/such/route')],
      ['malformed URL', await stack.app.inject('/users/%zz')],
    ] as const) {
      assertApiHeaders(response.headers, context)
    }
    await stack.app.listen({ port: 0, host: '127.0.0.1' })
    const port = (stack.app.server.address() as AddressInfo).port
    const rejected = await rawRequest(port, 'GET /users HTTP/1.1\r\nHost: 127.0.0.1\r\nBroken Header\r\n\r\n')
    assert.equal(rejected.status, 400)
    const headers = Object.fromEntries(rejected.headers.split('\r\n').slice(1).map((line) => [line.split(':')[0]?.toLowerCase() ?? '', line.slice(line.indexOf(':') + 1).trim()]))
    assert.equal(headers['x-content-type-options'], 'nosniff')
    assert.equal(headers['cache-control'], 'no-store')
    assertNoFrameworkNamed(headers, 'rejected by the parser')
  })

  it('give Swagger UI at /docs its own Content-Security-Policy: scripts and styles from here, nothing elsewhere, no framing', async () => {
    for (const url of ['/docs/', '/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-initializer.js', '/docs/json']) {
      const response = await stack.app.inject(url)
      assert.equal(response.statusCode, 200, url)
      const policy = String(response.headers['content-security-policy'])
      for (const directive of ["default-src 'self'", "script-src 'self';", "connect-src 'self';", "frame-ancestors 'none'", "object-src 'none'", "img-src 'self' data:"]) {
        assert.ok(policy.includes(directive), `${url}: ${directive} in ${policy}`)
      }
      assert.doesNotMatch(policy, /unsafe-eval|script-src[^;]*unsafe-inline|https:|\*/, url)
      assert.equal(response.headers['x-content-type-options'], 'nosniff', url)
      assertNoFrameworkNamed(response.headers, url)
    }
  })
})

describe('security headers with a token issuer', () => {
  let stack: TestStack
  before(async () => {
    stack = await startTestStack({ DOCS_ENABLED: 'true', OIDC_ISSUER: 'https://issuer.example/realms/main', OIDC_AUDIENCE: 'user-api', CURSOR_SECRET: 'c'.repeat(40) })
  })
  after(async () => {
    await stack.close()
  })

  it('let Swagger UI fetch the issuer discovery document for Authorize, and nothing else', async () => {
    const policy = String((await stack.app.inject('/docs/')).headers['content-security-policy'])
    assert.ok(policy.includes("connect-src 'self' https://issuer.example;"), policy)
  })
})
