// Checks a batch of registrations made under trouble (faults, overload) against the table itself.
//
// What "half-written" means follows from the claim design in src/users/user-repository.ts: an
// EMAIL# claim is written first, then the USER# record, and a failure undoes both, retrying in
// the background when the undo fails too. Once those retries have run (the audit waits for them,
// with the faults healed), every address whose registrations all failed must hold nothing at all:
// no claim, no user (the markers undos leave hold neither), and registering it again succeeds at once. For every 201 the user is stored,
// readable and listed exactly once, and its address stays taken, even for a clock far ahead.
// A user without its claim, two users for one address, or a 201 not stored fails the audit.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import type { LightMyRequestResponse } from 'fastify'
import { assertProblem, type authed } from '../support/http.js'
import { listAllUsers, runWithConcurrency } from './reliability-support.js'

type Client = ReturnType<typeof authed>

const READ_ATTEMPTS = 3
const FREE_SAMPLE = 100
const RETRY_AFTER_MS = 2000
// Background undos retry at least every 4 s (CLEANUP_RETRIES in src/app.ts); this leaves room for
// several of their attempts after the faults are healed.
const SETTLE_TIMEOUT_MS = 30_000
const SETTLE_POLL_MS = 250

export interface TableItem {
  pk: string
  user_id?: string
  email_normalized?: string
  claimed_by?: string
  /** Set on the markers an undo leaves; they hold nothing of the registration. */
  undone_at?: string
}

export interface RegistrationOutcome {
  email: string
  /** Other registrations of the same address ran at the same time, so 409 is a fair answer. */
  contested: boolean
  response: LightMyRequestResponse
}

export interface AuditResult {
  created: number
  unavailable: number
  conflicts: number
  /** Addresses whose registrations all failed. */
  failed: number
  /** Milliseconds until the table held nothing for any of them. */
  settleMs: number
  /** Reads by id that met a transient 503 and were retried. */
  readRetries: number
}

export interface AuditOptions {
  outcomes: readonly RegistrationOutcome[]
  /** Table items written by this batch so far (compare with a scan from before it). */
  scan: () => Promise<TableItem[]>
  client: Client
  /** The same service with its clock the stale-claim age or more ahead. */
  clientLater: Client
}

const addressOf = (item: TableItem) => (item.pk.startsWith('EMAIL#') ? item.pk.slice('EMAIL#'.length) : item.email_normalized)
const isMarker = (item: TableItem) => item.undone_at !== undefined

// Scans until no item belongs to a failed address, or the time is up; returns the last scan.
async function settle(scan: () => Promise<TableItem[]>, failed: ReadonlySet<string>): Promise<{ items: TableItem[]; ms: number }> {
  const started = performance.now()
  for (;;) {
    const items = (await scan()).filter((item) => !isMarker(item))
    const left = items.filter((item) => failed.has(addressOf(item) ?? ''))
    const ms = Math.round(performance.now() - started)
    if (left.length === 0 || ms > SETTLE_TIMEOUT_MS) return { items, ms }
    await sleep(SETTLE_POLL_MS)
  }
}

export async function auditRegistrations({ outcomes, scan, client, clientLater }: AuditOptions): Promise<AuditResult> {
  for (const { response, contested } of outcomes) {
    if (response.statusCode === 201) continue
    if (response.statusCode === 409) {
      assert.ok(contested, `409 for an address nobody else was registering: ${response.body}`)
      continue
    }
    assertProblem(response, 503)
    assert.equal(response.headers['retry-after'], '2', 'every 503 says when to retry')
  }
  const created = outcomes
    .filter(({ response }) => response.statusCode === 201)
    .map(({ email, response }) => ({ address: email.toLowerCase(), id: response.json<{ user: { id: string } }>().user.id }))
  const unavailable = outcomes.filter(({ response }) => response.statusCode === 503)
  const createdAddresses = new Set(created.map(({ address }) => address))
  const failed = new Set(unavailable.map(({ email }) => email.toLowerCase()).filter((address) => !createdAddresses.has(address)))
  const { items, ms: settleMs } = await settle(scan, failed)

  const users = items.filter((item) => item.pk.startsWith('USER#'))
  const claims = new Map(items.filter((item) => item.pk.startsWith('EMAIL#')).map((item) => [item.pk.slice('EMAIL#'.length), item]))
  const usersById = new Map(users.map((user) => [user.user_id!, user]))
  const usersByAddress = new Map<string, string[]>()
  for (const user of users) usersByAddress.set(user.email_normalized!, [...(usersByAddress.get(user.email_normalized!) ?? []), user.user_id!])
  for (const [address, ids] of usersByAddress) assert.equal(ids.length, 1, `one user per address: ${address} has ${ids.length}`)
  for (const user of users) assert.equal(claims.get(user.email_normalized!)?.claimed_by, user.user_id, `the claim on ${user.email_normalized} points at its user`)

  assert.equal(createdAddresses.size, created.length, 'at most one 201 per address')
  for (const { address, id } of created) assert.equal(usersById.get(id)?.email_normalized, address, `the 201 for ${address} is stored`)
  let readRetries = 0
  const readable = await runWithConcurrency(created, 32, async ({ id }) => {
    // A read may meet a transient 503 of its own right after the faults; clients retry those.
    for (let attempt = 1; ; attempt++) {
      const response = await client.get(`/users/${id}`)
      if (response.statusCode !== 503 || attempt === READ_ATTEMPTS) return response.statusCode
      readRetries++
      await sleep(RETRY_AFTER_MS)
    }
  })
  assert.deepEqual(readable.filter((status) => status !== 200), [], 'every 201 is readable by id')
  const listed = (await listAllUsers(clientLater, 1000)).users.filter((user) => usersById.has(user.id))
  assert.equal(listed.length, users.length, 'every stored user is listed, none twice')
  assert.equal(new Set(listed.map((user) => user.id)).size, users.length)

  const halfWritten = items.filter((item) => failed.has(addressOf(item) ?? '')).map((item) => item.pk)
  assert.deepEqual(halfWritten, [], 'nothing of a failed registration is left in the table')

  // The table shows these addresses hold nothing; registering a spread sample of them shows the
  // service agrees, without re-registering the whole of an overload burst.
  const freed = [...failed].filter((_address, index) => index % Math.ceil(failed.size / FREE_SAMPLE) === 0)
  const retried = await runWithConcurrency(freed, 32, (address) => client.post('/user', { name: 'Second Try', email: address }))
  assert.deepEqual(retried.map((response) => response.statusCode).filter((status) => status !== 201), [], 'every failed address registers again')
  // A stale claim is only taken over when its user does not exist: live addresses stay taken.
  for (const address of [...createdAddresses].slice(0, 20)) assertProblem(await clientLater.post('/user', { name: 'Later', email: address }), 409)

  return {
    created: created.length,
    unavailable: unavailable.length,
    conflicts: outcomes.filter(({ response }) => response.statusCode === 409).length,
    failed: failed.size,
    settleMs,
    readRetries,
  }
}

export function describeAudit(result: AuditResult): string {
  return (
    `${result.created} x 201, ${result.unavailable} x 503, ${result.conflicts} x 409 (contested); ` +
    `${result.failed} addresses whose registrations failed, all free again ${result.settleMs} ms after the faults stopped` +
    (result.readRetries > 0 ? `; ${result.readRetries} reads retried after a transient 503` : '')
  )
}
