// How the document states authentication, in one place: the schemes, the requirement of each
// operation behind authentication (any one credential; a token needs the operation's scope), and
// that of the open operations. API keys and bearer tokens are part of the contract whatever a
// deployment enables; with an issuer configured, the served document adds its openIdConnect scheme
// (discovery URL) and spells scopes as the issuer does (OIDC_SCOPE_PREFIX).
import type { Scope } from '../auth/caller.js'

export const SECURITY_SCHEMES = {
  apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'One of the keys in API_KEYS or API_KEYS_FILE; full access to every operation' },
  bearer: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An OAuth 2.0 access token from the issuer in OIDC_ISSUER, carrying the scope the operation lists',
  },
} as const

/** The issuer a deployment trusts, as the document shows it. */
export interface TokenIssuer {
  issuer: string
  scopePrefix: string
}

type Requirement = Record<string, string[]>

/** The document's default: any one credential. Each operation narrows it to its scope. */
export const AUTHENTICATED: Requirement[] = [{ apiKey: [] }, { bearer: [] }]

/** Open operations (probes, metrics): no credentials. */
export const OPEN: [] = []

export function securitySchemes(tokenIssuer: TokenIssuer | undefined) {
  if (!tokenIssuer) return SECURITY_SCHEMES
  const openIdConnectUrl = `${tokenIssuer.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`
  return { ...SECURITY_SCHEMES, openIdConnect: { type: 'openIdConnect', openIdConnectUrl, description: 'Sign in with the issuer; each operation lists the scope it needs' } } as const
}

/** An operation's requirement: an API key, or a token with the operation's scope. */
export function operationSecurity(scope: Scope, tokenIssuer: TokenIssuer | undefined): Requirement[] {
  const name = `${tokenIssuer?.scopePrefix ?? ''}${scope}`
  return [{ apiKey: [] }, { bearer: [name] }, ...(tokenIssuer ? [{ openIdConnect: [name] }] : [])]
}
