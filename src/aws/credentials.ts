// The AWS credentials every client of the process signs with, and how long a presigned URL made
// with them can live. A signature made with temporary credentials (IRSA, EKS Pod Identity,
// instance roles) stops working when they expire, whatever X-Amz-Expires or the POST policy says,
// so a URL handed out late in a session would fail with 403 long before its advertised expiry.
// Two measures, both needed:
// - refresh early: credentials are renewed while they still outlive the longest presigned TTL (so
//   the full TTL fits), but never more often than once per half their lifetime (so sessions
//   shorter than the TTL do not cause a refresh per request);
// - cap: every URL and form expires no later than the credentials that sign it, less a margin for
//   clock differences, and reports that real expiry. This holds whatever the source of credentials.
import { defaultProvider } from '@aws-sdk/credential-provider-node'
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types'

/** Seconds between the end of a presigned URL's life and the end of its credentials'. */
export const SIGNATURE_MARGIN_SECONDS = 60
// The SDK's own rule: credentials this close to expiry are not used for a new request.
const MUST_REFRESH_SECONDS = 300
// A failed early refresh is not retried on every request; the current credentials still work.
const EARLY_REFRESH_RETRY_MS = 30_000
// STS's limits for a role session: its default and the longest any role can allow.
const DEFAULT_SESSION_SECONDS = 3600
export const MAX_SESSION_SECONDS = 43_200

export type CredentialSource = (options?: { forceRefresh?: boolean }) => Promise<AwsCredentialIdentity>

export class CredentialsExpiringError extends Error {
  constructor() {
    super('the AWS credentials expire too soon to sign a usable URL and could not be renewed')
    this.name = 'CredentialsExpiringError'
  }
}

/**
 * The web identity (IRSA) session the service asks STS for: twice the longest presigned TTL plus
 * margin, so that refreshing early still leaves half a session between refreshes. The role's
 * max_session_duration (terraform/modules/user-api/iam.tf) must allow it.
 */
export function webIdentitySessionSeconds(longestPresignedTtlSeconds: number): number {
  const wanted = 2 * (longestPresignedTtlSeconds + SIGNATURE_MARGIN_SECONDS)
  return Math.min(MAX_SESSION_SECONDS, Math.max(DEFAULT_SESSION_SECONDS, wanted))
}

/** How long a URL signed now with `credentials` may live: `ttlSeconds`, or less if they expire first. */
export function presignedLifetimeSeconds(ttlSeconds: number, credentials: AwsCredentialIdentity, nowMs: number): number {
  if (!credentials.expiration) return ttlSeconds
  // One second less: the signer counts the lifetime from its own date, truncated to the second,
  // and it may sign in the second after this one.
  const usable = Math.floor((credentials.expiration.getTime() - nowMs) / 1000) - SIGNATURE_MARGIN_SECONDS - 1
  if (usable < 1) throw new CredentialsExpiringError()
  return Math.min(ttlSeconds, usable)
}

export interface RefreshingCredentialsOptions {
  longestPresignedTtlSeconds: number
  onEarlyRefreshError?: (error: unknown) => void
  now?: () => number
}

export class RefreshingCredentials {
  /**
   * The provider to give SDK clients. Marked as memoized so the SDK calls it for every request
   * instead of caching the credentials itself until 5 minutes before they expire, which would keep
   * an early refresh from reaching the clients (the cap above would still keep URLs honest).
   */
  readonly provider: AwsCredentialIdentityProvider & { memoized: true }
  private current: AwsCredentialIdentity | undefined
  private obtainedAtMs = 0
  private pending: Promise<AwsCredentialIdentity> | undefined
  private earlyRefreshBlockedUntilMs = 0
  private readonly now: () => number

  constructor(
    private readonly source: CredentialSource,
    private readonly options: RefreshingCredentialsOptions,
  ) {
    this.now = options.now ?? Date.now
    this.provider = Object.assign(() => this.get(), { memoized: true as const })
  }

  async get(): Promise<AwsCredentialIdentity> {
    const current = this.current
    const now = this.now()
    if (current === undefined) return this.refresh(false)
    if (current.expiration === undefined) return current
    const remainingMs = current.expiration.getTime() - now
    if (remainingMs < MUST_REFRESH_SECONDS * 1000) return this.refresh(true)
    if (remainingMs >= this.earlyRefreshThresholdMs(current.expiration) || now < this.earlyRefreshBlockedUntilMs) return current
    try {
      return await this.refresh(true)
    } catch (error) {
      this.earlyRefreshBlockedUntilMs = now + EARLY_REFRESH_RETRY_MS
      this.options.onEarlyRefreshError?.(error)
      return current
    }
  }

  private earlyRefreshThresholdMs(expiration: Date): number {
    const lifetimeMs = expiration.getTime() - this.obtainedAtMs
    const fullTtlMs = (this.options.longestPresignedTtlSeconds + SIGNATURE_MARGIN_SECONDS) * 1000
    return Math.max(MUST_REFRESH_SECONDS * 1000, Math.min(fullTtlMs, lifetimeMs / 2))
  }

  // Concurrent callers share one refresh.
  private refresh(force: boolean): Promise<AwsCredentialIdentity> {
    this.pending ??= this.source(force ? { forceRefresh: true } : undefined)
      .then((fresh) => {
        // Only ever move to credentials that expire later: a request that computed its URL's
        // expiry from the previous ones and signs with these then still promises no more than
        // the credentials hold.
        const previous = this.current
        if (previous?.expiration === undefined || fresh.expiration === undefined || fresh.expiration >= previous.expiration) {
          this.current = fresh
          this.obtainedAtMs = this.now()
        }
        return this.current ?? fresh
      })
      .finally(() => {
        this.pending = undefined
      })
    return this.pending
  }
}

function isSessionDurationRefused(error: unknown): boolean {
  const { name, message } = error as { name?: string; message?: string }
  return name === 'ValidationError' && /DurationSeconds/i.test(message ?? '')
}

/**
 * The SDK's default provider chain (environment, IRSA, EKS Pod Identity, instance role), asking
 * for web identity sessions long enough for the presigned TTLs. A role whose max_session_duration
 * is shorter makes STS refuse; then the chain falls back to STS's default session and says so once:
 * URLs are capped to fit instead of the service losing its credentials.
 */
export function defaultCredentialSource(
  region: string,
  longestPresignedTtlSeconds: number,
  onSessionRefused?: (error: unknown, requestedSeconds: number) => void,
): CredentialSource {
  const requestedSeconds = webIdentitySessionSeconds(longestPresignedTtlSeconds)
  const longSessions = defaultProvider({ durationSeconds: requestedSeconds, clientConfig: { region } })
  let defaultSessions: CredentialSource | undefined
  return async (options) => {
    if (defaultSessions) return defaultSessions(options)
    try {
      return await longSessions(options)
    } catch (error) {
      if (!isSessionDurationRefused(error)) throw error
      onSessionRefused?.(error, requestedSeconds)
      defaultSessions = defaultProvider({ clientConfig: { region } })
      return defaultSessions(options)
    }
  }
}
