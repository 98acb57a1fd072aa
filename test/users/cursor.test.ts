import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { describe, it } from 'node:test'
import { HttpProblem } from '../../src/http/problems.js'
import { decodeCursor, encodeCursor } from '../../src/users/cursor.js'

const signingKey = randomBytes(32)
const id = randomUUID()
const startKey = { pk: `USER#${id}`, user_id: id }

function rejects(cursor: string, key = signingKey): void {
  assert.throws(() => decodeCursor(cursor, key), (error: unknown) => error instanceof HttpProblem && error.status === 400)
}

describe('pagination cursors', () => {
  it('round-trips a start key', () => {
    assert.deepEqual(decodeCursor(encodeCursor(startKey, signingKey), signingKey), startKey)
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
})
