// /metrics on a port of its own (METRICS_PORT): request counts by route and status, AWS error
// codes and process figures are for the cluster's Prometheus, not for the internet. A listener of
// its own keeps them off the API port that the Ingress or Gateway exposes, whatever paths those
// route, and lets the NetworkPolicy admit this port from the monitoring namespace only.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Metrics } from './metrics.js'

export function buildMetricsServer(metrics: Metrics, log: FastifyBaseLogger): FastifyInstance {
  const server = Fastify({ loggerInstance: log, logController: new LogController({ disableRequestLogging: true }) })
  server.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })
  return server
}
