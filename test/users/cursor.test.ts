import assert from 'node:assert/strict'
import { createHmac, randomBytes, randomUUID } from 'node:crypto'
import { describe, it } from 'node:test'
import { HttpProblem } from '../../src/http/problems.js'
import { decodeCursor, encodeCursor } from '../../src/users/cursor.js'

const signingKey = randomBytes(32)
const id = randomUUID()
const startKey = { pk: `USER#${id}`, user_id: id }

function rejects(cursor: string, key = signingKey): void {
  assert.throws(
    () => decodeCursor(cursor, key),
    (error: unknown) =>
      error instanceof HttpProblem &&
      error.status === 400 &&
      error.detail === 'The cursor is invalid or was issued to another client; start again without a cursor.',
  )
}

// A cursor with a valid signature over any payload: what a bug in our own encoding could produce.
function signed(payloadText: string): string {
  const payload = Buffer.from(payloadText).toString('base64url')
  const signature = createHmac('sha256', signingKey).update(`v1.${payload}`).digest('base64url')
  return `v1.${payload}.${signature}`
}

describe('pagination cursors', () => {
  it('round-trips a start key', () => {
    assert.deepEqual(decodeCursor(encodeCursor(startKey, signingKey), signingKey), startKey)
  })

  it('are versioned, opaque text that fits a URL', () => {
    assert.match(encodeCursor(startKey, signingKey), /^v1\.[\w-]+\.[\w-]{43}$/)
  })

  it('rejects a cursor signed with another key', () => {
    rejects(encodeCursor(startKey, signingKey), randomBytes(32))
  })

  it('rejects any change to the payload or the signature', () => {
    const [version, payload, signature] = encodeCursor(startKey, signingKey).split('.') as [string, string, string]
    const other = randomUUID()
    const forgedPayload = Buffer.from(JSON.stringify([`USER#${other}`, other])).toString('base64url')
    rejects(`${version}.${forgedPayload}.${signature}`)
    rejects(`${version}.${payload}.${signature.slice(1)}`)
    rejects(`v2.${payload}.${signature}`)
    rejects(`${version}.${payload}`)
    rejects(`${version}.${payload}.${signature}.extra`)
    rejects('')
  })

  it('rejects a correctly signed payload that is not a start key', () => {
    assert.deepEqual(decodeCursor(signed(JSON.stringify([`USER#${id}`, id])), signingKey), startKey, 'the signing helper matches')
    for (const payload of [
      'not json',
      JSON.stringify({ pk: `USER#${id}`, user_id: id }),
      JSON.stringify([`USER#${id}`]),
      JSON.stringify([`USER#${id}`, id, 'extra']),
      JSON.stringify([`USER#${id}`, 42]),
      JSON.stringify([`USER#x${id}`, `x${id}`]),
      JSON.stringify([`USER#${id}x`, `${id}x`]),
      JSON.stringify([`USER#${randomUUID()}`, id]),
    ]) {
      rejects(signed(payload))
    }
  })
})
