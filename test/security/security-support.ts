// Helpers for the hostile-input tests: the contract every answer must meet, and raw HTTP over a
// socket for what app.inject cannot express (header bytes, pacing, repeated headers).
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import type { LightMyRequestResponse } from 'fastify'

/** Never a 5xx; every error is RFC 9457 problem details whose status matches; always a request id. */
export function assertWellFormed(response: LightMyRequestResponse, context: string): void {
  assert.ok(response.statusCode < 500, `${context}: ${response.statusCode} ${response.body}`)
  assert.ok(typeof response.headers['x-request-id'] === 'string', `${context}: no X-Request-Id`)
  if (response.statusCode < 400) return
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/, `${context}: ${response.statusCode} ${response.body}`)
  const problem = response.json<{ type?: unknown; title?: unknown; status?: unknown; detail?: unknown }>()
  assert.equal(problem.status, response.statusCode, context)
  for (const field of ['type', 'title', 'detail'] as const) assert.equal(typeof problem[field], 'string', `${context}: ${field}`)
}

export interface RawResponse {
  status: number
  headers: string
  body: string
}

/** Sends bytes as they are and reads until the server closes the connection. */
export function rawRequest(port: number, request: string, timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no complete answer within ${timeoutMs} ms: ${JSON.stringify(received.slice(0, 200))}`))
    }, timeoutMs)
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(parseRaw(received))
    })
    // Not end(): a half-closed socket may lose an answer that is still being computed.
    socket.write(request, 'latin1')
  })
}

export function parseRaw(text: string): RawResponse {
  const split = text.indexOf('\r\n\r\n')
  const headers = split === -1 ? text : text.slice(0, split)
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1] ?? 0)
  return { status, headers, body: split === -1 ? '' : text.slice(split + 4) }
}

export function rawGet(path: string, headerLines: readonly string[]): string {
  return [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...headerLines, 'Connection: close', '', ''].join('\r\n')
}
