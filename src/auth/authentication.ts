// The one authentication hook of the user routes, for both credentials: an API key in X-API-Key
// (full access) and an OAuth 2.0 access token in `Authorization: Bearer` (the scopes it carries).
// Each route declares the scope it needs (`config.scope`, which the OpenAPI document reads too);
// the hook refuses the request before its body is read. Health, readiness, metrics and docs are
// registered outside this plugin's context and stay open. Refusals follow RFC 6750
// (WWW-Authenticate challenges) and stay problem details; each one is counted by reason and named
// in the request's log line, and a credential never is.
import type { IncomingHttpHeaders } from 'node:http'
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify'
import fastifyPlugin from 'fastify-plugin'
import type { OidcConfig } from '../config/oidc-config.js'
import { HttpProblem, RETRY_AFTER_SECONDS } from '../http/problems.js'
import type { Metrics } from '../metrics/metrics.js'
import { createApiKeyVerifier } from './api-keys.js'
import { createBearerTokenVerifier, TOKEN_FAILURES, TokenRejectedError, type TokenFailure } from './bearer-tokens.js'
import type { Caller, Scope } from './caller.js'
import { DEFAULT_KEY_SET_TIMINGS, KeysUnavailableError, RemoteKeySet, type KeySetTimings } from './key-set.js'

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null
  }
  interface FastifyContextConfig {
    /** The scope a bearer token needs for this route; every route behind authentication declares one. */
    scope?: Scope
  }
}

export const API_KEY_HEADER = 'x-api-key'

export type AuthFailure =
  | 'missing_credentials'
  | 'two_credentials'
  | 'invalid_api_key'
  | 'api_keys_disabled'
  | 'bearer_tokens_disabled'
  | 'unsupported_scheme'
  | 'keys_unavailable'
  | 'insufficient_scope'
  | TokenFailure

export class AuthenticationProblem extends HttpProblem {
  constructor(
    readonly reason: AuthFailure,
    status: number,
    title: string,
    detail: string,
    headers: Record<string, string> = {},
  ) {
    super(status, title, detail, headers)
  }
}

const REALM = 'realm="user-api"'
/** The WWW-Authenticate challenges of a 401: which credentials to send, and where. */
export const API_KEY_CHALLENGE = `APIKey ${REALM}, header="X-API-Key"`
export const BEARER_CHALLENGE = `Bearer ${REALM}`

export interface AuthenticatorOptions {
  apiKeys: readonly string[]
  oidc: OidcConfig | undefined
  metrics: Metrics
  log: FastifyBaseLogger
  now: () => Date
  keySetTimings?: KeySetTimings
}

export class Authenticator {
  private readonly verifyApiKey: ReturnType<typeof createApiKeyVerifier> | undefined
  private readonly verifyToken: ((token: string) => Promise<Caller>) | undefined
  private readonly scopePrefix: string
  private readonly challenges: string

  constructor(private readonly options: AuthenticatorOptions) {
    const { apiKeys, oidc, metrics, log, now } = options
    this.verifyApiKey = apiKeys.length > 0 ? createApiKeyVerifier(apiKeys) : undefined
    // Stryker disable next-line StringLiteral: equivalent; without an issuer only API keys, which hold every scope, reach the scope check
    this.scopePrefix = oidc?.scopePrefix ?? ''
    if (oidc) {
      const keySet = new RemoteKeySet({
        issuer: oidc.issuer,
        jwksUri: oidc.jwksUri,
        timings: options.keySetTimings ?? DEFAULT_KEY_SET_TIMINGS,
        log,
        now: () => now().getTime(),
        onFetch: (outcome) => {
          metrics.oidcKeyFetches.inc({ outcome })
        },
      })
      this.verifyToken = createBearerTokenVerifier({ config: oidc, getKey: keySet.getKey, now })
    }
    this.challenges = [...(this.verifyApiKey ? [API_KEY_CHALLENGE] : []), ...(this.verifyToken ? [BEARER_CHALLENGE] : [])].join(', ')
  }

  /** The scope name a token must carry, as the issuer spells it. */
  private scopeName(scope: Scope): string {
    return `${this.scopePrefix}${scope}`
  }

  async authenticate(headers: IncomingHttpHeaders, scope: Scope): Promise<Caller> {
    const apiKey = headers[API_KEY_HEADER]
    const authorization = headers.authorization
    if (apiKey !== undefined && authorization !== undefined) {
      throw this.refuse('two_credentials', 400, 'Bad Request', 'Send one credential per request: X-API-Key or Authorization, not both.', {
        ...(this.verifyToken ? { 'WWW-Authenticate': `${BEARER_CHALLENGE}, error="invalid_request"` } : {}),
      })
    }
    const caller = authorization !== undefined ? await this.bearerCaller(authorization) : this.apiKeyCaller(apiKey)
    if (!caller.scopes.has(scope)) {
      const name = this.scopeName(scope)
      throw this.refuse('insufficient_scope', 403, 'Forbidden', `The access token lacks the scope ${name}, which this operation requires.`, {
        'WWW-Authenticate': `${BEARER_CHALLENGE}, error="insufficient_scope", scope="${name}"`,
      })
    }
    return caller
  }

