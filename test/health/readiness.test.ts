// Readiness means "this pod can serve": it waits for DynamoDB to answer once at start-up, so a bad
// configuration never becomes ready, and afterwards only draining makes the pod unready, so an
// outage shared by every pod leaves them in the Service answering 503 with Retry-After.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertProblem, authed } from '../support/http.js'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js'
import { startTestStack, type TestStack } from '../support/test-stack.js'

const FAST_FAILURE = { AWS_CONNECT_TIMEOUT_MS: '200', AWS_REQUEST_TIMEOUT_MS: '300', AWS_MAX_ATTEMPTS: '2' }
const PROBES = 5

const readyz = async (stack: TestStack) => {
  const response = await stack.app.inject('/readyz')
  return { status: response.statusCode, body: response.json<{ status: string; reason?: string }>() }
}

describe('readiness', () => {
  describe('with DynamoDB behind a proxy', () => {
    let stack: TestStack
    let proxy: TcpProxy
    before(async () => {
      proxy = await startTcpProxy()
      stack = await startTestStack(FAST_FAILURE, { endpoints: { dynamodb: proxy.url }, readinessCacheMs: 0 })
    })
    after(async () => {
      await stack.close()
      await proxy.close()
    })

    it('is not ready until DynamoDB has answered once', async () => {
      // No target yet: every connection to DynamoDB is reset.
      for (let probe = 0; probe < PROBES; probe++) {
        assert.deepEqual(await readyz(stack), { status: 503, body: { status: 'not ready', reason: 'starting' } })
      }
      proxy.setTarget(stack.emulators.dynamoEndpoint)
      assert.deepEqual(await readyz(stack), { status: 200, body: { status: 'ready' } })
    })

    it('stays ready through a DynamoDB outage after start while API calls get 503 with Retry-After', async () => {
      assert.equal((await readyz(stack)).status, 200)
      await proxy.setMode('refuse')
      try {
        const client = authed(stack.app, stack.apiKey)
        for (const response of [await client.get('/users'), await client.post('/user', { name: 'Outage', email: 'outage@example.com' })]) {
          assertProblem(response, 503)
          assert.equal(response.headers['retry-after'], '2')
        }
        for (let probe = 0; probe < PROBES; probe++) assert.equal((await readyz(stack)).status, 200, `probe ${probe} during the outage`)
      } finally {
        await proxy.heal()
      }
    })

    it('turns 503 while draining, whatever DynamoDB does', async () => {
      stack.app.readiness.draining = true
      try {
        assert.deepEqual(await readyz(stack), { status: 503, body: { status: 'not ready', reason: 'draining' } })
      } finally {
        stack.app.readiness.draining = false
      }
    })
  })

  it('never becomes ready when the table is missing', async () => {
    const stack = await startTestStack(FAST_FAILURE, { appEnv: { DYNAMODB_TABLE: 'no-such-table' }, readinessCacheMs: 0 })
    try {
      for (let probe = 0; probe < PROBES; probe++) {
        assert.deepEqual(await readyz(stack), { status: 503, body: { status: 'not ready', reason: 'starting' } }, `probe ${probe}`)
      }
      assert.equal((await stack.app.inject('/healthz')).statusCode, 200, 'alive, so not restarted in a loop')
    } finally {
      await stack.close()
    }
  })

  it('asks DynamoDB at most once per cache period while starting, and never once ready', async () => {
    const stack = await startTestStack(FAST_FAILURE, { readinessCacheMs: 60_000 })
    try {
      const describeCalls = async () => {
        const text = (await stack.app.metricsServer.inject('/metrics')).body
        return Number(/aws_call_duration_seconds_count\{aws_service="dynamodb",operation="DescribeTable",outcome="success"\} (\d+)/.exec(text)?.[1] ?? 0)
      }
      const probes = await Promise.all(Array.from({ length: 10 }, () => readyz(stack)))
      assert.ok(probes.every(({ status }) => status === 200))
      for (let probe = 0; probe < PROBES; probe++) await readyz(stack)
      assert.equal(await describeCalls(), 1, 'concurrent probes share one DescribeTable; later probes ask nothing')
    } finally {
      await stack.close()
    }
  })

  it('can start its first check before any probe, which the first probe then shares', async () => {
    const stack = await startTestStack(FAST_FAILURE, { readinessCacheMs: 60_000 })
    try {
      const describeCalls = async () => {
        const text = (await stack.app.metricsServer.inject('/metrics')).body
        return Number(/aws_call_duration_seconds_count\{aws_service="dynamodb",operation="DescribeTable",outcome="success"\} (\d+)/.exec(text)?.[1] ?? 0)
      }
      stack.app.readiness.checkEarly()
      // DynamoDB answers within milliseconds; the bound only keeps a regression from hanging.
      const deadline = Date.now() + 10_000
      while ((await describeCalls()) === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
      assert.equal(await describeCalls(), 1, 'DescribeTable was called before any probe')
      assert.equal((await readyz(stack)).status, 200)
      assert.equal(await describeCalls(), 1, 'the probe asked nothing more')
    } finally {
      await stack.close()
    }
  })
})
