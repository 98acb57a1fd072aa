import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config/config.js'
import { authed } from '../support/http.js'
import { newApiKey, startTestStack, testEnvironment, type TestStack } from '../support/test-stack.js'

describe('operations endpoints', () => {
  let stack: TestStack
  before(async () => {
    stack = await startTestStack({}, { readinessCacheMs: 0 })
  })
  after(async () => {
    await stack.close()
  })

  it('reports liveness and readiness, and readiness turns 503 while draining', async () => {
    assert.deepEqual((await stack.app.inject('/healthz')).json(), { status: 'ok' })
    assert.equal((await stack.app.inject('/readyz')).statusCode, 200)
    stack.app.readiness.draining = true
    try {
      const draining = await stack.app.inject('/readyz')
      assert.equal(draining.statusCode, 503)
      assert.deepEqual(draining.json(), { status: 'not ready', reason: 'draining' })
      assert.equal((await stack.app.inject('/healthz')).statusCode, 200, 'liveness is unaffected')
    } finally {
      stack.app.readiness.draining = false
    }
  })

  it('keeps a valid incoming X-Request-Id and replaces an unsafe one', async () => {
    const kept = await stack.app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123.def' } })
    assert.equal(kept.headers['x-request-id'], 'abc-123.def')
    const replaced = await stack.app.inject({ url: '/healthz', headers: { 'x-request-id': 'bad id\u0007<script>' } })
    assert.match(String(replaced.headers['x-request-id']), /^[0-9a-f-]{36}$/)
    const problem = await stack.app.inject({ url: '/nowhere', headers: { 'x-request-id': 'trace-me' } })
    assert.equal(problem.statusCode, 404)
    assert.equal(problem.headers['x-request-id'], 'trace-me')
    assert.equal(problem.json<{ request_id: string }>().request_id, 'trace-me')
  })

  it('exposes request and AWS call metrics by route, method and status in Prometheus format, on the metrics port only', async () => {
    const client = authed(stack.app, stack.apiKey)
    await client.register('Metric', 'metric@example.com')
    await client.get('/users')
    await client.get(`/users/${crypto.randomUUID()}`)
    const onApiPort = await stack.app.inject('/metrics')
    assert.equal(onApiPort.statusCode, 404, 'the API port, which the Ingress exposes, does not serve /metrics')
    assert.equal(onApiPort.headers['content-type'], 'application/problem+json; charset=utf-8')
    const response = await stack.app.metricsServer.inject('/metrics')
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['content-type']), /^text\/plain/)
    const text = response.body
    assert.match(text, /http_request_duration_seconds_bucket\{le="0\.005",route="\/user",method="POST",status_code="201"\}/)
    assert.match(text, /http_requests_total\{route="\/users\/:id",method="GET",status_code="404"\} 1/)
    assert.match(text, /aws_call_duration_seconds_count\{aws_service="dynamodb",operation="PutItem",outcome="success"\} [1-9]/)
    assert.match(text, /aws_call_duration_seconds_count\{aws_service="dynamodb",operation="Scan",outcome="success"\} 1/)
    assert.match(text, /process_cpu_seconds_total/)
    assert.match(text, /nodejs_eventloop_lag_seconds/)
    assert.doesNotMatch(text, /route="\/metrics"/, 'scrapes are not counted as API requests')
    assert.equal((await stack.app.metricsServer.inject('/users')).statusCode, 404, 'the metrics port serves nothing else')
  })

  it('serves neither /docs nor /openapi.json unless DOCS_ENABLED is set', async () => {
    const app = await buildApp(loadConfig(testEnvironment({ API_KEYS: newApiKey() })))
    try {
      for (const url of ['/docs', '/docs/', '/openapi.json']) assert.equal((await app.inject(url)).statusCode, 404, url)
    } finally {
      await app.close()
    }
  })
})
