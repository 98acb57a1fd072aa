// The settings that concern browsers: which other origins may call the API (CORS), and the web
// page the service serves. Checked together because they depend on the rest: the page's sign-in
// needs an issuer, its API-key field needs API keys. Problems are added to the caller's list.
import type { Environment } from './config-schema.js'

export interface WebConfig {
  /** Exact origins (scheme://host[:port]) that get CORS headers; empty means no CORS at all. */
  corsAllowedOrigins: readonly string[]
  page: {
    enabled: boolean
    /** The public client the page signs in with; undefined: no sign-in with the issuer. */
    oidcClientId: string | undefined
    /** Offer a field for an API key (kept in the browser's sessionStorage). */
    apiKeySignIn: boolean
  }
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * Why a value is not a browser origin the API may answer, or undefined when it is one: https with
 * a host and an optional port, nothing else; plain http only on loopback, for development. No
 * wildcard, path or trailing slash: browsers compare origins as exact strings. The rule is the
 * one Terraform applies to the bucket's CORS origins (cors_allowed_origins), so one list fits both.
 */
export function corsOriginProblem(value: string): string | undefined {
  if (value.includes('*')) return 'wildcards are not allowed; list each origin'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'must be an origin like https://app.example.com'
  }
  if (url.origin !== value) return `must be an origin like https://app.example.com, without path or trailing slash${url.origin === 'null' ? '' : ` (${url.origin})`}`
  if (url.protocol === 'https:') return undefined
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return undefined
  return 'must be https (plain http only on localhost, 127.0.0.1 or [::1])'
}

/** An absolute http(s) URL, as the SDK's AWS_ENDPOINT_URL* variables must be; undefined when it is one. */
function endpointProblem(value: string): string | undefined {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : 'must be an http(s) URL'
  } catch {
    return 'must be an absolute URL'
  }
}

/** The S3 endpoint the SDK will use when one is configured (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL). */
export function loadS3Endpoint(settings: Partial<Environment>, problems: string[]): string | undefined {
  for (const variable of ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3'] as const) {
    const value = settings[variable]
    const problem = value === undefined ? undefined : endpointProblem(value)
    if (problem) problems.push(`${variable}: ${problem} (was ${JSON.stringify(value)})`)
  }
  return settings.AWS_ENDPOINT_URL_S3 ?? settings.AWS_ENDPOINT_URL
}

export function loadWebConfig(settings: Partial<Environment>, hasApiKeys: boolean, problems: string[]): WebConfig {
  const origins = (settings.CORS_ALLOWED_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter((origin) => origin !== '')
  for (const origin of origins) {
    const problem = corsOriginProblem(origin)
    if (problem) problems.push(`CORS_ALLOWED_ORIGINS: ${JSON.stringify(origin)} ${problem}`)
  }
  const oidcClientId = settings.WEB_PAGE_OIDC_CLIENT_ID
  if (oidcClientId !== undefined && settings.OIDC_ISSUER === undefined) {
    problems.push('WEB_PAGE_OIDC_CLIENT_ID: the page signs in at OIDC_ISSUER; set OIDC_ISSUER or remove it')
  }
  const apiKeySignIn = settings.WEB_PAGE_API_KEY_SIGN_IN ?? false
  if (apiKeySignIn && !hasApiKeys) problems.push('WEB_PAGE_API_KEY_SIGN_IN: no API keys are configured (API_KEYS or API_KEYS_FILE)')
  return {
    corsAllowedOrigins: [...new Set(origins)],
    page: { enabled: settings.WEB_PAGE_ENABLED ?? true, oidcClientId, apiKeySignIn },
  }
}
