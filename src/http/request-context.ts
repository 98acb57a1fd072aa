// Request ids, the one log line per request, and the HTTP metrics.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { FastifyInstance } from 'fastify'
import fastifyPlugin from 'fastify-plugin'
import type { Metrics } from '../metrics/metrics.js'
import { withoutQuery } from './url-path.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Log the path only: the query of this route may carry something secret-like (a sign-in code). */
    logWithoutQuery?: boolean
  }
}

export const REQUEST_ID_HEADER = 'x-request-id'
// An incoming id is kept only when it is safe to echo and to log.
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

export function requestIdFrom(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER]
  return typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID()
}

export const requestContext = fastifyPlugin(
  async (app: FastifyInstance, { metrics, isDraining }: { metrics: Metrics; isDraining: () => boolean }) => {
    app.addHook('onRequest', async (request, reply) => {
      reply.header('X-Request-Id', request.id)
    })
    // While draining, every response closes its connection: clients reconnect (to another
    // replica) instead of keeping an idle connection that would hold the shutdown until it times out.
    app.addHook('onSend', async (_request, reply) => {
      if (isDraining()) reply.header('Connection', 'close')
    })
    app.addHook('onResponse', async (request, reply) => {
      // The route template keeps label cardinality bounded; unmatched URLs share one label.
      const route = request.routeOptions.url ?? 'unmatched'
      const url = request.routeOptions.config.logWithoutQuery ? withoutQuery(request.url) : request.url
      const labels = { route, method: request.method, status_code: String(reply.statusCode) }
      const seconds = reply.elapsedTime / 1000
      metrics.httpRequestDuration.observe(labels, seconds)
      metrics.httpRequests.inc(labels)
      request.log.info(
        { method: request.method, route, url, status: reply.statusCode, duration_ms: Math.round(reply.elapsedTime * 100) / 100 },
        'request completed',
      )
    })
  },
  { name: 'request-context' },
)
