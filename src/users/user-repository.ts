// DynamoDB access for users. Email uniqueness holds without transactions: a conditional PutItem on
// an EMAIL#<address> claim decides who owns an address, and only the winner writes its USER#<id>
// record. A failed registration removes what it wrote, retrying in the background if it must. A
// claim left behind anyway (the process died, or every retry failed) answers 503, never 409, and
// is taken over once it is stale and no user record points back at it, so an address is never lost.
//
// Undoing leaves markers instead of deleting. A write whose caller gave up (timed out, connection
// reset) may still be applied by DynamoDB after the undo that followed it; over an empty key that
// late write would bring back a user without its claim, or a claim nobody owns. So an undone user
// record becomes a marker (its write needs an empty key and fails on it), and a released claim
// becomes a marker listing the registrations that released it (`undone_by`): any other
// registration may claim over it, a late claim of one of those may not. Markers carry no personal
// data and expire through the table's TTL attribute.
import { setTimeout as sleep } from 'node:timers/promises'
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb'
import type { FastifyBaseLogger } from 'fastify'
import { neverSent } from '../aws/call-queue.js'
import type { Config } from '../config/config.js'
import { HttpProblem, conflict, unavailable } from '../http/problems.js'
import type { BackgroundRetries, RetriedTask } from '../lifecycle/background-retries.js'
import type { StartKey } from './cursor.js'
import { EXPIRES_AT_ATTRIBUTE, USERS_INDEX_NAME } from './table-definition.js'
import { claimFromItem, claimItem, keyItem, number, text, userFromItem, userItem, userMarkerItem, type EmailClaim, type Item, type UserRecord } from './user-items.js'

export type { UserRecord } from './user-items.js'

// A claim is stale when it is older than any registration can take, so a stale claim without a
// user record is an orphan, never a registration still in progress. A registration makes at most
// five DynamoDB calls from its claim to its user record. Each call is bounded by its attempts
// (waiting for a connection, connecting, the request) and the SDK's back-off before retry n (from
// 0), at most 1 s x 2^n and never over 20 s (@smithy/core util-retry: the throttling base, the
// longest). The margin covers clock differences between instances.
const CALLS_FROM_CLAIM_TO_USER = 5
const BACKOFF_BASE_MS = 1000
const BACKOFF_MAX_MS = 20_000
type AttemptBounds = Pick<Config['aws'], 'maxAttempts' | 'connectTimeoutMs' | 'requestTimeoutMs' | 'queueTimeoutMs'>

export function staleClaimSeconds(aws: AttemptBounds): number {
  let callBoundMs = aws.maxAttempts * (aws.queueTimeoutMs + aws.connectTimeoutMs + aws.requestTimeoutMs)
  for (let retry = 0; retry < aws.maxAttempts - 1; retry++) callBoundMs += Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** retry)
  return Math.max(60, Math.ceil((CALLS_FROM_CLAIM_TO_USER * callBoundMs) / 1000) + 30)
}
const MAX_SCAN_CALLS_PER_PAGE = 10
// How long a registration waits for the owner of a fresh claim to write its user record before
// answering 503 instead of 409; an owner in good health takes milliseconds.
const OWNER_CHECK_DELAYS_MS = [50, 100, 200, 400, 800]

// Markers outlive any write still in flight by far: the longest an AWS call can take is bounded by
// the stale-claim age (minutes); TTL deletion itself may lag a day or two.
const MARKER_LIFETIME_SECONDS = 7 * 86_400

const taken = () => conflict('A user with this email address is already registered.')
const pending = () => unavailable('Another registration of this email address has not finished yet. Please retry.')

const markerExpiry = (now: number) => Math.floor(now / 1000) + MARKER_LIFETIME_SECONDS

const userMarker = (pk: string, now = Date.now()) => userMarkerItem(pk, new Date(now).toISOString(), markerExpiry(now))

// A claim may be taken where there is none, or where one was released by other registrations.
const CLAIMABLE = 'attribute_not_exists(pk) OR (attribute_exists(undone_at) AND NOT contains(undone_by, :id))'

