// The response check of the test helpers (test/support/response-contract.ts) catches a response that
// drifts from the OpenAPI document: a field missing from a body, an undocumented status, an error
// sent as application/json, a missing required header, and drift seen over a socket or by
// contractFetch from a service in another process.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import type { FastifyReply, InjectOptions } from 'fastify'
import { authed } from '../support/http.js'
import { contractFetch, ResponseContractError } from '../support/response-contract.js'
import { startTestStack } from '../support/test-stack.js'

const DRIFT_HEADER = 'x-test-drift'

// Each kind of drift, applied by an onSend hook to requests that ask for it.
const drifts: Record<string, (reply: FastifyReply, payload: unknown) => unknown> = {
  'drop-field': (_reply, payload) => {
    const body = JSON.parse(String(payload)) as Record<string, unknown>
    delete body.created_at
    return JSON.stringify(body)
  },
  'undocumented-status': (reply, payload) => {
    reply.code(418)
    return payload
  },
  'problem-as-json': (reply, payload) => {
    reply.type('application/json; charset=utf-8')
    return payload
  },
  'no-location': (reply, payload) => {
    reply.removeHeader('location')
    return payload
  },
}

describe('responses are checked against the OpenAPI document', () => {
  it('rejects each kind of drift on a documented operation, and leaves undocumented routes alone', async () => {
    const stack = await startTestStack(
      {},
      {
        extraRoutes: (app) => {
          app.addHook('onSend', async (request, reply, payload) => {
            const drift = drifts[String(request.headers[DRIFT_HEADER])]
            return drift ? drift(reply, payload) : payload
          })
          app.get('/test-only', async () => ({ anything: true }))
        },
      },
    )
    try {
      const client = authed(stack.app, stack.apiKey)
      const { user } = await client.register('Drift', 'drift@example.com')
      const headers = (drift: string) => ({ 'x-api-key': stack.apiKey, [DRIFT_HEADER]: drift })
      const cases: [drift: string, request: InjectOptions, expected: RegExp][] = [
        ['drop-field', { url: `/users/${user.id}`, headers: headers('drop-field') }, /GET \/users\/\{id\} → 200: body \/ must have required property 'created_at'/],
        ['undocumented-status', { url: '/healthz', headers: headers('undocumented-status') }, /GET \/healthz → 418: status not documented/],
        ['problem-as-json', { url: `/users/${crypto.randomUUID()}`, headers: headers('problem-as-json') }, /→ 404: content type "application\/json; charset=utf-8" not documented \(documented: application\/problem\+json\)/],
        ['no-location', { method: 'POST' as const, url: '/user', headers: headers('no-location'), payload: { name: 'Drift', email: 'drift-2@example.com' } }, /POST \/user → 201: required header Location is missing/],
      ]
      for (const [drift, request, expected] of cases) {
        await assert.rejects(stack.app.inject(request), (error: unknown) => {
          assert.ok(error instanceof ResponseContractError, drift)
          assert.match(error.message, expected, drift)
          return true
        })
      }
      assert.equal((await stack.app.inject('/test-only')).statusCode, 200, 'a route the document does not describe is not checked')
      assert.equal((await client.get(`/users/${user.id}`)).statusCode, 200, 'an intact response passes')
    } finally {
      await stack.close()
    }
  })

  it('fails the stack on close for a drifted response received over a socket', async () => {
    const stack = await startTestStack({}, { extraRoutes: (app) => app.addHook('onSend', async (_request, reply, payload) => drifts['undocumented-status']!(reply, payload)) })
    await stack.app.listen({ port: 0, host: '127.0.0.1' })
    const response = await fetch(`http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}/healthz`)
    assert.equal(response.status, 418)
    await assert.rejects(stack.close(), /GET \/healthz → 418: status not documented/)
  })

  it('contractFetch checks what another process answers, by the documented path the URL matches', async () => {
    // Stands in for src/server.ts in a child process: only the responses matter here.
    const answers: Record<string, [number, string, string]> = {
      '/users/123e4567-e89b-42d3-a456-426614174000': [200, 'application/json', JSON.stringify({ id: 'only-an-id' })],
      '/users/another': [404, 'application/problem+json', JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'No user with this id' })],
      '/not-documented': [200, 'text/plain', 'anything'],
    }
    const server = createServer((request, response) => {
      const [status, type, body] = answers[request.url ?? '']!
      response.writeHead(status, { 'content-type': type, 'x-request-id': 'req-1' }).end(body)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      await assert.rejects(contractFetch(`${base}/users/123e4567-e89b-42d3-a456-426614174000`), /GET \/users\/\{id\} → 200: body \/ must have required property/)
      const notFound = await contractFetch(`${base}/users/another`)
      assert.equal(notFound.status, 404)
      assert.equal(((await notFound.json()) as { status: number }).status, 404, 'the body is still readable')
      assert.equal(await (await contractFetch(`${base}/not-documented`)).text(), 'anything', 'a path the document does not describe is not checked')
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
