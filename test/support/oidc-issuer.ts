// A real OpenID Connect issuer for tests, on 127.0.0.1: a discovery document and a JWKS served over
// HTTP, and access tokens signed with jose. Tests rotate its keys, count its fetches and make it
// misbehave (down, stalled, oversized, naming another issuer) to see what the service does.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTHeaderParameters, type JWTPayload } from 'jose'

export const TEST_AUDIENCE = 'user-api-test'
export const TEST_CLIENT = 'test-client'

export interface SigningKey {
  kid: string
  alg: string
  privateKey: CryptoKey
  publicJwk: JWK
}

export type IssuerBehaviour = 'normal' | 'down' | 'stall' | 'oversized' | 'wrong-issuer'

export interface TokenOptions {
  key?: SigningKey
  /** Replaces header fields, e.g. a kid the issuer does not publish. */
  header?: Partial<JWTHeaderParameters>
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number
}

export class TestIssuer {
  behaviour: IssuerBehaviour = 'normal'
  readonly fetches = { discovery: 0, jwks: 0 }
  url = ''
  private published: SigningKey[] = []
  private current!: SigningKey
  private readonly server: Server = createServer((request, response) => {
    this.handle(request, response)
  })

  static async start(): Promise<TestIssuer> {
    const issuer = new TestIssuer()
    await new Promise<void>((resolve) => issuer.server.listen(0, '127.0.0.1', resolve))
    issuer.url = `http://127.0.0.1:${(issuer.server.address() as AddressInfo).port}`
    issuer.current = await issuer.addKey('RS256')
    return issuer
  }

  get jwksUri(): string {
    return `${this.url}/jwks`
  }

  /** The settings that make the service trust this issuer. */
  environment(overrides: Record<string, string> = {}): Record<string, string> {
    return { OIDC_ISSUER: this.url, OIDC_AUDIENCE: TEST_AUDIENCE, CURSOR_SECRET: 'test-cursor-secret-of-at-least-32-chars', ...overrides }
  }

  /** A new key in the published set; `makeCurrent` signs the next tokens with it. */
  async addKey(alg = 'RS256', { publish = true, makeCurrent = false } = {}): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
    const kid = randomUUID()
    const key = { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } }
    if (publish) this.published.push(key)
    if (makeCurrent) this.current = key
    return key
  }

  /** Publishes a new key, signs with it from now on, and withdraws the old ones. */
  async rotate(): Promise<SigningKey> {
    const key = await this.addKey('RS256', { makeCurrent: true })
    this.published = [key]
    return key
  }

  get currentKey(): SigningKey {
    return this.current
  }

  /** An access token of this issuer; every claim can be replaced or removed (set it to undefined). */
  async token(claims: JWTPayload = {}, options: TokenOptions = {}): Promise<string> {
    const key = options.key ?? this.current
    const now = Math.floor(Date.now() / 1000)
    const payload: JWTPayload = {
      iss: this.url,
      aud: TEST_AUDIENCE,
      sub: 'subject-1',
      client_id: TEST_CLIENT,
      scope: 'users:read users:write users:delete',
      iat: now,
      exp: now + (options.expiresIn ?? 300),
      ...claims,
    }
    const defined = Object.fromEntries(Object.entries(payload).filter(([, value]) => value !== undefined))
    return new SignJWT(defined).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...options.header }).sign(key.privateKey)
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve()
      })
    })
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const send = (status: number, body: string) => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(body)
    }
    const isDiscovery = request.url === '/.well-known/openid-configuration'
    if (!isDiscovery && request.url !== '/jwks') {
      send(404, '{}')
      return
    }
    this.fetches[isDiscovery ? 'discovery' : 'jwks']++
    if (this.behaviour === 'down') {
      response.socket?.destroy()
    } else if (this.behaviour === 'stall') {
      // never answers; the client's timeout must end it
    } else if (isDiscovery) {
      const issuer = this.behaviour === 'wrong-issuer' ? 'https://impostor.example' : this.url
      send(200, JSON.stringify({ issuer, jwks_uri: this.jwksUri, authorization_endpoint: `${this.url}/authorize`, token_endpoint: `${this.url}/token` }))
    } else {
      const keys = this.published.map((key) => key.publicJwk)
      send(200, JSON.stringify(this.behaviour === 'oversized' ? { keys, padding: 'x'.repeat(1024 * 1024) } : { keys }))
    }
  }
}

/** A clock tests can move forward; the app's key-set cooldowns and token checks read it. */
export class TestClock {
  offsetMs = 0
  readonly now = (): Date => new Date(Date.now() + this.offsetMs)
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000
  }
}
