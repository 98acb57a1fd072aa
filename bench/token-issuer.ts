// The OpenID Connect issuer of a bench run, in the bench process on 127.0.0.1: the services fetch
// its discovery document and keys once; the bench signs their tokens with its RS256 and ES256 keys.
import { OAuth2Server } from 'oauth2-mock-server'
import { ALL_SCOPES } from '../src/auth/caller.js'

export const BENCH_AUDIENCE = 'user-api-bench'

export interface BenchIssuer {
  url: string
  /** A token for every scope, valid for two hours, signed with a key of the algorithm. */
  token(algorithm: 'RS256' | 'ES256'): Promise<string>
  stop(): Promise<void>
}

export async function startBenchIssuer(): Promise<BenchIssuer> {
  const server = new OAuth2Server()
  const keys = { RS256: await server.issuer.keys.generate('RS256'), ES256: await server.issuer.keys.generate('ES256') }
  await server.start(0, '127.0.0.1')
  const url = `http://127.0.0.1:${server.address().port}`
  server.issuer.url = url
  return {
    url,
    token: (algorithm) =>
      server.issuer.buildToken({
        kid: keys[algorithm].kid,
        expiresIn: 7200,
        scopesOrTransform: (_header, payload) => {
          Object.assign(payload, { aud: BENCH_AUDIENCE, sub: 'bench-client', client_id: 'bench-client', scope: ALL_SCOPES.join(' ') })
        },
      }),
    stop: () => server.stop(),
  }
}
