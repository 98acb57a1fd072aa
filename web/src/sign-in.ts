// Signing in. With the issuer: OAuth 2.0 Authorization Code with PKCE (RFC 7636), the page being a
// public client. The access token stays in memory only, so it is gone with the tab (or a reload)
// and no other script can find it in storage; only the one-time PKCE verifier and state survive
// the trip to the issuer, in sessionStorage, and are removed when it returns. With an API key (the
// local stack): the key is kept in sessionStorage, for this tab only.
import type { Credentials } from './api.js'
import type { IssuerSignIn } from './page-config.js'

const PENDING_SIGN_IN = 'user-api.pending-sign-in'
const API_KEY = 'user-api.api-key'

export class SignInFailure extends Error {
  override name = 'SignInFailure'
}

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
const randomText = (length: number) => base64url(crypto.getRandomValues(new Uint8Array(length)))
const redirectUri = () => `${location.origin}/`

/** Sends the browser to the issuer; it comes back to this page with a code. */
export async function startIssuerSignIn(issuer: IssuerSignIn): Promise<void> {
  if (issuer.authorization_endpoint === null) throw new SignInFailure(`Signing in with ${issuer.issuer} is unavailable right now: the service could not reach it. Try again later.`)
  const verifier = randomText(32)
  const state = randomText(16)
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))))
  sessionStorage.setItem(PENDING_SIGN_IN, JSON.stringify({ verifier, state }))
  const target = new URL(issuer.authorization_endpoint)
  const parameters = { response_type: 'code', client_id: issuer.client_id, redirect_uri: redirectUri(), scope: issuer.scope, state, code_challenge: challenge, code_challenge_method: 'S256' }
  for (const [name, value] of Object.entries(parameters)) target.searchParams.set(name, value)
  location.assign(target.href)
}

function subjectOf(accessToken: string): string | undefined {
  // Shown to the person only; the service verifies the token, the page does not need to.
  try {
    const payload = JSON.parse(atob((accessToken.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown }
    return typeof payload.sub === 'string' ? payload.sub : undefined
  } catch {
    return undefined
  }
}

/** When the issuer has just sent the browser back: exchanges the code for an access token. */
export async function finishIssuerSignIn(issuer: IssuerSignIn | null): Promise<Credentials | undefined> {
  const answer = new URLSearchParams(location.search)
  if (!answer.has('code') && !answer.has('error')) return undefined
  // The code leaves the address bar (and the history) at once.
  history.replaceState(null, '', location.pathname)
  const pending = JSON.parse(sessionStorage.getItem(PENDING_SIGN_IN) ?? 'null') as { verifier: string; state: string } | null
  sessionStorage.removeItem(PENDING_SIGN_IN)
  if (answer.has('error')) throw new SignInFailure(`The issuer did not sign you in: ${answer.get('error_description') ?? answer.get('error') ?? 'no reason given'}.`)
  if (issuer?.token_endpoint == null) throw new SignInFailure('Signing in with the issuer is not available on this page.')
  if (pending?.state !== answer.get('state')) throw new SignInFailure('This sign-in was not started in this tab (its state does not match). Sign in again.')
  const response = await fetch(issuer.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: answer.get('code') ?? '', redirect_uri: redirectUri(), client_id: issuer.client_id, code_verifier: pending.verifier }),
  }).catch(() => undefined)
  const body = (await response?.json().catch(() => undefined)) as { access_token?: unknown; error?: string; error_description?: string } | undefined
  if (response?.ok !== true || typeof body?.access_token !== 'string') {
    throw new SignInFailure(`The issuer did not hand out a token: ${body?.error_description ?? body?.error ?? (response ? `HTTP ${response.status}` : 'it could not be reached')}. Sign in again.`)
  }
  return { kind: 'token', accessToken: body.access_token, subject: subjectOf(body.access_token) }
}

export function storedApiKey(): Credentials | undefined {
  const apiKey = sessionStorage.getItem(API_KEY)
  return apiKey === null ? undefined : { kind: 'api-key', apiKey }
}

export function keepApiKey(apiKey: string): Credentials {
  sessionStorage.setItem(API_KEY, apiKey)
  return { kind: 'api-key', apiKey }
}

export function forgetCredentials(): void {
  sessionStorage.removeItem(API_KEY)
}
