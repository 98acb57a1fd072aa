import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { Writable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import pino from 'pino'
import { assertProblem } from '../support/http.js'
import { newApiKey, startTestStack, type TestStack } from '../support/test-stack.js'

describe('API key authentication', () => {
  let stack: TestStack
  let rotatedKey: string
  const logLines: string[] = []

  before(async () => {
    rotatedKey = newApiKey()
    const apiKey = newApiKey()
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString())
        done()
      },
    })
    const started = await startTestStack({ API_KEYS: `${apiKey}, ${rotatedKey}`, DOCS_ENABLED: 'true' }, { loggerInstance: pino({ level: 'trace' }, sink) })
    stack = { ...started, apiKey }
  })
  after(async () => {
    await stack.close()
  })

  const get = (headers: Record<string, string | string[]>) => stack.app.inject({ method: 'GET', url: '/users', headers })

  it('accepts every configured key, so keys rotate without downtime', async () => {
    assert.equal((await get({ 'x-api-key': stack.apiKey })).statusCode, 200)
    assert.equal((await get({ 'X-API-KEY': rotatedKey })).statusCode, 200, 'header names are case-insensitive')
  })

  it('refuses missing, empty, wrong, partial and decorated keys with 401 and WWW-Authenticate', async () => {
    const variants: Record<string, string | string[]>[] = [
      {},
      { 'x-api-key': '' },
      { 'x-api-key': '   ' },
      { 'x-api-key': newApiKey() },
      { 'x-api-key': stack.apiKey.slice(0, -1) },
      { 'x-api-key': `${stack.apiKey}x` },
      { 'x-api-key': stack.apiKey.toUpperCase() },
      { 'x-api-key': [stack.apiKey, stack.apiKey] },
      { 'x-api-key': `${stack.apiKey},${rotatedKey}` },
      { authorization: `Bearer ${stack.apiKey}` },
      { 'x-api-keys': stack.apiKey },
    ]
    for (const headers of variants) {
      const response = await get(headers)
      const problem = assertProblem(response, 401)
      assert.equal(response.headers['www-authenticate'], 'APIKey realm="user-api", header="X-API-Key"')
      assert.equal(problem.title, 'Unauthorized')
      assert.ok(!problem.detail.includes(stack.apiKey))
    }
  })

  it('protects every user route and leaves operations routes open', async () => {
    for (const [method, url] of [['POST', '/user'], ['GET', '/users'], ['GET', `/users/${crypto.randomUUID()}`], ['DELETE', `/users/${crypto.randomUUID()}`], ['POST', `/users/${crypto.randomUUID()}/avatar-upload`]] as const) {
      assertProblem(await stack.app.inject({ method, url, payload: method === 'POST' ? {} : undefined }), 401)
    }
    for (const url of ['/healthz', '/readyz', '/openapi.json', '/docs/']) {
      assert.equal((await stack.app.inject({ method: 'GET', url })).statusCode, 200, url)
    }
    assert.equal((await stack.app.metricsServer.inject('/metrics')).statusCode, 200, '/metrics on its own port')
  })

  it('never writes a key into the log, only its fingerprint', async () => {
    await stack.app.inject({ method: 'POST', url: '/user', headers: { 'x-api-key': stack.apiKey }, payload: { name: 'Log', email: 'log@example.com' } })
    await get({ 'x-api-key': `${stack.apiKey}-wrong` })
    const log = logLines.join('')
    assert.ok(log.includes('request completed'), 'the log was captured')
    const registration = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.msg === 'request completed' && line.status === 201)
    assert.equal(registration?.key_id, createHash('sha256').update(stack.apiKey).digest().subarray(0, 4).toString('hex'), 'the request is logged with its key fingerprint')
    assert.ok(!log.includes(stack.apiKey), 'no key in the log')
    assert.ok(!log.includes(stack.apiKey.slice(0, 12)), 'not even a prefix of a key')
  })
})
