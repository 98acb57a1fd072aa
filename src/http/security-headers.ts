// Response headers that keep browsers and caches from misusing what the service sends. Responses
// carry personal data (names, email addresses) and presigned URLs, which are bearer credentials for
// their lifetime, so nothing may be cached (Cache-Control: no-store); a body is never sniffed into
// another type, framed or allowed to load anything (a CSP of default-src 'none'). helmet supplies
// the headers; its middleware is built once here (@fastify/helmet builds it again for every
// request). They are written on the raw response as defaults: a route or plugin that sets one of
// them itself wins, as Swagger UI does with its own CSP (docs/openapi.ts) and static files with
// their Cache-Control. Fastify and Node name themselves in no header; helmet removes X-Powered-By
// should anything set it. HSTS belongs where TLS terminates, at the edge (the chart's Ingress):
// behind it the service speaks plain HTTP and cannot know the hosts HSTS would bind.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import fastifyPlugin from 'fastify-plugin'
import helmet from 'helmet'

/** The policy of every API response: a JSON document that loads nothing and is never framed. */
const API_CONTENT_SECURITY_POLICY = { defaultSrc: ["'none'"], frameAncestors: ["'none'"] }

// helmet's defaults, less what only old browsers or other document types read (Flash and PDF
// policies, IE8 downloads, the old XSS filter, DNS prefetching, origin-keyed agent clusters): each
// is bytes on every response and protects nothing a JSON API or Swagger UI needs.
const helmetHeaders = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: API_CONTENT_SECURITY_POLICY },
  strictTransportSecurity: false,
  xFrameOptions: { action: 'deny' },
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
})

const ignoreNext = () => undefined

/** Sets the security headers on a response that has not been sent; also used where no hook runs. */
export function setSecurityHeaders(request: IncomingMessage, response: ServerResponse): void {
  helmetHeaders(request, response, ignoreNext)
  response.setHeader('Cache-Control', 'no-store')
}

/** The same headers as raw HTTP lines, for the few answers written straight to a socket. */
export const RAW_SECURITY_HEADER_LINES = 'Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n'

export const securityHeaders = fastifyPlugin(
  async (app: FastifyInstance) => {
    app.addHook('onRequest', async (request, reply) => {
      setSecurityHeaders(request.raw, reply.raw)
    })
  },
  { name: 'security-headers' },
)
