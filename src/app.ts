// The application as a Fastify instance: infrastructure plugins first, then the domain, then
// routes. It has no side effects beyond what it is given, so tests build as many as they like.
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { Authenticator } from './auth/authentication.js'
import type { KeySetTimings } from './auth/key-set.js'
import { AvatarStorage } from './avatars/avatar-storage.js'
import { createAwsClients, type AwsOverrides } from './aws/clients.js'
import type { Config } from './config/config.js'
import { healthRoutes } from './health/health-routes.js'
import { Readiness } from './health/readiness.js'
import { cors } from './http/cors.js'
import { clientErrorHandler, frameworkErrors, problemDetails } from './http/error-handler.js'
import { requestContext, requestIdFrom } from './http/request-context.js'
import { securityHeaders } from './http/security-headers.js'
import { validatorCompiler } from './http/validator-compiler.js'
import { BackgroundRetries } from './lifecycle/background-retries.js'
import { createMetrics } from './metrics/metrics.js'
import { buildMetricsServer } from './metrics/metrics-server.js'
import type { RequestTracing } from './tracing/tracing.js'
import { UserRepository, staleClaimSeconds } from './users/user-repository.js'
import { userRoutes } from './users/user-routes.js'
import { UserService } from './users/user-service.js'
import { webPage, type WebPageOptions } from './web/web-page.js'

export const BODY_LIMIT_BYTES = 16 * 1024
// Longer than the idle timeout of common load balancers (60 s), so they close idle connections
// first and never send a request into a connection the server is closing.
const KEEP_ALIVE_TIMEOUT_MS = 72_000
// Undoing failed registrations in the background: a retry every few seconds at most, so a
// DynamoDB that is recovering is not flooded, and at most this many at once (memory bound).
const CLEANUP_RETRIES = { maxPending: 1000, firstDelayMs: 250, maxDelayMs: 4000 }

// Where `npm run build` puts the built web page: dist/public/, next to the compiled app.
const BUILT_WEB_PAGE = fileURLToPath(new URL('public/', import.meta.url))

const { version } = createRequire(import.meta.url)('../package.json') as { version: string }

declare module 'fastify' {
  interface FastifyInstance {
    readiness: Readiness
    /** Serves /metrics on METRICS_PORT; the caller listens on it, and closing the app closes it. */
    metricsServer: FastifyInstance
  }
}

export interface BuildOptions {
  logger?: FastifyServerOptions['logger']
  loggerInstance?: FastifyBaseLogger
  aws?: AwsOverrides
  now?: () => Date
  readinessCacheMs?: number
  /** Tests shorten the token issuer's fetch timeout and cooldowns. */
  keySetTimings?: KeySetTimings
  /** Started before the app is built (tracing/); puts the trace id in logs and problem details. */
  tracing?: RequestTracing
  /** The built web page; the default is where `npm run build` puts it. */
  webPageDirectory?: string
  /** Tests shorten the web page's lookup of the issuer's sign-in endpoints. */
  issuerTimings?: WebPageOptions['issuerTimings']
}

export function loggerOptions(config: Config, tracing?: RequestTracing): NonNullable<FastifyServerOptions['logger']> {
  return {
    level: config.logLevel,
    // The trace id in every line written while a request is served, whichever logger writes it.
    ...(tracing ? { mixin: () => tracing.logFields() } : {}),
    // Keys are never logged; request headers are not logged at all, this is a second belt.
    // err.rawPacket: the raw bytes of a request the HTTP parser rejected, key included.
    redact: { paths: ['req.headers["x-api-key"]', 'req.headers.authorization', 'headers["x-api-key"]', 'headers.authorization', 'err.rawPacket'], censor: '[redacted]' },
    ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  }
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? loggerOptions(config, options.tracing) }),
    // requestContext writes one line per request instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdFrom,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: config.httpRequestTimeoutSeconds * 1000,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    frameworkErrors,
    clientErrorHandler,
    // request.ip (rate limits, logs): the connection's address, or the X-Forwarded-For entry that
    // many hops back when that many proxies in front of the service are trusted to append it.
    trustProxy: config.trustedProxyHops > 0 ? (_address: string, hop: number) => hop < config.trustedProxyHops : false,
  }).withTypeProvider<TypeBoxTypeProvider>()
  // Node waits up to 60 s for request headers by default, and a body trickled in after them is
  // held to that same deadline; the request timeout is the limit a client must meet.
  const requestTimeoutMs = config.httpRequestTimeoutSeconds * 1000
  if (requestTimeoutMs > 0) app.server.headersTimeout = Math.min(app.server.headersTimeout, requestTimeoutMs)
  app.setValidatorCompiler(validatorCompiler)
  // JSON only: a text/plain body is refused with 415 instead of reaching validation.
  app.removeContentTypeParser('text/plain')

  const metrics = createMetrics()
  const metricsServer = buildMetricsServer(metrics, app.log.child({ server: 'metrics' }))
  app.decorate('metricsServer', metricsServer)
  const clients = createAwsClients(config.aws, metrics, options.aws, app.log)
  const staleClaimAfterSeconds = staleClaimSeconds(config.aws)
  const cleanups = new BackgroundRetries(app.log, { ...CLEANUP_RETRIES, giveUpAfterMs: staleClaimAfterSeconds * 1000 })
  // Clean-ups still need the clients, so they stop first; metrics stay scrapeable to the end.
  app.addHook('onClose', async () => {
    await cleanups.close()
    clients.destroy()
    await metricsServer.close()
  })

  const readiness = new Readiness(clients.dynamo, config.table, app.log, options.readinessCacheMs)
  app.decorate('readiness', readiness)

  const authenticator = new Authenticator({
    apiKeys: config.apiKeys,
    oidc: config.oidc,
    metrics,
    log: app.log,
    now: options.now ?? (() => new Date()),
    ...(options.keySetTimings ? { keySetTimings: options.keySetTimings } : {}),
  })

  await app.register(securityHeaders)
  await app.register(requestContext, { metrics, isDraining: () => readiness.draining })
  const tracing = options.tracing
  await app.register(problemDetails, { traceId: tracing && (() => tracing.traceId()) })
  await app.register(cors, { allowedOrigins: config.web.corsAllowedOrigins })
  // Loaded only when enabled: Swagger UI and its static-file and YAML dependencies are a few MiB
  // of memory that a production process without docs never needs.
  if (config.docsEnabled) {
    const { openApi } = await import('./docs/openapi.js')
    await app.register(openApi, { version, tokenIssuer: config.oidc && { issuer: config.oidc.issuer, scopePrefix: config.oidc.scopePrefix } })
  }

  const avatars = new AvatarStorage(clients.s3, config.avatars)
  const repository = new UserRepository(clients.dynamo, config.table, app.log, staleClaimAfterSeconds, cleanups)
  const users = new UserService({
    repository,
    avatars,
    log: app.log,
    ...(options.now ? { now: options.now } : {}),
  })

  await app.register(healthRoutes, { readiness })
  await app.register(userRoutes, { users, authenticator, rateLimits: { settings: config.rateLimits, metrics } })
  if (config.web.page.enabled) {
    await app.register(webPage, {
      config,
      avatars,
      directory: options.webPageDirectory ?? BUILT_WEB_PAGE,
      ...(options.issuerTimings ? { issuerTimings: options.issuerTimings } : {}),
    })
  }
  return app
}
