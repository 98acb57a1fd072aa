// The service's own conversion of its items to and from DynamoDB's attribute values
// (src/users/user-items.ts): what it writes reads back the same, and an item of another kind, or
// one missing attributes (written by an older version, or by hand), never throws.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { claimFromItem, claimItem, keyItem, userFromItem, userItem, userMarkerItem, type UserRecord } from '../../src/users/user-items.js'

const user: UserRecord = {
  pk: 'USER#0b7c5f4e',
  user_id: '0b7c5f4e',
  name: 'Ada Lovelace',
  email: 'Ada@Example.com',
  email_normalized: 'ada@example.com',
  created_at: '2026-11-29T12:00:00.000Z',
  avatar_key: 'avatars/0b7c5f4e',
  avatar_content_type: 'image/png',
  avatar_upload_expires_at: '2026-11-29T12:15:00.000Z',
}

describe('user items', () => {
  it('reads back what it writes, with and without the upload time', () => {
    assert.deepEqual(userFromItem(userItem(user)), user)
    const uploaded = { ...user, avatar_uploaded_at: '2026-11-29T12:01:00.000Z' }
    assert.deepEqual(userFromItem(userItem(uploaded)), uploaded)
    assert.deepEqual(userItem(user).name, { S: 'Ada Lovelace' }, 'every attribute is a string')
  })

  it('is no user for nothing, a claim or a marker; missing attributes read as empty', () => {
    assert.equal(userFromItem(undefined), undefined)
    assert.equal(userFromItem(claimItem({ pk: 'EMAIL#ada@example.com', claimed_by: 'x', claimed_at: 'now' })), undefined)
    assert.equal(userFromItem(userMarkerItem('USER#1', 'now', 1_800_000_000)), undefined)
    assert.deepEqual(userFromItem({ user_id: { S: 'only-an-id' } }), {
      pk: '',
      user_id: 'only-an-id',
      name: '',
      email: '',
      email_normalized: '',
      created_at: '',
      avatar_key: '',
      avatar_content_type: '',
      avatar_upload_expires_at: '',
    })
  })
})

describe('email claims', () => {
  it('reads back what it writes; a released claim (a marker) or nothing is no claim', () => {
    const claim = { pk: 'EMAIL#ada@example.com', claimed_by: '0b7c5f4e', claimed_at: '2026-11-29T12:00:00.000Z' }
    assert.deepEqual(claimFromItem(claimItem(claim)), claim)
    assert.equal(claimFromItem(undefined), undefined)
    assert.equal(claimFromItem(userMarkerItem('EMAIL#ada@example.com', 'now', 1_800_000_000)), undefined)
    assert.deepEqual(claimFromItem({ claimed_by: { S: 'x' } }), { pk: '', claimed_by: 'x', claimed_at: '' })
  })

  it('markers carry their expiry as a number, keys only the partition key', () => {
    assert.deepEqual(userMarkerItem('USER#1', 'now', 1_800_000_000).expires_at, { N: '1800000000' })
    assert.deepEqual(keyItem('USER#1'), { pk: { S: 'USER#1' } })
  })
})
