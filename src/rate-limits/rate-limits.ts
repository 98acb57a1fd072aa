// Per-pod rate limits of the user routes, so that one client can neither crowd out the others nor
// run up the DynamoDB bill, and a flood of bad credentials costs next to nothing:
// - per credential (an API key, or a token's subject) in each route group: registration (POST /user
//   and avatar-upload renewals), reads, deletes; checked after authentication, before the body is
//   read;
// - per client address for requests that fail authentication: once an address has used up its
//   failures, its requests are refused before any credential is checked (valid ones too) until the
//   window ends, so guessing is pointless and a flood never reaches token verification.
// @fastify/rate-limit keeps the counts in memory, in fixed windows: with N replicas a client can
// make up to N times a limit. The shared limit lives at the edge (the WAF's rate-based rule,
// terraform/). Health, readiness, metrics and docs are registered outside this plugin's context and
// never limited. A refusal is a 429 problem with Retry-After and the RateLimit-Limit, -Remaining and
// -Reset headers (draft-ietf-httpapi-ratelimit-headers), counted by route group and reason.
import fastifyRateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fastifyPlugin from 'fastify-plugin'
import { AuthenticationProblem, authenticatedCaller } from '../auth/authentication.js'
import { SCOPES, type Scope } from '../auth/caller.js'
import type { RateLimitSettings } from '../config/config.js'
import { HttpProblem } from '../http/problems.js'
import type { Metrics } from '../metrics/metrics.js'

/** The route groups that are limited separately: a route's group follows from the scope it needs. */
export const ROUTE_GROUPS = { [SCOPES.write]: 'registration', [SCOPES.read]: 'reads', [SCOPES.delete]: 'deletes' } as const satisfies Record<Scope, string>
export type RouteGroup = (typeof ROUTE_GROUPS)[Scope]
export type RateLimitReason = 'credential' | 'auth_failures'

const GROUP_NOUNS: Record<RouteGroup, string> = { registration: 'registration', reads: 'read', deletes: 'delete' }

type Limiter = ReturnType<FastifyInstance['createRateLimit']>
type LimiterState = Extract<Awaited<ReturnType<Limiter>>, { isAllowed: false }>

function routeGroup(request: FastifyRequest): RouteGroup {
  const { scope } = request.routeOptions.config
  if (scope === undefined) throw new Error(`${request.method} ${request.url}: no scope declared, so no route group`)
  return ROUTE_GROUPS[scope]
}

/** The RateLimit-* headers of a limit's state, as strings (Retry-After is added on refusal). */
function limitHeaders({ max, remaining, ttlInSeconds }: Pick<LimiterState, 'max' | 'remaining' | 'ttlInSeconds'>): Record<string, string> {
  return { 'RateLimit-Limit': String(max), 'RateLimit-Remaining': String(remaining), 'RateLimit-Reset': String(Math.max(1, ttlInSeconds)) }
}

export const rateLimits = fastifyPlugin(
  async (app: FastifyInstance, { settings, metrics }: { settings: RateLimitSettings; metrics: Metrics }) => {
    // Only the limiters made below; the plugin adds nothing to routes by itself.
    await app.register(fastifyRateLimit, { global: false })
    const timeWindow = settings.windowSeconds * 1000
    const reasons: readonly RateLimitReason[] = ['credential', 'auth_failures']
    // Every series exists from the start, so a dashboard shows 0 rather than no data.
    for (const group of Object.values(ROUTE_GROUPS)) for (const reason of reasons) metrics.rateLimited.inc({ route_group: group, reason }, 0)

    const refuse = (request: FastifyRequest, reason: RateLimitReason, state: Pick<LimiterState, 'max' | 'remaining' | 'ttlInSeconds'>, detail: string) => {
      metrics.rateLimited.inc({ route_group: routeGroup(request), reason })
      request.log = request.log.child({ rate_limited: reason })
      const headers = limitHeaders(state)
      return new HttpProblem(429, 'Too Many Requests', detail, { ...headers, 'Retry-After': headers['RateLimit-Reset'] ?? '1' })
    }

    const maxFailures = settings.authFailuresPerAddress
    if (maxFailures > 0) {
      // Keyed by the client address (request.ip: the connection's, or from X-Forwarded-For behind
      // TRUSTED_PROXY_HOPS proxies), IPv6 addresses by their /64 as one client holds a whole /64.
      const failures = app.createRateLimit({ max: maxFailures, timeWindow })
      app.addHook('onRequest', async (request) => {
        const state = await failures(request, { increment: false })
        if (state.isAllowed || state.remaining > 0) return
        throw refuse(
          request,
          'auth_failures',
          state,
          `Too many requests with failed authentication from this address: at most ${maxFailures} per ${settings.windowSeconds} s. Retry after ${Math.max(1, state.ttlInSeconds)} s.`,
        )
      })
      // A refusal by the authentication hook (401, 403, 400 for two credentials) counts; an issuer
      // that cannot be reached (503) is not the client's fault and does not.
      app.addHook('onError', async (request, _reply, error) => {
        if (error instanceof AuthenticationProblem && error.status < 500) await failures(request)
      })
    }

    const perCredential = new Map<RouteGroup, Limiter>()
    for (const group of Object.values(ROUTE_GROUPS)) {
      const max = settings.perCredential[group]
      if (max > 0) perCredential.set(group, app.createRateLimit({ max, timeWindow, keyGenerator: (request) => authenticatedCaller(request).id }))
    }
    if (perCredential.size > 0) {
      // preParsing: after the authentication hook (onRequest) has named the caller, before the body is read.
      app.addHook('preParsing', async (request, reply, payload) => {
        const group = routeGroup(request)
        const state = await perCredential.get(group)?.(request)
        if (state === undefined || state.isAllowed) return payload
        if (state.isExceeded) {
          throw refuse(
            request,
            'credential',
            state,
            `This credential has used up its ${state.max} ${GROUP_NOUNS[group]} requests per ${settings.windowSeconds} s. Retry after ${Math.max(1, state.ttlInSeconds)} s.`,
          )
        }
        reply.headers(limitHeaders(state))
        return payload
      })
    }
  },
  { name: 'rate-limits' },
)
