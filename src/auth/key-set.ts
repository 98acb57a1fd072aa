// The issuer's public signing keys, fetched on first use and kept in memory, so verifying a token
// costs no network call. jose's own remote key set is not used because of how it fails: once its
// cache is old it makes every request wait for a refetch and fails them all while the issuer is
// down, and its cooldown only counts successful fetches, so a flood of tokens with unknown key ids
// during an outage would hammer the issuer. Here:
// - the jwks_uri comes from the discovery document (fetched once) unless OIDC_JWKS_URI is set;
// - old keys are refreshed in the background while they keep verifying tokens, so an unreachable
//   issuer changes nothing as long as the cached keys fit the tokens;
// - a token with an unknown key id (the issuer may have rotated) refetches once, then not again
//   for the cooldown, whatever the outcome; callers arriving during a fetch wait for it;
// - with no usable key and an unreachable issuer, the answer is KeysUnavailableError (503), not a
//   verdict on the token; attempts are then spaced out too;
// - every fetch has a timeout and a size limit, follows no redirect, and needs https (see
//   issuerUrlProblem).
import { once } from 'node:events'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { FastifyBaseLogger } from 'fastify'
import { createLocalJWKSet, errors, type CryptoKey, type JWTVerifyGetKey } from 'jose'
import { issuerUrlProblem } from '../config/oidc-config.js'

type KeyLookup = Parameters<JWTVerifyGetKey>

export interface KeySetTimings {
  /** Whole fetch, connection to last byte. */
  fetchTimeoutMs: number
  /** Keys older than this are refetched in the background, so keys the issuer withdrew stop working. */
  refreshAfterMs: number
  /** After a fetch, a token with an unknown key id causes no other fetch for this long. */
  cooldownMs: number
  /** After a failed fetch, the next attempt waits this long; requests meanwhile get 503 at once. */
  retryAfterFailureMs: number
}

export const DEFAULT_KEY_SET_TIMINGS: KeySetTimings = {
  fetchTimeoutMs: 5000,
  refreshAfterMs: 10 * 60_000,
  cooldownMs: 30_000,
  retryAfterFailureMs: 5000,
}

/** Discovery documents and key sets are a few KiB; this bounds what a broken issuer can make us hold. */
export const MAX_DOCUMENT_BYTES = 256 * 1024

export class KeysUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'KeysUnavailableError'
  }
}

export interface KeySetOptions {
  issuer: string
  jwksUri: string | undefined
  timings: KeySetTimings
  log: FastifyBaseLogger
  /** Milliseconds, like Date.now; tests move it. */
  now: () => number
  onFetch?: (outcome: 'success' | 'failure') => void
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * GETs a JSON document within the timeout and the size limit, without following redirects.
 *
 * With node:http(s) rather than the global fetch: fetch loads undici, whose HTTP parser is
 * WebAssembly, and V8 compiles it again in its optimising tier once it runs hot; the first key
 * fetch cost 20-25 MiB of RSS at its peak and left 7-13 MiB behind, against 1-2 MiB this way
 * (docs/performance.md, "One copy of each answer, no WebAssembly").
 */
export async function fetchJson(url: string, timeoutMs: number, maxBytes = MAX_DOCUMENT_BYTES): Promise<unknown> {
  const signal = AbortSignal.timeout(timeoutMs)
  const send = new URL(url).protocol === 'https:' ? httpsRequest : httpRequest
  const request = send(url, { signal, headers: { accept: 'application/json, application/jwk-set+json' } })
  request.end()
  const [response] = (await once(request, 'response', { signal })) as [IncomingMessage]
  try {
    if (response.statusCode !== 200) throw new Error(`${url} answered HTTP ${response.statusCode}`)
    if (Number(response.headers['content-length'] ?? 0) > maxBytes) throw new Error(`${url} sent more than ${maxBytes} bytes`)
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of response as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > maxBytes) throw new Error(`${url} sent more than ${maxBytes} bytes`)
      chunks.push(chunk)
    }
    try {
      return JSON.parse(Buffer.concat(chunks, size).toString('utf8')) as unknown
    } catch {
      throw new Error(`${url} sent something other than JSON`)
    }
  } finally {
    // A body left unread would hold the connection; an unfinished one must not return to the pool.
    if (!response.complete) response.destroy()
  }
}

