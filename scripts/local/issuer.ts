// The OpenID Connect issuer of the local stack: oauth2-mock-server on 127.0.0.1 (discovery, JWKS,
// a token endpoint for client credentials, and Authorization Code with PKCE for a browser), with a
// key generated at each start. It accepts any client: it exists so that people and tests can make
// the tokens the service must accept and refuse, and it never runs outside `npm start`.
// While it runs, <data dir>/issuer.json tells `npm run token` where it is and which audience the
// service accepts.
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { OAuth2Server } from 'oauth2-mock-server'

export const LOCAL_AUDIENCE = 'user-api-local'
export const LOCAL_CLIENT_ID = 'user-api-local-client'

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
  // What a real issuer would decide from its client registrations, taken from the token request:
  // `npm run token` sends the subject and lifetime it was asked for.
  server.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }, request: { body?: Record<string, unknown> }) => {
    const body = request.body ?? {}
    if (body.grant_type === 'client_credentials') {
      const clientId = text(body.client_id) ?? LOCAL_CLIENT_ID
      token.payload.client_id = clientId
      token.payload.sub = text(body.subject) ?? clientId
    }
    // Access tokens of the other grants (a browser signing in) get the service's audience; ID
    // tokens already name their client.
    token.payload.aud ??= audience
    const lifetime = Number(text(body.expires_in))
    if (Number.isInteger(lifetime)) token.payload.exp = (token.payload.iat as number) + lifetime
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
