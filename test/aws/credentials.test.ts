// When the shared credentials are renewed, and how long a URL signed with them may live: on a
// clock the test moves, with a source that hands out numbered credentials of a chosen lifetime.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { AwsCredentialIdentity } from '@smithy/types'
import {
  CredentialsExpiringError,
  MAX_SESSION_SECONDS,
  presignedLifetimeSeconds,
  RefreshingCredentials,
  SIGNATURE_MARGIN_SECONDS,
  webIdentitySessionSeconds,
} from '../../src/aws/credentials.js'

const MINUTE = 60_000

function setUp(options: { sessionMs?: number; ttlSeconds?: number; failRefresh?: () => boolean } = {}) {
  const clock = { now: 1_000_000_000_000 }
  const calls: { forceRefresh: boolean }[] = []
  const errors: unknown[] = []
  const source = async (request?: { forceRefresh?: boolean }): Promise<AwsCredentialIdentity> => {
    calls.push({ forceRefresh: request?.forceRefresh === true })
    if (calls.length > 1 && options.failRefresh?.()) throw new Error('STS is unreachable')
    return {
      accessKeyId: `ASIA${calls.length}`,
      secretAccessKey: 'secret',
      ...(options.sessionMs === undefined ? {} : { expiration: new Date(clock.now + options.sessionMs) }),
    }
  }
  const credentials = new RefreshingCredentials(source, {
    longestPresignedTtlSeconds: options.ttlSeconds ?? 3600,
    onEarlyRefreshError: (error) => errors.push(error),
    now: () => clock.now,
  })
  const advance = (ms: number) => {
    clock.now += ms
  }
  return { credentials, calls, errors, advance, clock }
}

describe('RefreshingCredentials', () => {
  it('fetches once and never renews credentials that do not expire', async () => {
    const { credentials, calls, advance } = setUp()
    assert.equal((await credentials.get()).accessKeyId, 'ASIA1')
    advance(48 * 60 * MINUTE)
    assert.equal((await credentials.provider()).accessKeyId, 'ASIA1')
    assert.equal(calls.length, 1)
  })

  it('renews while the credentials still outlive the longest TTL, so the full TTL always fits', async () => {
    // Three-hour sessions, one-hour TTL: renewed once less than 61 minutes are left.
    const { credentials, calls, advance } = setUp({ sessionMs: 180 * MINUTE, ttlSeconds: 3600 })
    await credentials.get()
    advance(118 * MINUTE)
    assert.equal((await credentials.get()).accessKeyId, 'ASIA1', '62 minutes left: still enough')
    advance(2 * MINUTE)
    assert.equal((await credentials.get()).accessKeyId, 'ASIA2', '60 minutes left: renewed')
    assert.deepEqual(calls, [{ forceRefresh: false }, { forceRefresh: true }])
  })

  it('renews sessions shorter than the TTL at half their life, not on every call', async () => {
    const { credentials, calls, advance } = setUp({ sessionMs: 60 * MINUTE, ttlSeconds: 3600 })
    await credentials.get()
    advance(29 * MINUTE)
    await credentials.get()
    await credentials.get()
    assert.equal(calls.length, 1)
    advance(2 * MINUTE)
    assert.equal((await credentials.get()).accessKeyId, 'ASIA2')
    await credentials.get()
    assert.equal(calls.length, 2)
  })

  it('shares one renewal among concurrent callers', async () => {
    const { credentials, calls, advance } = setUp({ sessionMs: 60 * MINUTE })
    await credentials.get()
    advance(45 * MINUTE)
    const results = await Promise.all([credentials.get(), credentials.get(), credentials.get()])
    assert.deepEqual(results.map((result) => result.accessKeyId), ['ASIA2', 'ASIA2', 'ASIA2'])
    assert.equal(calls.length, 2)
  })

  it('keeps the current credentials when an early renewal fails, and retries it later, not at once', async () => {
    let failing = true
    const { credentials, calls, errors, advance } = setUp({ sessionMs: 60 * MINUTE, failRefresh: () => failing })
    await credentials.get()
    advance(40 * MINUTE)
    assert.equal((await credentials.get()).accessKeyId, 'ASIA1')
    assert.equal((await credentials.get()).accessKeyId, 'ASIA1')
    assert.equal(calls.length, 2, 'no second attempt right after a failure')
    assert.equal(errors.length, 1)
    failing = false
    advance(MINUTE)
    assert.equal((await credentials.get()).accessKeyId, 'ASIA3')
  })

  it('fails when credentials about to expire cannot be renewed', async () => {
    const { credentials, advance } = setUp({ sessionMs: 60 * MINUTE, failRefresh: () => true })
    await credentials.get()
    advance(56 * MINUTE)
    await assert.rejects(credentials.get(), /STS is unreachable/)
  })

  it('never moves to credentials that expire earlier than the current ones', async () => {
    const clock = { now: 1_000_000_000_000 }
    const handedOut = [
      { accessKeyId: 'ASIA-FIRST', lifetimeMs: 60 * MINUTE },
      { accessKeyId: 'ASIA-SHORTER', lifetimeMs: 10 * MINUTE },
    ]
    const credentials = new RefreshingCredentials(
      async () => {
        const { accessKeyId, lifetimeMs } = handedOut.shift()!
        return { accessKeyId, secretAccessKey: 'secret', expiration: new Date(clock.now + lifetimeMs) }
      },
      { longestPresignedTtlSeconds: 3600, now: () => clock.now },
    )
    await credentials.get()
    clock.now += 31 * MINUTE
    assert.equal((await credentials.get()).accessKeyId, 'ASIA-FIRST')
    assert.equal(handedOut.length, 0, 'a renewal was tried')
  })
})

