import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { staleClaimSeconds } from '../../src/users/user-repository.js'

describe('stale-claim age', () => {
  it('outlasts five calls of every attempt timing out, plus a margin', () => {
    assert.equal(staleClaimSeconds({ maxAttempts: 3, connectTimeoutMs: 1000, requestTimeoutMs: 3000 }), 90)
    assert.equal(staleClaimSeconds({ maxAttempts: 10, connectTimeoutMs: 5000, requestTimeoutMs: 30_000 }), 1780)
  })

  it('is never shorter than a minute', () => {
    assert.equal(staleClaimSeconds({ maxAttempts: 1, connectTimeoutMs: 100, requestTimeoutMs: 200 }), 60)
  })
})
