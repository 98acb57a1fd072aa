// What the routes learn about a request's caller: who it is (for logs and per-client limits), what
// it may do (scopes), and the key its pagination cursors are signed with. How it proved that (an
// API key or a bearer token) stays inside auth/.

/** The scopes a token must carry, one per kind of access; API keys have all of them. */
export const SCOPES = { read: 'users:read', write: 'users:write', delete: 'users:delete' } as const

export type Scope = (typeof SCOPES)[keyof typeof SCOPES]

export const ALL_SCOPES: readonly Scope[] = Object.values(SCOPES)

export interface Caller {
  /** The same for every request of one API key, or of one token subject; not a secret, and short. */
  id: string
  /** Names the caller in every log line of the request; never a secret. */
  logFields: Readonly<Record<string, string>>
  scopes: ReadonlySet<Scope>
  /** Signs pagination cursors, so a cursor is only valid for the caller it was issued to. */
  cursorKey: Buffer
}