  private apiKeyCaller(apiKey: string | string[] | undefined): Caller {
    if (apiKey === undefined) {
      const detail = !this.verifyToken
        ? 'A valid API key is required in the X-API-Key header.'
        : !this.verifyApiKey
          ? 'An access token is required in the Authorization header (Bearer).'
          : 'Send an API key in the X-API-Key header or an access token in the Authorization header (Bearer).'
      throw this.refuse('missing_credentials', 401, 'Unauthorized', detail, { 'WWW-Authenticate': this.challenges })
    }
    if (!this.verifyApiKey) {
      throw this.refuse('api_keys_disabled', 401, 'Unauthorized', 'This service does not accept API keys; send an access token in the Authorization header (Bearer).', {
        'WWW-Authenticate': this.challenges,
      })
    }
    const caller = this.verifyApiKey(apiKey)
    if (!caller) throw this.refuse('invalid_api_key', 401, 'Unauthorized', 'A valid API key is required in the X-API-Key header.', { 'WWW-Authenticate': this.challenges })
    return caller
  }

  private async bearerCaller(authorization: string): Promise<Caller> {
    // Stryker disable next-line StringLiteral: equivalent; split always returns a first element
    const [scheme = '', ...rest] = authorization.trim().split(/ +/)
    if (scheme.toLowerCase() !== 'bearer') {
      throw this.refuse('unsupported_scheme', 401, 'Unauthorized', 'The Authorization header accepts only Bearer access tokens.', { 'WWW-Authenticate': this.challenges })
    }
    if (!this.verifyToken) {
      throw this.refuse('bearer_tokens_disabled', 401, 'Unauthorized', 'This service does not accept bearer tokens; send an API key in the X-API-Key header.', {
        'WWW-Authenticate': this.challenges,
      })
    }
    try {
      // Stryker disable next-line StringLiteral: equivalent; rest[0] exists when rest has one element, and any other text with a space is malformed too
      return await this.verifyToken(rest.length === 1 ? (rest[0] ?? '') : '')
    } catch (error) {
      if (error instanceof TokenRejectedError) {
        throw this.refuse(error.reason, 401, 'Unauthorized', TOKEN_FAILURES[error.reason], {
          'WWW-Authenticate': `${BEARER_CHALLENGE}, error="invalid_token", error_description="${TOKEN_FAILURES[error.reason]}"`,
        })
      }
      if (error instanceof KeysUnavailableError) {
        throw this.refuse('keys_unavailable', 503, 'Service Unavailable', 'The access token cannot be checked now: the token issuer is unreachable. Please retry.', {
          'Retry-After': String(RETRY_AFTER_SECONDS),
        })
      }
      throw error
    }
  }

  private refuse(reason: AuthFailure, status: number, title: string, detail: string, headers: Record<string, string>): AuthenticationProblem {
    this.options.metrics.authFailures.inc({ reason })
    return new AuthenticationProblem(reason, status, title, detail, headers)
  }
}

// For handlers behind the hook, where a request without a caller cannot arrive.
export function authenticatedCaller(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error('authenticatedCaller used on a route outside the authentication plugin')
  return request.caller
}

export const authentication = fastifyPlugin(
  async (app: FastifyInstance, { authenticator }: { authenticator: Authenticator }) => {
    // Stryker disable next-line StringLiteral: equivalent; the hook sets caller on every request it lets through, the decoration only keeps the request's shape stable
    app.decorateRequest('caller', null)
    // Secure by default: a route added here without a scope stops the start-up.
    app.addHook('onRoute', (route) => {
      if (route.config?.scope === undefined) throw new Error(`${String(route.method)} ${route.url}: routes behind authentication must declare config.scope`)
    })
    app.addHook('onRequest', async (request) => {
      const { scope } = request.routeOptions.config
      // Stryker disable next-line StringLiteral: equivalent; the onRoute hook above lets no route without a scope in
      if (scope === undefined) throw new Error(`${request.method} ${request.url}: no scope declared`)
      try {
        request.caller = await authenticator.authenticate(request.headers, scope)
      } catch (error) {
        if (error instanceof AuthenticationProblem) request.log = request.log.child({ auth_failure: error.reason })
        throw error
      }
      request.log = request.log.child(request.caller.logFields)
    })
  },
  // Stryker disable next-line ObjectLiteral,StringLiteral: equivalent; the name only labels the plugin, no plugin depends on it
  { name: 'authentication' },
)
