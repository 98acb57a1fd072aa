// Pagination cursors are opaque to clients: the DynamoDB start key, base64url-encoded and signed
// with HMAC-SHA256. The signing key is derived from the caller's API key, so a cursor only works
// for the client it was issued to; a tampered or foreign cursor fails verification and gets 400
// before anything reaches DynamoDB.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { badRequest } from '../http/problems.js'
import { PARTITION_KEY, USER_ID_ATTRIBUTE } from './table-definition.js'

export type StartKey = Record<typeof PARTITION_KEY | typeof USER_ID_ATTRIBUTE, string>

const VERSION = 'v1'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

function sign(payload: string, signingKey: Buffer): Buffer {
  return createHmac('sha256', signingKey).update(`${VERSION}.${payload}`).digest()
}

export function encodeCursor(startKey: StartKey, signingKey: Buffer): string {
  const payload = Buffer.from(JSON.stringify([startKey[PARTITION_KEY], startKey[USER_ID_ATTRIBUTE]])).toString('base64url')
  return `${VERSION}.${payload}.${sign(payload, signingKey).toString('base64url')}`
}

const invalid = () => badRequest('The cursor is invalid or was issued to another client; start again without a cursor.')

export function decodeCursor(cursor: string, signingKey: Buffer): StartKey {
  const [version, payload, signature, ...rest] = cursor.split('.')
  if (version !== VERSION || !payload || !signature || rest.length > 0) throw invalid()
  const expected = sign(payload, signingKey)
  const given = Buffer.from(signature, 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid()
  let decoded: unknown
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
  } catch {
    throw invalid()
  }
  // Signed by us, but checked anyway: a signing bug must not turn into a malformed DynamoDB key.
  if (!Array.isArray(decoded) || decoded.length !== 2) throw invalid()
  const [partitionKey, userId] = decoded as unknown[]
  if (typeof userId !== 'string' || !UUID.test(userId) || partitionKey !== `USER#${userId}`) throw invalid()
  return { [PARTITION_KEY]: partitionKey, [USER_ID_ATTRIBUTE]: userId }
}
