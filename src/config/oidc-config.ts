// The settings of bearer-token authentication, checked together because they only make sense
// together: an issuer needs an audience and a cursor secret, the algorithms must be asymmetric, and
// the URLs must be https. Problems are added to the caller's list and never quote a secret.
import type { Environment } from './config-schema.js'

export interface OidcConfig {
  /** Exactly as the tokens' `iss` claim spells it. */
  issuer: string
  /** Overrides discovery; undefined means the `jwks_uri` of the issuer's discovery document. */
  jwksUri: string | undefined
  audiences: readonly string[]
  algorithms: readonly string[]
  clockToleranceSeconds: number
  /** Prefix the issuer puts before each scope name (Amazon Cognito: `<resource server>/`). */
  scopePrefix: string
  /** Signs pagination cursors of token callers; must be the same on every replica. */
  cursorSecret: string
}

/** Asymmetric JWS algorithms: with these, a token can only come from the holder of a private key. */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const

export const MIN_CURSOR_SECRET_LENGTH = 32

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost'])

type ReadFile = (path: string) => string

const OIDC_ONLY = ['OIDC_AUDIENCE', 'OIDC_JWKS_URI', 'OIDC_ALGORITHMS', 'OIDC_CLOCK_TOLERANCE_SECONDS', 'OIDC_SCOPE_PREFIX', 'CURSOR_SECRET', 'CURSOR_SECRET_FILE'] as const

const commaList = (value: string) => value.split(',').map((item) => item.trim()).filter((item) => item !== '')

/**
 * Why a URL cannot serve the issuer's documents, or undefined when it can. https only: the keys
 * that decide who may call come over this connection. Plain http is accepted on loopback alone, for
 * the local stack and tests. Also applied to the jwks_uri a discovery document names, which (unlike
 * an issuer) may carry a query, as Azure AD B2C's do.
 */
export function issuerUrlProblem(value: string, kind: 'issuer' | 'jwks' = 'issuer'): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'must be an absolute URL'
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    return 'must be an https URL; plain http is accepted only on 127.0.0.1, [::1] or localhost'
  }
  if (url.hash !== '' || url.username !== '' || url.password !== '') return 'must have no fragment or credentials'
  if (kind === 'issuer' && url.search !== '') return 'must have no query'
  return undefined
}

function checkUrl(variable: string, value: string, kind: 'issuer' | 'jwks', problems: string[]): void {
  const problem = issuerUrlProblem(value, kind)
  if (problem) problems.push(`${variable}: ${problem} (was ${JSON.stringify(value)})`)
}

function loadCursorSecret(settings: Partial<Environment>, readFile: ReadFile, problems: string[]): string {
  if (settings.CURSOR_SECRET !== undefined && settings.CURSOR_SECRET_FILE !== undefined) {
    problems.push('CURSOR_SECRET and CURSOR_SECRET_FILE: set one of them, not both')
    return ''
  }
  let secret = settings.CURSOR_SECRET
  if (settings.CURSOR_SECRET_FILE !== undefined) {
    try {
      secret = readFile(settings.CURSOR_SECRET_FILE).trim()
    } catch (error) {
      problems.push(`CURSOR_SECRET_FILE: cannot read ${settings.CURSOR_SECRET_FILE} (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
      return ''
    }
  }
  if (secret === undefined || secret === '') {
    problems.push(`CURSOR_SECRET or CURSOR_SECRET_FILE: required with OIDC_ISSUER, at least ${MIN_CURSOR_SECRET_LENGTH} characters, the same on every replica`)
  } else if (secret.length < MIN_CURSOR_SECRET_LENGTH) {
    problems.push(`CURSOR_SECRET: shorter than ${MIN_CURSOR_SECRET_LENGTH} characters`)
  }
  return secret ?? ''
}

/** Undefined when OIDC_ISSUER is not set (bearer tokens off). `explicit` names the variables set in the environment. */
export function loadOidcConfig(settings: Partial<Environment>, explicit: ReadonlySet<string>, readFile: ReadFile, problems: string[]): OidcConfig | undefined {
  if (settings.OIDC_ISSUER === undefined) {
    for (const variable of OIDC_ONLY.filter((name) => explicit.has(name))) problems.push(`${variable}: only used with OIDC_ISSUER; set OIDC_ISSUER or remove it`)
    return undefined
  }
  checkUrl('OIDC_ISSUER', settings.OIDC_ISSUER, 'issuer', problems)
  if (settings.OIDC_JWKS_URI !== undefined) checkUrl('OIDC_JWKS_URI', settings.OIDC_JWKS_URI, 'jwks', problems)

  const audiences = commaList(settings.OIDC_AUDIENCE ?? '')
  if (audiences.length === 0) problems.push('OIDC_AUDIENCE: required with OIDC_ISSUER: the audience (or audiences, comma-separated) this service accepts')

  const algorithms = commaList(settings.OIDC_ALGORITHMS ?? '')
  const refused = algorithms.filter((algorithm) => !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(algorithm))
  if (refused.length > 0 || algorithms.length === 0) {
    problems.push(`OIDC_ALGORITHMS: only asymmetric algorithms are accepted (${ASYMMETRIC_ALGORITHMS.join(', ')}); refused: ${refused.join(', ') || '(empty list)'}`)
  }

  return {
    issuer: settings.OIDC_ISSUER,
    jwksUri: settings.OIDC_JWKS_URI,
    audiences,
    algorithms: [...new Set(algorithms)],
    clockToleranceSeconds: settings.OIDC_CLOCK_TOLERANCE_SECONDS ?? 30,
    scopePrefix: settings.OIDC_SCOPE_PREFIX ?? '',
    cursorSecret: loadCursorSecret(settings, readFile, problems),
  }
}