export const userKey = (id: string) => `USER#${id}`
const emailKey = (normalizedEmail: string) => `EMAIL#${normalizedEmail}`

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException'
}

export class UserRepository {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
    private readonly log: FastifyBaseLogger,
    private readonly staleClaimAfterSeconds: number,
    private readonly cleanups: BackgroundRetries,
  ) {}

  async register(user: UserRecord): Promise<void> {
    try {
      await this.claimEmail(user)
    } catch (error) {
      // The claim may have landed even though the call failed (a lost response, a timeout), unless
      // it never left the connection queue: undoing that would only add to the overload.
      if (!(error instanceof HttpProblem) && !neverSent(error)) {
        await this.cleanUp(user, 'undo the email claim of a failed registration', (signal) => this.releaseClaim(user, signal))
      }
      throw error
    }
    try {
      await this.dynamo.send(
        new PutItemCommand({ TableName: this.table, Item: userItem(user), ConditionExpression: 'attribute_not_exists(pk)' }),
      )
    } catch (error) {
      // The id is a fresh UUID: a failed condition means an SDK retry found our own first attempt.
      if (isConditionalCheckFailed(error)) return
      await this.cleanUp(user, 'undo a failed registration', async (signal) => {
        // Overwrites the record if it was written after all, and makes a late write of it fail.
        await this.dynamo.send(new PutItemCommand({ TableName: this.table, Item: userMarker(user.pk) }), { abortSignal: signal })
        await this.releaseClaim(user, signal)
      })
      throw error
    }
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    // Strongly consistent read of the base table: a user is visible right after its 201.
    const { Item } = await this.dynamo.send(new GetItemCommand({ TableName: this.table, Key: keyItem(userKey(id)), ConsistentRead: true }))
    // Only user records carry user_id; a marker of an undone registration is no user.
    return userFromItem(Item)
  }

  // Reads at most `limit` users, whatever the size of the table.
  async list(limit: number, startKey: StartKey | undefined): Promise<{ users: UserRecord[]; next: StartKey | undefined }> {
    const users: UserRecord[] = []
    let next: Item | undefined = startKey && { pk: text(startKey.pk), user_id: text(startKey.user_id) }
    for (let call = 0; call < MAX_SCAN_CALLS_PER_PAGE; call++) {
      const page = await this.dynamo.send(
        new ScanCommand({ TableName: this.table, IndexName: USERS_INDEX_NAME, Limit: limit - users.length, ExclusiveStartKey: next }),
      )
      for (const item of page.Items ?? []) {
        const user = userFromItem(item)
        if (user) users.push(user)
      }
      next = page.LastEvaluatedKey
      if (!next || users.length >= limit) break
    }
    return { users, next: next && { pk: next.pk?.S ?? '', user_id: next.user_id?.S ?? '' } }
  }

  async recordAvatarUploaded(id: string, at: Date): Promise<void> {
    try {
      await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: keyItem(userKey(id)),
          UpdateExpression: 'SET avatar_uploaded_at = :at',
          ConditionExpression: 'attribute_exists(user_id) AND attribute_not_exists(avatar_uploaded_at)',
          ExpressionAttributeValues: { ':at': text(at.toISOString()) },
        }),
      )
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error
    }
  }

  // Returns the updated record, or undefined when the user does not exist.
  async renewAvatarUpload(id: string, contentType: string, expiresAt: string): Promise<UserRecord | undefined> {
    try {
      const { Attributes } = await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: keyItem(userKey(id)),
          UpdateExpression: 'SET avatar_content_type = :type, avatar_upload_expires_at = :expires',
          // A user record, not the marker of an undone registration.
          ConditionExpression: 'attribute_exists(user_id)',
          ExpressionAttributeValues: { ':type': text(contentType), ':expires': text(expiresAt) },
          ReturnValues: 'ALL_NEW',
        }),
      )
      return userFromItem(Attributes)
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined
      throw error
    }
  }

  // The user record goes first: once it is gone the user is gone. The claim is released after it,
  // retried in the background if need be, so the address is soon free again.
  async delete(user: UserRecord): Promise<void> {
    await this.dynamo.send(new DeleteItemCommand({ TableName: this.table, Key: keyItem(user.pk) }))
    await this.cleanUp(user, 'release the email claim of a deleted user', (signal) => this.releaseClaim(user, signal))
  }

  // A claim whose owner has no user record is a registration in progress or the leftover of one
  // that failed. The owner normally writes its record within milliseconds, so a short wait tells
  // the two apart; if it still cannot, the answer is 503 (retry) rather than a 409 that may be
  // false. Only a stale claim is taken over.
  private async claimEmail(user: UserRecord): Promise<void> {
    const claim: EmailClaim = { pk: emailKey(user.email_normalized), claimed_by: user.user_id, claimed_at: user.created_at }
    for (const delayMs of [...OWNER_CHECK_DELAYS_MS, undefined]) {
      if (await this.putClaim(claim, CLAIMABLE, { ':id': text(user.user_id) })) return
      const existing = await this.readClaim(claim.pk)
      if (existing?.claimed_by === user.user_id) return // an SDK retry of our own claim had landed
      // No claim at all means it was released between our two calls: the next round claims it.
      if (existing) {
        if (await this.findById(existing.claimed_by)) throw taken()
        const ageSeconds = (Date.parse(user.created_at) - Date.parse(existing.claimed_at)) / 1000
        if (ageSeconds >= this.staleClaimAfterSeconds) {
          this.log.warn({ claimed_by: existing.claimed_by }, 'taking over an orphaned email claim')
          if (await this.putClaim(claim, 'claimed_by = :previous', { ':previous': text(existing.claimed_by) })) return
        }
      }
      if (delayMs === undefined) break
      await sleep(delayMs)
    }
    throw pending()
  }

  private async putClaim(claim: EmailClaim, condition: string, values: Item): Promise<boolean> {
    try {
      await this.dynamo.send(
        new PutItemCommand({ TableName: this.table, Item: claimItem(claim), ConditionExpression: condition, ExpressionAttributeValues: values }),
      )
      return true
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false
      throw error
    }
  }

  private async readClaim(pk: string): Promise<EmailClaim | undefined> {
    const { Item } = await this.dynamo.send(new GetItemCommand({ TableName: this.table, Key: keyItem(pk), ConsistentRead: true }))
    return claimFromItem(Item)
  }

  // Turns our claim into a marker that frees the address for everyone but us, so that a late write
  // of our claim fails instead of taking the address back. Where our claim never landed (or was
  // already released) the marker is left all the same, for the same reason; another registration's
  // claim is left alone.
  private async releaseClaim(user: UserRecord, signal?: AbortSignal): Promise<void> {
    const now = Date.now()
    try {
      await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: keyItem(emailKey(user.email_normalized)),
          UpdateExpression: 'SET undone_at = :at, #expires = :expires ADD undone_by :ids REMOVE claimed_by, claimed_at',
          ConditionExpression: 'attribute_not_exists(pk) OR attribute_exists(undone_at) OR claimed_by = :id',
          ExpressionAttributeNames: { '#expires': EXPIRES_AT_ATTRIBUTE },
          ExpressionAttributeValues: { ':at': text(new Date(now).toISOString()), ':expires': number(markerExpiry(now)), ':ids': { SS: [user.user_id] }, ':id': text(user.user_id) },
        }),
        { abortSignal: signal },
      )
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error
    }
  }

  // One attempt at once, so that the address is usually free again before the client even sees
  // the failure; if that fails too, the task goes on in the background until the claim would be
  // stale anyway (from then on a new registration of the address takes the claim over).
  private async cleanUp(user: UserRecord, what: string, task: RetriedTask): Promise<void> {
    try {
      await task()
    } catch (error) {
      this.log.warn({ err: error, user_id: user.user_id }, `could not ${what}; retrying in the background`)
      this.cleanups.start(what, { user_id: user.user_id }, task)
    }
  }
}
