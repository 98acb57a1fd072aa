// Prometheus scrape endpoint, open like the other operational endpoints.
import type { FastifyPluginAsync } from 'fastify'
import { textResponse } from '../docs/responses.js'
import { OPEN } from '../docs/security.js'
import type { Metrics } from './metrics.js'

const EXAMPLE = '# HELP http_requests_total HTTP requests served, by route template, method and status code\n# TYPE http_requests_total counter\nhttp_requests_total{route="/users",method="GET",status_code="200"} 42\n'

export const metricsRoutes: FastifyPluginAsync<{ metrics: Metrics }> = async (app, { metrics }) => {
  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'getMetrics',
        tags: ['operations'],
        security: OPEN,
        summary: 'Prometheus metrics',
        response: { 200: textResponse('Metrics in the Prometheus text format', EXAMPLE) },
      },
      logLevel: 'warn',
    },
    async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  )
}
