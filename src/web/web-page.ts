// The web page (built from web/) served by the service at /: the reference browser client of the
// API, same-origin, so it needs no CORS. Everything is prepared at start-up: the files with their
// compressed forms, the Content-Security-Policy and /page-config.json. None of these routes is
// part of the API contract (hidden from the OpenAPI document) and none needs credentials.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AvatarStorage } from '../avatars/avatar-storage.js'
import type { Config } from '../config/config.js'
import { contentSecurityPolicy } from './content-security-policy.js'
import { IssuerEndpoints, type SignInEndpoints } from './issuer-endpoints.js'
import { pageConfig } from './page-config.js'
import { ASSETS_FOLDER, loadPageFiles, PageNotBuiltError, type PageFile } from './page-files.js'

export interface WebPageOptions {
  config: Config
  avatars: AvatarStorage
  /** The build output (index.html, assets/). */
  directory: string
  /** Tests shorten the issuer lookup. */
  issuerTimings?: { fetchTimeoutMs: number; retryAfterMs: number }
}

const DEFAULT_ISSUER_TIMINGS = { fetchTimeoutMs: 5000, retryAfterMs: 30_000 }

// The service's security headers (http/security-headers.ts) stay on every page response, the
// page's needs among them: nosniff, and Referrer-Policy: no-referrer, since the sign-in code
// arrives in the page's URL and must not travel on to the bucket in a Referer header. The page
// sets only what differs from an API response: its Content-Security-Policy and its caching.

function acceptedEncoding(request: FastifyRequest, file: PageFile): 'br' | 'gzip' | undefined {
  const accepted = request.headers['accept-encoding'] ?? ''
  if (file.brotli && /\bbr\b/.test(accepted)) return 'br'
  if (file.gzip && /\bgzip\b/.test(accepted)) return 'gzip'
  return undefined
}

function sendFile(request: FastifyRequest, reply: FastifyReply, file: PageFile): FastifyReply {
  reply.headers({ 'Content-Type': file.contentType, 'Cache-Control': file.cacheControl, ETag: file.etag, Vary: 'Accept-Encoding' })
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send()
  const encoding = acceptedEncoding(request, file)
  if (encoding === undefined) return reply.send(file.body)
  return reply.header('Content-Encoding', encoding).send(encoding === 'br' ? file.brotli : file.gzip)
}

export async function webPage(app: FastifyInstance, { config, avatars, directory, issuerTimings = DEFAULT_ISSUER_TIMINGS }: WebPageOptions): Promise<void> {
  const files = loadPageFiles(directory)
  const index = files.get('/index.html')
  if (index === undefined) throw new PageNotBuiltError(directory)
  const storageOrigin = await avatars.origin()

  // What depends on the issuer's endpoints, rebuilt once when a late lookup finds them.
  let csp = contentSecurityPolicy({ storageOrigin })
  let configJson = JSON.stringify(pageConfig(config, undefined))
  const useEndpoints = (endpoints: SignInEndpoints | undefined) => {
    csp = contentSecurityPolicy({ storageOrigin, tokenEndpoint: endpoints?.tokenEndpoint })
    configJson = JSON.stringify(pageConfig(config, endpoints))
  }
  const issuer = config.oidc?.issuer
  if (issuer !== undefined && config.web.page.oidcClientId !== undefined) {
    const endpoints = new IssuerEndpoints({ issuer, log: app.log, ...issuerTimings, onFound: useEndpoints })
    app.addHook('onClose', async () => {
      endpoints.close()
    })
    await endpoints.start()
  }

  // The sign-in code comes back in the query of /: the request's log line leaves the query out.
  app.get('/', { schema: { hide: true }, config: { logWithoutQuery: true } }, async (request, reply) => {
    reply.header('Content-Security-Policy', csp)
    return sendFile(request, reply, index)
  })

  app.get(`/${ASSETS_FOLDER}/:name`, { schema: { hide: true } }, async (request, reply) => {
    const file = files.get(`/${ASSETS_FOLDER}/${(request.params as { name: string }).name}`)
    if (file === undefined) {
      reply.callNotFound()
      return reply
    }
    return sendFile(request, reply, file)
  })

  app.get('/page-config.json', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(configJson),
  )
}
