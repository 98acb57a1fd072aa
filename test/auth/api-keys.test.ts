// The key check itself, without HTTP: which presented values match, and what a match tells the
// rest of the service (a log fingerprint, every scope and the cursor-signing key), which must be
// the same on every replica and after every restart.
import assert from 'node:assert/strict'
import { createHash, createHmac } from 'node:crypto'
import { describe, it } from 'node:test'
import { createApiKeyVerifier } from '../../src/auth/api-keys.js'
import { ALL_SCOPES } from '../../src/auth/caller.js'

const first = 'first-placeholder-key-0000000000000000'
const second = 'second-placeholder-key-000000000000000'
const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest()

describe('API key verifier', () => {
  const verify = createApiKeyVerifier([first, second])

  it('names the caller by a short fingerprint and derives its cursor key from the key', () => {
    const caller = verify(first)
    assert.ok(caller)
    assert.deepEqual(caller.logFields, { key_id: digest(first).subarray(0, 4).toString('hex') })
    assert.match(caller.logFields.key_id, /^[0-9a-f]{8}$/)
    assert.deepEqual(caller.cursorKey, createHmac('sha256', digest(first)).update('cursor-signing').digest())
    assert.deepEqual([...caller.scopes].sort(), [...ALL_SCOPES].sort(), 'a key grants every scope')
  })

  it('tells the keys apart, whichever position a key has', () => {
    const one = verify(first)
    const two = verify(second)
    assert.ok(one && two)
    assert.notDeepEqual(one.logFields, two.logFields)
    assert.notDeepEqual(one.cursorKey, two.cursorKey)
    assert.equal(verify(second)?.logFields.key_id, digest(second).subarray(0, 4).toString('hex'))
  })

  it('gives the same caller on every replica and after a restart', () => {
    const elsewhere = createApiKeyVerifier([second, first])
    assert.deepEqual(elsewhere(first), verify(first))
  })

  it('refuses anything that is not exactly a configured key', () => {
    for (const presented of ['', ' ', `${first} `, first.slice(0, -1), `${first}0`, first.toUpperCase(), `${first},${second}`, undefined, null, 42, [first], { first }]) {
      assert.equal(verify(presented), undefined, JSON.stringify(presented))
    }
    assert.equal(createApiKeyVerifier([])(first), undefined)
  })
})
