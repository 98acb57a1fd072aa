// CORS for browser apps on other origins (CORS_ALLOWED_ORIGINS): without it a browser lets a page
// send nothing but the simplest requests to the API and read none of the answers. Only the listed
// origins, compared exactly, get CORS headers; none by default. Credentials travel in headers
// (X-API-Key, Authorization), never in cookies, so credentialed CORS stays off and no wildcard is
// ever sent. The web page the service serves itself is same-origin and needs none of this.
import fastifyCors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'
import fastifyPlugin from 'fastify-plugin'

/** Headers a page on another origin may read: pagination, the created user, the request id, back-off. */
export const EXPOSED_HEADERS = ['Link', 'Location', 'X-Request-Id', 'Retry-After', 'WWW-Authenticate'] as const
export const ALLOWED_REQUEST_HEADERS = ['Authorization', 'Content-Type', 'X-API-Key', 'X-Request-Id'] as const
// Browsers cache a preflight for at most this long (Chromium's cap; Firefox allows more), so one
// preflight per URL and method serves a page for two hours.
export const PREFLIGHT_MAX_AGE_SECONDS = 7200

export const cors = fastifyPlugin(
  async (app: FastifyInstance, { allowedOrigins }: { allowedOrigins: readonly string[] }) => {
    if (allowedOrigins.length === 0) return
    await app.register(fastifyCors, {
      origin: [...allowedOrigins],
      methods: ['GET', 'HEAD', 'POST', 'DELETE'],
      allowedHeaders: [...ALLOWED_REQUEST_HEADERS],
      exposedHeaders: [...EXPOSED_HEADERS],
      credentials: false,
      maxAge: PREFLIGHT_MAX_AGE_SECONDS,
      // Preflights are answered here, before authentication: they carry no credentials by design.
      preflight: true,
      strictPreflight: true,
    })
  },
  { name: 'cors' },
)
