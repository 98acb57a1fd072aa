// AWS_MAX_CONNECTIONS and AWS_QUEUE_TIMEOUT_MS through the whole app: a DynamoDB whose PutItem
// calls hang (until the test lets them through) holds the only connection slot, so the next
// call has to wait for it. Everything else is forwarded to the emulator untouched.
import assert from 'node:assert/strict'
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { assertProblem, authed } from '../support/http.js'
import { startTestStack, type TestStack } from '../support/test-stack.js'

const QUEUE_TIMEOUT_MS = 300

// How long the first registration may take to reach the proxy. It normally takes milliseconds; a
// regression that never sends the PutItem must fail the test, not hang the file.
const FIRST_CALL_DEADLINE_MS = 10_000

interface HoldingProxy {
  url: string
  held: number
  /** Resolves once a PutItem is being held; rejects after withinMs otherwise. */
  firstHeld(withinMs: number): Promise<void>
  /** Answers the held calls and stops holding. */
  releaseAll(): void
  close(): Promise<void>
}

async function holdPutItems(target: () => string): Promise<HoldingProxy> {
  const waiting: (() => void)[] = []
  let holding = true
  let announceHeld: () => void = () => undefined
  const held = new Promise<void>((resolve) => {
    announceHeld = resolve
  })
  const forward = (request: IncomingMessage, response: ServerResponse, body: Buffer) => {
    const upstream = httpRequest(`${target()}${request.url ?? '/'}`, { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(response)
    })
    upstream.on('error', () => response.destroy())
    upstream.end(body)
  }
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const send = () => {
        forward(request, response, Buffer.concat(chunks))
      }
      if (holding && String(request.headers['x-amz-target']).endsWith('.PutItem')) {
        waiting.push(send)
        announceHeld()
      } else send()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    get held() {
      return waiting.length
    },
    async firstHeld(withinMs) {
      let timer: NodeJS.Timeout | undefined
      const deadline = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`no PutItem reached the proxy within ${withinMs} ms`))
        }, withinMs)
      })
      try {
        await Promise.race([held, deadline])
      } finally {
        clearTimeout(timer)
      }
    },
    releaseAll() {
      holding = false
      for (const send of waiting.splice(0)) send()
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}

describe('AWS connection limit', () => {
  let proxy: HoldingProxy
  let stack: TestStack
  let client: ReturnType<typeof authed>

  before(async () => {
    let emulator = ''
    proxy = await holdPutItems(() => emulator)
    stack = await startTestStack(
      { AWS_MAX_CONNECTIONS: '1', AWS_QUEUE_TIMEOUT_MS: String(QUEUE_TIMEOUT_MS), AWS_REQUEST_TIMEOUT_MS: '10000', AWS_MAX_ATTEMPTS: '1' },
      { endpoints: { dynamodb: proxy.url } },
    )
    emulator = stack.emulators.dynamoEndpoint
    client = authed(stack.app, stack.apiKey)
  })
  after(async () => {
    proxy.releaseAll()
    await stack.close()
    await proxy.close()
  })

  it('makes a call wait for the busy connection, answers 503 after the queue timeout, and serves the first one', async () => {
    const first = client.post('/user', { name: 'First', email: 'first@example.com' })
    await proxy.firstHeld(FIRST_CALL_DEADLINE_MS)
    assert.equal(proxy.held, 1)

    const started = performance.now()
    const second = await client.post('/user', { name: 'Second', email: 'second@example.com' })
    const waitedMs = performance.now() - started
    assertProblem(second, 503)
    assert.equal(second.headers['retry-after'], '2')
    assert.ok(waitedMs >= QUEUE_TIMEOUT_MS - 10 && waitedMs < 5000, `gave up after the queue timeout, not the request timeout (${Math.round(waitedMs)} ms)`)

    const metrics = (await stack.app.metricsServer.inject('/metrics')).body
    assert.match(metrics, /^aws_call_attempts_in_flight\{aws_service="dynamodb"\} 1$/m)
    assert.match(metrics, /^aws_call_errors_total\{aws_service="dynamodb",operation="PutItem",error_code="BackendBusyError"\} 1$/m)
    // The readiness probe does not queue behind the traffic it judges.
    assert.equal((await stack.app.inject('/readyz')).statusCode, 200)

    proxy.releaseAll()
    assert.equal((await first).statusCode, 201)
    const after = (await stack.app.metricsServer.inject('/metrics')).body
    assert.match(after, /^aws_call_attempts_in_flight\{aws_service="dynamodb"\} 0$/m)
    assert.match(after, /^aws_call_attempts_waiting\{aws_service="dynamodb"\} 0$/m)
    // The second claim never left the queue, so there was nothing to undo.
    assert.doesNotMatch(after, /operation="DeleteItem"/)
  })
})
