import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { staleClaimSeconds } from '../../src/users/user-repository.js'

describe('stale-claim age', () => {
  it('outlasts five calls of every attempt waiting, timing out and backing off, plus a margin', () => {
    // 3 x (5 + 1 + 3) s of attempts and 1 + 2 s of back-off per call: 5 x 30 s + 30 s.
    assert.equal(staleClaimSeconds({ maxAttempts: 3, queueTimeoutMs: 5000, connectTimeoutMs: 1000, requestTimeoutMs: 3000 }), 180)
    // Back-off is capped at 20 s per retry: 1 + 2 + 4 + 8 + 16 + 4 x 20 = 111 s per call.
    assert.equal(staleClaimSeconds({ maxAttempts: 10, queueTimeoutMs: 0, connectTimeoutMs: 5000, requestTimeoutMs: 30_000 }), 5 * (350 + 111) + 30)
  })

  it('is never shorter than a minute', () => {
    assert.equal(staleClaimSeconds({ maxAttempts: 1, queueTimeoutMs: 100, connectTimeoutMs: 100, requestTimeoutMs: 200 }), 60)
  })
})
