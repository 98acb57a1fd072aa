// The API key never reaches the log, on any route, on success and on every error path (4xx,
// 503 from an unreachable DynamoDB, 500 from a misconfigured table, errors of the HTTP parser),
// at the most verbose log level. Extends test/auth/api-key-auth.test.ts, which covers two routes.
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { loggerOptions } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config/config.js'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js'
import { buildTestApp, newApiKey, startTestStack, TEST_CREDENTIALS, testEnvironment, type TestStack } from '../support/test-stack.js'
import { rawRequest } from './security-support.js'

const WINDOW = 12
const FAST_FAILURE = { AWS_CONNECT_TIMEOUT_MS: '200', AWS_REQUEST_TIMEOUT_MS: '300', AWS_MAX_ATTEMPTS: '2' }

describe('the API key never appears in a log line', () => {
  let stack: TestStack
  let proxy: TcpProxy
  let misconfigured: FastifyInstance
  let baseUrl: string
  let port: number
  const lines: string[] = []
  const statuses = new Set<string>()
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  // The service's own logger settings (redaction included), only more verbose and captured.
  const logger = (config: Config) => ({ ...(loggerOptions(config) as object), level: 'trace', stream })

  before(async () => {
    proxy = await startTcpProxy()
    const config = loadConfig(testEnvironment({ ...FAST_FAILURE, API_KEYS: newApiKey() }))
    stack = await startTestStack({ ...FAST_FAILURE, DOCS_ENABLED: 'true' }, { endpoints: { dynamodb: proxy.url }, logger: logger(config), readinessCacheMs: 0 })
    proxy.setTarget(stack.emulators.dynamoEndpoint)
    await stack.app.listen({ port: 0, host: '127.0.0.1' })
    port = (stack.app.server.address() as { port: number }).port
    baseUrl = `http://127.0.0.1:${port}`
    // A table that does not exist stands for any permission or configuration error: a 500.
    const broken = loadConfig(testEnvironment({ ...FAST_FAILURE, API_KEYS: stack.apiKey, DYNAMODB_TABLE: 'no-such-table' }))
    misconfigured = await buildTestApp(broken, {
      logger: logger(broken),
      aws: { dynamodbEndpoint: stack.emulators.dynamoEndpoint, s3Endpoint: stack.emulators.s3Endpoint, credentials: TEST_CREDENTIALS },
    })
    await misconfigured.ready()
  })
  after(async () => {
    await misconfigured.close()
    await stack.close()
    await proxy.close()
  })

  async function call(method: string, path: string, options: { body?: string; contentType?: string; key?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = { 'x-api-key': options.key ?? stack.apiKey }
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json'
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body: options.body ?? null })
    await response.arrayBuffer()
    statuses.add(`${method} ${path.replace(/[0-9a-f-]{36}/, '{id}').split('?')[0] ?? ''} ${response.status}`)
    return response
  }

  const json = (value: unknown) => JSON.stringify(value)

  it('holds on every route and status with DynamoDB up', async () => {
    const created = await call('POST', '/user', { body: json({ name: 'Logged', email: 'logged@example.com' }) })
    assert.equal(created.status, 201)
    const id = (created.headers.get('location') ?? '').split('/').pop()!
    await call('POST', '/user', { body: json({ name: 'Logged', email: 'LOGGED@example.com' }) })
    await call('POST', '/user', { body: json({ name: '', email: 'no' }) })
    await call('POST', '/user', { body: '{"name":' })
    await call('POST', '/user', { body: 'hello', contentType: 'text/plain' })
    await call('POST', '/user', { body: json({ name: 'x'.repeat(20_000), email: 'big@example.com' }) })
    await call('POST', '/user', { body: json({ name: 'Second', email: 'second@example.com' }) })
    const page = await call('GET', '/users?limit=1')
    const next = /<([^>]+)>/.exec(page.headers.get('link') ?? '')?.[1]
    assert.ok(next)
    await call('GET', next)
    await call('GET', '/users?limit=1&cursor=v1.forged.cursor')
    await call('GET', '/users?limit=0')
    await call('GET', `/users/${id}`)
    await call('GET', `/users/${crypto.randomUUID()}`)
    await call('GET', '/users/not-a-uuid')
    await call('POST', `/users/${id}/avatar-upload`, { body: json({ avatar_content_type: 'image/webp' }) })
    await call('POST', `/users/${crypto.randomUUID()}/avatar-upload`, { body: '{}' })
    await call('DELETE', `/users/${id}`)
    await call('DELETE', `/users/${id}`)
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs', '/nowhere']) await call('GET', path)
    for (const url of ['/metrics', '/nowhere']) await stack.app.metricsServer.inject({ url, headers: { 'x-api-key': stack.apiKey } })
    for (const key of [`${stack.apiKey}x`, stack.apiKey.slice(0, -1), stack.apiKey.toLowerCase(), `${stack.apiKey},${stack.apiKey}`]) {
      assert.equal((await call('GET', '/users', { key })).status, 401)
    }
  })

  it('holds on the 503 path while DynamoDB refuses connections', async () => {
    await proxy.setMode('refuse')
    try {
      assert.equal((await call('POST', '/user', { body: json({ name: 'Down', email: 'down@example.com' }) })).status, 503)
      await call('GET', '/users')
      await call('GET', `/users/${crypto.randomUUID()}`)
      await call('DELETE', `/users/${crypto.randomUUID()}`)
      await call('POST', `/users/${crypto.randomUUID()}/avatar-upload`, { body: '{}' })
      await call('GET', '/readyz')
    } finally {
      await proxy.heal()
    }
  })

  it('holds on the 500 path of a misconfigured table', async () => {
    const headers = { 'x-api-key': stack.apiKey }
    const requests = [
      misconfigured.inject({ method: 'POST', url: '/user', headers, payload: { name: 'Broken', email: 'broken@example.com' } }),
      misconfigured.inject({ method: 'GET', url: '/users', headers }),
      misconfigured.inject({ method: 'GET', url: `/users/${crypto.randomUUID()}`, headers }),
      misconfigured.inject({ method: 'DELETE', url: `/users/${crypto.randomUUID()}`, headers }),
    ]
    for (const response of await Promise.all(requests)) {
      assert.equal(response.statusCode, 500)
      statuses.add(`${response.statusCode} (misconfigured)`)
    }
  })

  it('holds for requests the HTTP parser rejects', async () => {
    const malformed = await rawRequest(port, `GET /users HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${stack.apiKey}\r\nX-Broken: a\u0001b\r\n\r\n`)
    assert.equal(malformed.status, 400)
    statuses.add('parser 400')
  })

  it('and none of those log lines holds the key or a piece of it', (t) => {
    const log = lines.join('')
    assert.ok(lines.length >= 40, `the log was captured (${lines.length} lines)`)
    for (const expected of ['request completed', 'AWS temporarily unavailable', 'AWS call failed', 'client error']) assert.ok(log.includes(expected), expected)
    for (let start = 0; start + WINDOW <= stack.apiKey.length; start++) {
      const piece = stack.apiKey.slice(start, start + WINDOW)
      assert.ok(!log.includes(piece) && !log.toLowerCase().includes(piece.toLowerCase()), `a ${WINDOW}-character piece of the key is in the log`)
    }
    assert.ok(!log.includes(Buffer.from(stack.apiKey).toString('base64').slice(0, WINDOW)), 'the key is in the log as base64')
    t.diagnostic(`${lines.length} log lines at level trace from ${statuses.size} route/status combinations, none with the key as text`)
  })

  it('nor the key as bytes', () => {
    assert.ok(!lines.join('').includes(Array.from(Buffer.from(stack.apiKey)).join(',')), 'the raw request, key included, is in the log as a byte array')
  })
})
