// Guards the routes registered in the same encapsulation context. Health, readiness, metrics and
// docs are registered outside it and stay open.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fastifyPlugin from 'fastify-plugin'
import { HttpProblem } from '../http/problems.js'
import { createApiKeyVerifier, type Caller } from './api-keys.js'

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null
  }
}

export const API_KEY_HEADER = 'x-api-key'
/** The WWW-Authenticate challenge of a 401: which credentials to send, and where. */
export const API_KEY_CHALLENGE = 'APIKey realm="user-api", header="X-API-Key"'

const unauthorized = () =>
  new HttpProblem(401, 'Unauthorized', 'A valid API key is required in the X-API-Key header.', {
    'WWW-Authenticate': API_KEY_CHALLENGE,
  })

// For handlers behind apiKeyAuth, where a request without a caller cannot reach them.
export function authenticatedCaller(request: FastifyRequest): Caller {
  if (!request.caller) throw unauthorized()
  return request.caller
}

export const apiKeyAuth = fastifyPlugin(
  async (app: FastifyInstance, { keys }: { keys: readonly string[] }) => {
    const verify = createApiKeyVerifier(keys)
    app.decorateRequest('caller', null)
    app.addHook('onRequest', async (request) => {
      const caller = verify(request.headers[API_KEY_HEADER])
      if (!caller) throw unauthorized()
      request.caller = caller
      request.log = request.log.child({ key_id: caller.keyId })
    })
  },
  { name: 'api-key-auth' },
)