describe('presignedLifetimeSeconds', () => {
  const now = Date.parse('2030-01-01T00:00:00Z')
  const expiringIn = (seconds: number) => ({ accessKeyId: 'ASIA', secretAccessKey: 'secret', expiration: new Date(now + seconds * 1000) })

  it('is the TTL when the credentials outlive it, or do not expire', () => {
    assert.equal(presignedLifetimeSeconds(900, expiringIn(3600), now), 900)
    assert.equal(presignedLifetimeSeconds(900, { accessKeyId: 'AKIA', secretAccessKey: 'secret' }, now), 900)
  })

  it('ends a margin (and the second the signer may start in later) before the credentials do', () => {
    assert.equal(presignedLifetimeSeconds(900, expiringIn(300), now), 300 - SIGNATURE_MARGIN_SECONDS - 1)
    assert.equal(presignedLifetimeSeconds(900, expiringIn(900), now), 900 - SIGNATURE_MARGIN_SECONDS - 1)
  })

  it('holds when the signer signs up to a second later, from its date truncated to the second', () => {
    const expiration = new Date(now + 300_870)
    for (let computedAt = now; computedAt < now + 1000; computedAt += 10) {
      const lifetime = presignedLifetimeSeconds(900, { accessKeyId: 'ASIA', secretAccessKey: 'secret', expiration }, computedAt)
      for (const delay of [0, 130, 500, 999]) {
        const signingSecond = Math.floor((computedAt + delay) / 1000) * 1000
        assert.ok(signingSecond + lifetime * 1000 <= expiration.getTime() - SIGNATURE_MARGIN_SECONDS * 1000, `computed at +${computedAt - now} ms, signed ${delay} ms later`)
      }
    }
  })

  it('refuses to sign with credentials that expire within the margin', () => {
    assert.throws(() => presignedLifetimeSeconds(900, expiringIn(SIGNATURE_MARGIN_SECONDS), now), CredentialsExpiringError)
  })
})

describe('webIdentitySessionSeconds', () => {
  it('asks for twice the longest TTL plus margin, within what STS allows', () => {
    assert.equal(webIdentitySessionSeconds(3600), 2 * (3600 + SIGNATURE_MARGIN_SECONDS))
    assert.equal(webIdentitySessionSeconds(900), 3600)
    assert.equal(webIdentitySessionSeconds(7 * 86_400), MAX_SESSION_SECONDS)
  })
})
