import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertProblem, authed } from '../support/http.js'
import { refusingEndpoint, stallingEndpoint } from '../support/faulty-endpoints.js'
import { startTestStack, type TestStack } from '../support/test-stack.js'

// Tight timeouts so failures surface quickly: at most 2 attempts of 300 ms each, plus backoff.
const FAST_FAILURE = { AWS_CONNECT_TIMEOUT_MS: '200', AWS_REQUEST_TIMEOUT_MS: '300', AWS_MAX_ATTEMPTS: '2' }
const WORST_CASE_MS = 2 * 300 + 2000

async function expectTemporaryFailure(stack: TestStack): Promise<void> {
  const client = authed(stack.app, stack.apiKey)
  for (const request of [() => client.get('/users'), () => client.post('/user', { name: 'Out', email: 'out@example.com' }), () => client.get(`/users/${crypto.randomUUID()}`)]) {
    const started = Date.now()
    const response = await request()
    const problem = assertProblem(response, 503)
    assert.equal(response.headers['retry-after'], '2')
    assert.ok(Date.now() - started < WORST_CASE_MS, `answered within ${WORST_CASE_MS} ms`)
    assert.doesNotMatch(JSON.stringify(problem), /ECONNREFUSED|Timeout|dynamodb|amazonaws|at /i, 'no AWS internals leak')
  }
  assert.equal((await stack.app.inject('/readyz')).statusCode, 503)
  assert.equal((await stack.app.inject('/healthz')).statusCode, 200)
}

describe('AWS failures', () => {
  it('answers 503 with Retry-After when DynamoDB refuses connections', async () => {
    const stack = await startTestStack(FAST_FAILURE, { endpoints: { dynamodb: await refusingEndpoint() } })
    try {
      await expectTemporaryFailure(stack)
    } finally {
      await stack.close()
    }
  })

  it('answers 503 with Retry-After when DynamoDB stalls', async () => {
    const stalling = await stallingEndpoint()
    const stack = await startTestStack(FAST_FAILURE, { endpoints: { dynamodb: stalling.url } })
    try {
      await expectTemporaryFailure(stack)
    } finally {
      await stack.close()
      await stalling.close()
    }
  })

  it('still lists users when S3 is down, reporting pending avatars as null', async () => {
    const stack = await startTestStack(FAST_FAILURE, { endpoints: { s3: await refusingEndpoint() } })
    try {
      const client = authed(stack.app, stack.apiKey)
      const { user } = await client.register('S3 Down', 's3down@example.com')
      const response = await client.get('/users')
      assert.equal(response.statusCode, 200)
      assert.deepEqual(response.json(), [{ ...user, avatar_url: null }])
    } finally {
      await stack.close()
    }
  })

  describe('permanent failures', () => {
    let stack: TestStack
    before(async () => {
      // A table that does not exist stands for any configuration or permission error.
      stack = await startTestStack(FAST_FAILURE, { appEnv: { DYNAMODB_TABLE: 'no-such-table' } })
    })
    after(async () => {
      await stack.close()
    })

    it('answers 500 with a generic message and no AWS detail', async () => {
      const response = await authed(stack.app, stack.apiKey).post('/user', { name: 'Nobody', email: 'nobody@example.com' })
      const problem = assertProblem(response, 500)
      assert.doesNotMatch(JSON.stringify(problem), /ResourceNotFound|no-such-table|stack/i)
      assert.equal(response.headers['retry-after'], undefined)
    })
  })
})
