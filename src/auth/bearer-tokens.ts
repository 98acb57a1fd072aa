// Verifies OAuth 2.0 access tokens (JWTs) from the configured OpenID Connect issuer and turns a
// valid one into a Caller. Checks, in jose and here: size, syntax, an accepted asymmetric algorithm
// (so `none` and HS256 signed with the public key are refused before any key is looked up), the
// signature with a key of the issuer, `iss`, `exp` and `nbf` with the clock tolerance, the
// audience, and that it is an access token with a subject. A failure says which check failed, in
// general terms, and never carries the token.
import { createHash, createHmac } from 'node:crypto'
import { errors, jwtVerify, type CryptoKey, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose'
import type { OidcConfig } from '../config/oidc-config.js'
import { ALL_SCOPES, type Caller, type Scope } from './caller.js'
import { KeysUnavailableError } from './key-set.js'

/** Larger than real access tokens (a few KiB), small enough that a huge one costs nothing to refuse. */
export const MAX_TOKEN_LENGTH = 8 * 1024

// What `detail` says for each failed check; the keys are also the metric's reason label.
export const TOKEN_FAILURES = {
  malformed: 'The access token is malformed.',
  too_large: `The access token is longer than ${MAX_TOKEN_LENGTH} characters.`,
  algorithm: 'The access token is signed with an algorithm this service does not accept.',
  unknown_key: 'The access token is signed with a key the issuer does not publish.',
  signature: 'The signature of the access token is invalid.',
  expired: 'The access token has expired.',
  not_yet_valid: 'The access token is not valid yet.',
  issuer: 'The access token comes from an issuer this service does not trust.',
  audience: 'The access token is meant for another audience.',
  claims: 'The access token is not an access token with a subject and an expiry.',
} as const

export type TokenFailure = keyof typeof TOKEN_FAILURES

export class TokenRejectedError extends Error {
  constructor(readonly reason: TokenFailure) {
    super(TOKEN_FAILURES[reason])
    this.name = 'TokenRejectedError'
  }
}

const LOG_VALUE_LENGTH = 128
// RFC 6750 section 2.1: the characters a bearer token may consist of.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

function classify(error: unknown): Error {
  if (error instanceof KeysUnavailableError) return error
  if (error instanceof errors.JWTExpired) return new TokenRejectedError('expired')
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return new TokenRejectedError('not_yet_valid')
    if (error.claim === 'iss') return new TokenRejectedError('issuer')
    return new TokenRejectedError('claims')
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return new TokenRejectedError('algorithm')
  if (error instanceof errors.JWKSNoMatchingKey) return new TokenRejectedError('unknown_key')
  if (error instanceof errors.JWSSignatureVerificationFailed) return new TokenRejectedError('signature')
  if (error instanceof errors.JOSEError) return new TokenRejectedError('malformed')
  // Not a verdict on the token: a bug, which must surface as a 500 with the details in the log.
  return error instanceof Error ? error : new Error(String(error))
}

const strings = (claim: unknown): string[] =>
  typeof claim === 'string' ? [claim] : Array.isArray(claim) ? claim.filter((item): item is string => typeof item === 'string') : []
// `scope` is one space-separated string (RFC 8693); `scp` is usually an array, sometimes a string too.
const scopeNames = (claim: unknown): string[] => strings(claim).flatMap((value) => value.split(' '))

export interface BearerTokenVerifierOptions {
  config: OidcConfig
  getKey: JWTVerifyGetKey
  now: () => Date
}

export function createBearerTokenVerifier({ config, getKey, now }: BearerTokenVerifierOptions): (token: string) => Promise<Caller> {
  const audiences = new Set(config.audiences)
  const verifyOptions: JWTVerifyOptions = {
    issuer: config.issuer,
    algorithms: [...config.algorithms],
    clockTolerance: config.clockToleranceSeconds,
    requiredClaims: ['exp', 'sub'],
  }
  // Cursors of token callers are bound to issuer and subject, with a key every replica derives alike.
  const cursorBaseKey = createHmac('sha256', config.cursorSecret).update('cursor-signing').digest()
  const knownScopes = new Map(ALL_SCOPES.map((scope) => [`${config.scopePrefix}${scope}`, scope]))

  async function verifiedPayload(token: string): Promise<JWTPayload> {
    const options = { ...verifyOptions, currentDate: now() }
    try {
      return (await jwtVerify(token, getKey, options)).payload
    } catch (error) {
      if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw classify(error)
      // A token without a key id, and several keys of its algorithm: the one that verifies it wins.
      for await (const key of error as unknown as AsyncIterable<CryptoKey>) {
        try {
          return (await jwtVerify(token, key, options)).payload
        } catch (attempt) {
          if (!(attempt instanceof errors.JWSSignatureVerificationFailed)) throw classify(attempt)
        }
      }
      throw new TokenRejectedError('signature')
    }
  }

  return async (token) => {
    if (token.length > MAX_TOKEN_LENGTH) throw new TokenRejectedError('too_large')
    if (!B64TOKEN.test(token)) throw new TokenRejectedError('malformed')
    const payload = await verifiedPayload(token)
    // Amazon Cognito access tokens carry no `aud`; the app client they were issued to is `client_id`.
    const aud = payload.aud
    const tokenAudiences = strings(aud ?? payload.client_id)
    if (!tokenAudiences.some((audience) => audiences.has(audience))) throw new TokenRejectedError('audience')
    // An ID token (Cognito marks them) proves a sign-in to a client; it grants no API access.
    if (payload.token_use !== undefined && payload.token_use !== 'access') throw new TokenRejectedError('claims')
    const subject = payload.sub
    if (typeof subject !== 'string' || subject === '') throw new TokenRejectedError('claims')

    const scopes = new Set<Scope>()
    for (const name of [...scopeNames(payload.scope), ...scopeNames(payload.scp)]) {
      const scope = knownScopes.get(name)
      if (scope) scopes.add(scope)
    }
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : payload.azp
    return {
      // Hashed: a subject can be long, and ids are kept in memory per caller (rate limits).
      id: `token:${createHash('sha256').update(`${config.issuer}\n${subject}`).digest('base64url')}`,
      logFields: {
        sub: subject.slice(0, LOG_VALUE_LENGTH),
        ...(typeof clientId === 'string' ? { client_id: clientId.slice(0, LOG_VALUE_LENGTH) } : {}),
      },
      scopes,
      cursorKey: createHmac('sha256', cursorBaseKey).update(`${config.issuer}\n${subject}`).digest(),
    }
  }
}
