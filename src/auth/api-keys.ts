// API keys are compared in constant time. Both sides are hashed first, so the comparison always
// runs over equal-length digests and its timing reveals neither a key's content nor its length.
// Every accepted key is compared on every request (no early exit), so which key matched does not
// show in the timing either. A key grants every scope.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { ALL_SCOPES, type Caller } from './caller.js'

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest()

export function createApiKeyVerifier(keys: readonly string[]): (presented: unknown) => Caller | undefined {
  const scopes = new Set(ALL_SCOPES)
  const accepted = keys.map((key) => {
    const digest = sha256(key)
    return {
      digest,
      caller: {
        id: `key:${digest.subarray(0, 16).toString('base64url')}`,
        // A short fingerprint to tell keys apart in logs during rotation; it cannot be reversed to a key.
        logFields: { key_id: digest.subarray(0, 4).toString('hex') },
        scopes,
        cursorKey: createHmac('sha256', digest).update('cursor-signing').digest(),
      },
    }
  })
  return (presented) => {
    if (typeof presented !== 'string' || presented.length === 0) return undefined
    const candidate = sha256(presented)
    let match: Caller | undefined
    for (const { digest, caller } of accepted) {
      if (timingSafeEqual(digest, candidate)) match = caller
    }
    return match
  }
}