// Only public keys of asymmetric types: a symmetric ("oct") key in the set must never verify
// anything, even if an algorithm check were missed.
function publicSigningKeys(document: unknown): { keys: Record<string, unknown>[] } {
  if (!isRecord(document) || !Array.isArray(document.keys)) throw new Error('the JSON Web Key Set has no "keys" array')
  const keys = document.keys.filter(
    (key): key is Record<string, unknown> => isRecord(key) && ['RSA', 'EC', 'OKP'].includes(key.kty as string) && !('d' in key) && (key.use === undefined || key.use === 'sig'),
  )
  if (keys.length === 0) throw new Error('the JSON Web Key Set holds no public signing key')
  return { keys }
}

export class RemoteKeySet {
  private keys: JWTVerifyGetKey | undefined
  private jwksUri: string | undefined
  private fetchedAt = Number.NEGATIVE_INFINITY
  private attemptedAt = Number.NEGATIVE_INFINITY
  private lastFetchFailed = false
  private pending: Promise<void> | undefined

  constructor(private readonly options: KeySetOptions) {
    this.jwksUri = options.jwksUri
  }

  /** A jose key resolver: the key that fits the token's header, from the cached set. */
  readonly getKey = async (...[header, token]: KeyLookup): Promise<CryptoKey> => {
    const { timings, now } = this.options
    if (this.keys === undefined) {
      if (this.pending === undefined && this.lastFetchFailed && now() - this.attemptedAt < timings.retryAfterFailureMs) throw this.unavailable()
      await this.refresh()
    } else if (now() - this.fetchedAt >= timings.refreshAfterMs && this.mayRetry()) {
      this.refresh().catch(() => undefined) // logged in load(); the cached keys carry on meanwhile
    }
    try {
      return await this.lookUp(header, token)
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error
      if (this.pending !== undefined) {
        await this.pending.catch(() => undefined)
      } else if (now() - this.attemptedAt < timings.cooldownMs) {
        // Within the cooldown: an unknown key stays unknown, unless the issuer is unreachable, in
        // which case nobody can tell.
        if (this.lastFetchFailed) throw this.unavailable()
        throw error
      } else {
        await this.refresh()
      }
      if (this.lastFetchFailed) throw this.unavailable()
      return this.lookUp(header, token)
    }
  }

  private lookUp(...[header, token]: KeyLookup): Promise<CryptoKey> {
    if (this.keys === undefined) throw this.unavailable()
    return this.keys(header, token) as Promise<CryptoKey>
  }

  private mayRetry(): boolean {
    return this.pending === undefined && (!this.lastFetchFailed || this.options.now() - this.attemptedAt >= this.options.timings.retryAfterFailureMs)
  }

  private unavailable(): KeysUnavailableError {
    return new KeysUnavailableError('the token issuer cannot be reached and no cached key fits the token')
  }

  private refresh(): Promise<void> {
    this.pending ??= this.load().finally(() => {
      this.pending = undefined
    })
    return this.pending
  }

  private async load(): Promise<void> {
    const { log, timings, now } = this.options
    this.attemptedAt = now()
    try {
      this.jwksUri ??= await this.discover()
      const keySet = publicSigningKeys(await fetchJson(this.jwksUri, timings.fetchTimeoutMs))
      this.keys = createLocalJWKSet(keySet)
      this.fetchedAt = this.attemptedAt
      this.lastFetchFailed = false
      this.options.onFetch?.('success')
      log.info({ jwks_uri: this.jwksUri, keys: keySet.keys.length }, 'fetched the token issuer signing keys')
    } catch (error) {
      this.lastFetchFailed = true
      this.options.onFetch?.('failure')
      const message = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error)
      log.warn({ issuer: this.options.issuer, error: message, cached_keys: this.keys !== undefined }, 'could not fetch the token issuer signing keys')
      throw new KeysUnavailableError('could not fetch the token issuer signing keys', { cause: error })
    }
  }

  // OpenID Connect Discovery 1.0 section 4: the document must name the issuer it was fetched for.
  private async discover(): Promise<string> {
    const { issuer, timings } = this.options
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`
    const document = await fetchJson(url, timings.fetchTimeoutMs)
    if (!isRecord(document)) throw new Error(`${url} is not a JSON object`)
    if (document.issuer !== issuer) throw new Error(`${url} names the issuer ${JSON.stringify(document.issuer)}, not ${issuer}`)
    const jwksUri = document.jwks_uri
    if (typeof jwksUri !== 'string') throw new Error(`${url} has no jwks_uri`)
    const problem = issuerUrlProblem(jwksUri, 'jwks')
    if (problem) throw new Error(`the jwks_uri of ${url} ${problem}`)
    return jwksUri
  }
}
