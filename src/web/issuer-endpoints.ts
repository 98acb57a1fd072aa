// Where the web page sends people to sign in and exchanges the code for a token: the issuer's
// authorization and token endpoints, from its discovery document. The service looks them up,
// not the page, because its Content-Security-Policy must name the token endpoint before the page
// runs, and that endpoint often lives on another host than the issuer (Amazon Cognito: the
// pool's domain). Looked up at start-up; while the issuer cannot be reached the page offers no
// sign-in with it (it says so), and the lookup is retried in the background until it succeeds.
import type { FastifyBaseLogger } from 'fastify'
import { fetchJson } from '../auth/key-set.js'
import { issuerUrlProblem } from '../config/oidc-config.js'

export interface SignInEndpoints {
  authorizationEndpoint: string
  tokenEndpoint: string
}

export interface IssuerEndpointsOptions {
  issuer: string
  log: FastifyBaseLogger
  fetchTimeoutMs: number
  retryAfterMs: number
  /** Called once the endpoints are known, after a retry too. */
  onFound?: (endpoints: SignInEndpoints) => void
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

export async function discoverSignInEndpoints(issuer: string, fetchTimeoutMs: number): Promise<SignInEndpoints> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`
  const document = await fetchJson(url, fetchTimeoutMs)
  if (!isRecord(document)) throw new Error(`${url} is not a JSON object`)
  if (document.issuer !== issuer) throw new Error(`${url} names the issuer ${JSON.stringify(document.issuer)}, not ${issuer}`)
  const endpoint = (name: 'authorization_endpoint' | 'token_endpoint'): string => {
    const value = document[name]
    if (typeof value !== 'string') throw new Error(`${url} has no ${name}`)
    // The same rule as for the key set: https, or http on loopback for the local stack.
    const problem = issuerUrlProblem(value, 'jwks')
    if (problem) throw new Error(`the ${name} of ${url} ${problem}`)
    return value
  }
  return { authorizationEndpoint: endpoint('authorization_endpoint'), tokenEndpoint: endpoint('token_endpoint') }
}

export class IssuerEndpoints {
  private found: SignInEndpoints | undefined
  private retry: NodeJS.Timeout | undefined
  private closed = false

  constructor(private readonly options: IssuerEndpointsOptions) {}

  get current(): SignInEndpoints | undefined {
    return this.found
  }

  /** The first lookup, awaited (bounded by the fetch timeout); failures are retried in the background. */
  async start(): Promise<void> {
    try {
      this.found = await discoverSignInEndpoints(this.options.issuer, this.options.fetchTimeoutMs)
      this.options.onFound?.(this.found)
    } catch (error) {
      if (this.closed) return
      this.options.log.warn({ err: error, retry_in_ms: this.options.retryAfterMs }, 'web page: cannot read the sign-in endpoints of the issuer; the page offers no sign-in with it until they are found')
      this.retry = setTimeout(() => void this.start(), this.options.retryAfterMs)
      this.retry.unref()
    }
  }

  close(): void {
    this.closed = true
    clearTimeout(this.retry)
  }
}
