// Slow and oversized clients against a listening server: connections that send nothing, headers
// that trickle in, bodies that trickle in, and bodies larger than the limit. The server must cut
// them off by its own timeouts (HTTP_REQUEST_TIMEOUT_SECONDS) while it keeps serving others.
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { BODY_LIMIT_BYTES } from '../../src/app.js'
import { startTestStack, type TestStack } from '../support/test-stack.js'
import { parseRaw, rawRequest, type RawResponse } from './security-support.js'

const REQUEST_TIMEOUT_SECONDS = 1
// Node checks request deadlines every connectionsCheckingInterval (30 s by default), so in
// production a slow client is cut between HTTP_REQUEST_TIMEOUT_SECONDS and 30 s later. The test
// checks more often to stay fast; the deadline itself is the service's.
const CHECK_INTERVAL_MS = 200
const CUT_OFF_BOUND_MS = REQUEST_TIMEOUT_SECONDS * 1000 + CHECK_INTERVAL_MS + 1000
const DRIP_INTERVAL_MS = 150
const SLOW_CLIENTS = 50

interface SlowClient {
  /** Resolves when the server closes the connection, with what it sent and when. */
  closed: Promise<{ ms: number; response: RawResponse }>
  socket: Socket
}

// Opens a connection, sends `opening`, then the next character of `drip` (cycling through it)
// every DRIP_INTERVAL_MS, for ever.
function slowClient(port: number, opening: string, drip: string): SlowClient {
  const started = performance.now()
  const socket = connect(port, '127.0.0.1')
  let received = ''
  let sent = 0
  const timer = setInterval(() => {
    if (!socket.destroyed && drip !== '') socket.write(drip[sent++ % drip.length]!)
  }, DRIP_INTERVAL_MS)
  const closed = new Promise<{ ms: number; response: RawResponse }>((resolve) => {
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearInterval(timer)
      resolve({ ms: Math.round(performance.now() - started), response: parseRaw(received) })
    })
  })
  socket.write(opening)
  return { closed, socket }
}

async function cutOffWithin(client: SlowClient, boundMs: number): Promise<{ ms: number; response: RawResponse }> {
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`the server still holds the connection after ${boundMs} ms`))
    }, boundMs)
  })
  try {
    return await Promise.race([client.closed, limit])
  } finally {
    clearTimeout(timer)
    client.socket.destroy()
  }
}

describe('slow and oversized clients are cut off by the server', () => {
  let stack: TestStack
  let port: number

  before(async () => {
    stack = await startTestStack({ HTTP_REQUEST_TIMEOUT_SECONDS: String(REQUEST_TIMEOUT_SECONDS) })
    ;(stack.app.server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval = CHECK_INTERVAL_MS
    await stack.app.listen({ port: 0, host: '127.0.0.1' })
    port = (stack.app.server.address() as { port: number }).port
  })
  after(async () => {
    await stack.close()
  })

  // Request line and headers, each line ending in CRLF; an extra '' line ends the head.
  const requestHead = (method: string, path: string, extra: string[] = []) =>
    [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', `X-API-Key: ${stack.apiKey}`, ...extra].join('\r\n') + '\r\n'

  it('closes a connection that never sends a request', async (t) => {
    const { ms } = await cutOffWithin(slowClient(port, '', ''), CUT_OFF_BOUND_MS)
    assert.ok(ms >= REQUEST_TIMEOUT_SECONDS * 1000 - 100, `not before the timeout (${ms} ms)`)
    t.diagnostic(`idle connection closed after ${ms} ms`)
  })

  it(`cuts ${SLOW_CLIENTS} clients trickling headers while others are served promptly`, async (t) => {
    const clients = Array.from({ length: SLOW_CLIENTS }, (_, index) => slowClient(port, requestHead('GET', '/users'), `X-Slow-${index}: y\r\n`))
    const served = performance.now()
    const healthy = await rawRequest(port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
    const servedMs = Math.round(performance.now() - served)
    assert.equal(healthy.status, 200)
    assert.ok(servedMs < 500, `a normal request waited ${servedMs} ms behind the slow ones`)
    const results = await Promise.all(clients.map((client) => cutOffWithin(client, CUT_OFF_BOUND_MS)))
    for (const { response } of results) assert.ok(response.status === 408 || response.status === 0, `status ${response.status}`)
    const times = results.map(({ ms }) => ms)
    t.diagnostic(`${SLOW_CLIENTS} slow-header clients cut after ${Math.min(...times)}-${Math.max(...times)} ms; /healthz meanwhile in ${servedMs} ms`)
  })

  it('cuts a client trickling its body', async (t) => {
    const head = requestHead('POST', '/user', ['Content-Type: application/json', 'Content-Length: 1000', ''])
    const { ms, response } = await cutOffWithin(slowClient(port, head, ' '), CUT_OFF_BOUND_MS)
    assert.ok(response.status === 408 || response.status === 0)
    t.diagnostic(`slow-body client cut after ${ms} ms`)
  })

  it('answers 413 to a declared body over the limit without reading it', async () => {
    const started = performance.now()
    const response = await rawRequest(port, requestHead('POST', '/user', ['Content-Type: application/json', 'Content-Length: 10000000000', '', '{}']))
    assert.equal(response.status, 413)
    assert.match(response.headers, /content-type: application\/problem\+json/i)
    assert.ok(performance.now() - started < 1000)
  })

  it('answers 413 to a chunked body that grows over the limit', async () => {
    const chunk = 'x'.repeat(4096)
    const chunks = Array.from({ length: Math.ceil((BODY_LIMIT_BYTES * 2) / chunk.length) }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('')
    const response = await rawRequest(port, requestHead('POST', '/user', ['Content-Type: application/json', 'Transfer-Encoding: chunked', '']) + chunks + '0\r\n\r\n')
    assert.equal(response.status, 413, response.headers)
    assert.match(response.headers, /content-type: application\/problem\+json/i)
  })

  it('errors raised by the HTTP parser itself are problem details', async () => {
    const timedOut = await cutOffWithin(slowClient(port, requestHead('GET', '/users'), 'X-Slow: y\r\n'), CUT_OFF_BOUND_MS)
    const malformed = await rawRequest(port, `GET /users HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: a\u0001b\r\n\r\n`)
    for (const response of [timedOut.response, malformed]) {
      assert.match(response.headers, /content-type: application\/problem\+json/i, response.headers)
    }
  })
})
