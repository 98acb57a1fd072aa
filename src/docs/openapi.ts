// OpenAPI 3.1 generated from the route schemas, served at /openapi.json, with Swagger UI at /docs.
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fastifyPlugin from 'fastify-plugin'

export const openApi = fastifyPlugin(
  async (app: FastifyInstance, { version }: { version: string }) => {
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'user-api',
          version,
          description: 'Register users, list them, and upload avatars straight to S3 with presigned forms.',
        },
        tags: [
          { name: 'users', description: 'User registration and lookup; requires X-API-Key' },
          { name: 'operations', description: 'Health, readiness and metrics; no key needed' },
        ],
        components: {
          securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
        },
      },
    })
    await app.register(fastifySwaggerUi, { routePrefix: '/docs' })
    app.get('/openapi.json', { schema: { hide: true }, logLevel: 'warn' }, async () => app.swagger())
  },
  { name: 'openapi' },
)
