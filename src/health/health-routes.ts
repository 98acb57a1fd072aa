// Liveness and readiness probes for Kubernetes and load balancers; open, like the rest of the
// operational endpoints. Liveness depends on nothing outside the process, so a backend outage
// never restarts pods; what readiness means is explained in readiness.ts.
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
        summary: 'Readiness: DynamoDB has answered since start-up and the process is not draining',
        response: {
          200: jsonResponse(StatusSchema, { description: 'Ready to serve', example: { status: 'ready' } }),
          503: jsonResponse(StatusSchema, { description: 'Not ready: starting (DynamoDB has not answered yet), or draining', example: { status: 'not ready', reason: 'draining' } }),
        },
      },
      logLevel: 'warn',
    },
    async (_request, reply) => {
      const state = await readiness.isReady()
      return state.ready ? { status: 'ready' } : reply.code(503).send({ status: 'not ready', reason: state.reason })
    },
  )
}
