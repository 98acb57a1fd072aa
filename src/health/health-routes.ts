import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Readiness } from './readiness.js'

const StatusSchema = Type.Object({ status: Type.String(), reason: Type.Optional(Type.String()) })

export const healthRoutes: FastifyPluginAsyncTypebox<{ readiness: Readiness }> = async (app, { readiness }) => {
  app.get(
    '/healthz',
    { schema: { tags: ['operations'], summary: 'Liveness: the process serves HTTP', response: { 200: StatusSchema } }, logLevel: 'warn' },
    async () => ({ status: 'ok' }),
  )
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: DynamoDB answers and the process is not draining',
        response: { 200: StatusSchema, 503: StatusSchema },
      },
      logLevel: 'warn',
    },
    async (_request, reply) => {
      const { ready, reason } = await readiness.isReady()
      return ready ? { status: 'ready' } : reply.code(503).send({ status: 'not ready', ...(reason ? { reason } : {}) })
    },
  )
}
