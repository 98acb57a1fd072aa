// Liveness and readiness probes for Kubernetes and load balancers; open, like the rest of the
// operational endpoints.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { jsonResponse } from '../docs/responses.js'
import { OPEN as security } from '../docs/security.js'
import type { Readiness } from './readiness.js'

const StatusSchema = Type.Object({ status: Type.String(), reason: Type.Optional(Type.String()) }, { title: 'Status' })
const tags = ['operations']

export const healthRoutes: FastifyPluginAsyncTypebox<{ readiness: Readiness }> = async (app, { readiness }) => {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'getLiveness',
        tags,
        security,
        summary: 'Liveness: the process serves HTTP',
        response: { 200: jsonResponse(StatusSchema, { description: 'Alive', example: { status: 'ok' } }) },
      },
      logLevel: 'warn',
    },
    async () => ({ status: 'ok' }),
  )
  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadiness',
        tags,
        security,
        summary: 'Readiness: DynamoDB answers and the process is not draining',
        response: {
          200: jsonResponse(StatusSchema, { description: 'Ready to serve', example: { status: 'ready' } }),
          503: jsonResponse(StatusSchema, { description: 'Not ready: draining, or DynamoDB does not answer', example: { status: 'not ready', reason: 'draining' } }),
        },
      },
      logLevel: 'warn',
    },
    async (_request, reply) => {
      const { ready, reason } = await readiness.isReady()
      return ready ? { status: 'ready' } : reply.code(503).send({ status: 'not ready', ...(reason ? { reason } : {}) })
    },
  )
}
