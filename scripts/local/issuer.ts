// The OpenID Connect issuer of the local stack: oauth2-mock-server on 127.0.0.1 (discovery, JWKS,
// a token endpoint for client credentials, and Authorization Code with PKCE for a browser, which
// it signs in at once without asking anything), with a key generated at each start. It accepts any
// client: it exists so that people and tests can make the tokens the service must accept and
// refuse, and it never runs outside `npm start`.
// While it runs, <data dir>/issuer.json tells `npm run token` where it is and which audience the
// service accepts.
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { OAuth2Server } from 'oauth2-mock-server'

export const LOCAL_AUDIENCE = 'user-api-local'
export const LOCAL_CLIENT_ID = 'user-api-local-client'
/** The client id the web page uses on the local stack (the issuer accepts any). */
export const LOCAL_WEB_CLIENT_ID = 'user-api-local-web-page'
/** Who a browser is signed in as on the local stack: the issuer asks nobody for a password. */
export const LOCAL_BROWSER_SUBJECT = 'local-browser-user'

export interface LocalIssuerInfo {
  issuer: string
  token_endpoint: string
  audience: string
}

export const issuerInfoFile = (dataDir: string) => join(dataDir, 'issuer.json')

export interface LocalIssuer {
  url: string
  stop(): Promise<void>
}

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined)

export async function startLocalIssuer({ dataDir, audience }: { dataDir: string; audience: string }): Promise<LocalIssuer> {
  const server = new OAuth2Server()
  await server.issuer.keys.generate('RS256')
  // A browser asks for its scopes when it is sent to /authorize (the web page: Authorization Code
  // with PKCE); the library would put "dummy" in the token, so each code remembers them until
  // its token is issued.
  const scopesByCode = new Map<string, string>()
  server.service.on('beforeAuthorizeRedirect', ({ url }: { url: URL }, request: { query?: Record<string, unknown> }) => {
    const code = url.searchParams.get('code')
    const scope = text(request.query?.scope)
    if (code !== null && scope !== undefined) scopesByCode.set(code, scope)
  })
  // What a real issuer would decide from its client registrations, taken from the token request:
  // `npm run token` sends the subject and lifetime it was asked for.
  server.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }, request: { body?: Record<string, unknown> }) => {
    const body = request.body ?? {}
    if (body.grant_type === 'client_credentials') {
      const clientId = text(body.client_id) ?? LOCAL_CLIENT_ID
      token.payload.client_id = clientId
      token.payload.sub = text(body.subject) ?? clientId
    }
    const askedScope = scopesByCode.get(text(body.code) ?? '')
    // The access token (the ID token already names its client as audience).
    if (body.grant_type === 'authorization_code' && token.payload.aud === undefined && askedScope !== undefined) {
      token.payload.scope = askedScope
      token.payload.sub = LOCAL_BROWSER_SUBJECT
    }
    // Access tokens of the other grants (a browser signing in) get the service's audience; ID
    // tokens already name their client.
    token.payload.aud ??= audience
    const lifetime = Number(text(body.expires_in))
    if (Number.isInteger(lifetime)) token.payload.exp = (token.payload.iat as number) + lifetime
  })
  server.service.on('beforeResponse', (response: { body: Record<string, unknown> }, request: { body?: Record<string, unknown> }) => {
    const code = text(request.body?.code)
    if (code === undefined) return
    const askedScope = scopesByCode.get(code)
    if (askedScope !== undefined) response.body.scope = askedScope
    scopesByCode.delete(code)
  })
  await server.start(0, '127.0.0.1')
  // The library names it after "localhost", which may resolve to ::1, where nothing listens.
  const url = `http://127.0.0.1:${server.address().port}`
  server.issuer.url = url
  const info: LocalIssuerInfo = { issuer: url, token_endpoint: `${url}/token`, audience }
  const infoFile = issuerInfoFile(dataDir)
  writeFileSync(infoFile, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 })
  return {
    url,
    async stop() {
      rmSync(infoFile, { force: true })
      await server.stop()
    },
  }
}
