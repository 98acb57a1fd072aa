// DynamoDB access for users. Email uniqueness holds without transactions: a conditional PutItem on
// an EMAIL#<address> claim decides who owns an address, and only the winner writes its USER#<id>
// record. A failed registration removes what it wrote; a claim left behind anyway (the process
// died, or the undo failed too) is taken over once it is stale and no user record points back at
// it, so an address is never lost.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { FastifyBaseLogger } from 'fastify'
import { HttpProblem, conflict } from '../http/problems.js'
import type { StartKey } from './cursor.js'
import { PARTITION_KEY, USERS_INDEX_NAME } from './table-definition.js'

// A claim is stale when it is older than any registration can take, so a stale claim without a
// user record is an orphan, never a registration still in progress. A registration makes at most
// five DynamoDB calls before its user record lands, each bounded by the SDK's attempts and
// timeouts; the margin covers retry back-off.
export function staleClaimSeconds(aws: { maxAttempts: number; connectTimeoutMs: number; requestTimeoutMs: number }): number {
  const callBoundSeconds = (aws.maxAttempts * (aws.connectTimeoutMs + aws.requestTimeoutMs)) / 1000
  return Math.max(60, Math.ceil(5 * callBoundSeconds) + 30)
}
const MAX_SCAN_CALLS_PER_PAGE = 10

export interface UserRecord {
  pk: string
  user_id: string
  name: string
  email: string
  email_normalized: string
  created_at: string
  avatar_key: string
  avatar_content_type: string
  avatar_upload_expires_at: string
  avatar_uploaded_at?: string
}

interface EmailClaim {
  pk: string
  claimed_by: string
  claimed_at: string
}

export const userKey = (id: string) => `USER#${id}`
const emailKey = (normalizedEmail: string) => `EMAIL#${normalizedEmail}`

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException'
}

export class UserRepository {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly log: FastifyBaseLogger,
    private readonly staleClaimAfterSeconds: number,
  ) {}

  async register(user: UserRecord): Promise<void> {
    try {
      await this.claimEmail(user)
    } catch (error) {
      // The claim may have landed even though the call failed (a lost response, a timeout).
      if (!(error instanceof HttpProblem)) await this.undoClaim(user)
      throw error
    }
    try {
      await this.documents.send(
        new PutCommand({ TableName: this.table, Item: user, ConditionExpression: 'attribute_not_exists(pk)' }),
      )
    } catch (error) {
      // The id is a fresh UUID: a failed condition means an SDK retry found our own first attempt.
      if (isConditionalCheckFailed(error)) return
      await this.undoRegistration(user)
      throw error
    }
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    // Strongly consistent read of the base table: a user is visible right after its 201.
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.table, Key: { [PARTITION_KEY]: userKey(id) }, ConsistentRead: true }),
    )
    return Item as UserRecord | undefined
  }

  // Reads at most `limit` users, whatever the size of the table.
  async list(limit: number, startKey: StartKey | undefined): Promise<{ users: UserRecord[]; next: StartKey | undefined }> {
    const users: UserRecord[] = []
    let next: Record<string, unknown> | undefined = startKey
    for (let call = 0; call < MAX_SCAN_CALLS_PER_PAGE; call++) {
      const page = await this.documents.send(
        new ScanCommand({ TableName: this.table, IndexName: USERS_INDEX_NAME, Limit: limit - users.length, ExclusiveStartKey: next }),
      )
      users.push(...((page.Items ?? []) as UserRecord[]))
      next = page.LastEvaluatedKey
      if (!next || users.length >= limit) break
    }
    return { users, next: next as StartKey | undefined }
  }

  async recordAvatarUploaded(id: string, at: Date): Promise<void> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [PARTITION_KEY]: userKey(id) },
          UpdateExpression: 'SET avatar_uploaded_at = :at',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(avatar_uploaded_at)',
          ExpressionAttributeValues: { ':at': at.toISOString() },
        }),
      )
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error
    }
  }

  // Returns the updated record, or undefined when the user does not exist.
  async renewAvatarUpload(id: string, contentType: string, expiresAt: string): Promise<UserRecord | undefined> {
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [PARTITION_KEY]: userKey(id) },
          UpdateExpression: 'SET avatar_content_type = :type, avatar_upload_expires_at = :expires',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':type': contentType, ':expires': expiresAt },
          ReturnValues: 'ALL_NEW',
        }),
      )
      return Attributes as UserRecord
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined
      throw error
    }
  }

  // The user record goes first: once it is gone the user is gone, and a leftover claim is harmless
  // (it is taken over as an orphan by the next registration of that address).
  async delete(user: UserRecord): Promise<void> {
    await this.documents.send(new DeleteCommand({ TableName: this.table, Key: { [PARTITION_KEY]: user.pk } }))
    await this.releaseClaim(user)
  }

  private async claimEmail(user: UserRecord): Promise<void> {
    const claim: EmailClaim = { pk: emailKey(user.email_normalized), claimed_by: user.user_id, claimed_at: user.created_at }
    if (await this.putClaim(claim, 'attribute_not_exists(pk)')) return

    const existing = await this.readClaim(claim.pk)
    if (existing?.claimed_by === user.user_id) return // an SDK retry of our own claim had landed
    const taken = conflict('A user with this email address is already registered.')
    if (!existing) {
      // Released between our two calls (the owner was deleted): one more try, then give up.
      if (await this.putClaim(claim, 'attribute_not_exists(pk)')) return
      throw taken
    }
    const ageSeconds = (Date.parse(user.created_at) - Date.parse(existing.claimed_at)) / 1000
    if (ageSeconds < this.staleClaimAfterSeconds || (await this.findById(existing.claimed_by))) throw taken

    this.log.warn({ claimed_by: existing.claimed_by }, 'taking over an orphaned email claim')
    const tookOver = await this.putClaim(claim, 'claimed_by = :previous', { ':previous': existing.claimed_by })
    if (!tookOver) throw taken
  }

  private async putClaim(claim: EmailClaim, condition: string, values?: Record<string, string>): Promise<boolean> {
    try {
      await this.documents.send(
        new PutCommand({ TableName: this.table, Item: claim, ConditionExpression: condition, ExpressionAttributeValues: values }),
      )
      return true
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false
      throw error
    }
  }

  private async readClaim(pk: string): Promise<EmailClaim | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.table, Key: { [PARTITION_KEY]: pk }, ConsistentRead: true }),
    )
    return Item as EmailClaim | undefined
  }

  private async releaseClaim(user: UserRecord): Promise<void> {
    try {
      await this.documents.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { [PARTITION_KEY]: emailKey(user.email_normalized) },
          ConditionExpression: 'claimed_by = :id',
          ExpressionAttributeValues: { ':id': user.user_id },
        }),
      )
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error
    }
  }

  // Best effort after a failed registration: the client is told it failed, so nothing of it may
  // stay visible. If this fails too, the claim is an orphan that a later registration takes over.
  // undoClaim is for failures before the user record was attempted, undoRegistration for after.
  private async undoClaim(user: UserRecord): Promise<void> {
    try {
      await this.releaseClaim(user)
    } catch (error) {
      this.log.warn({ err: error, user_id: user.user_id }, 'could not undo a failed registration')
    }
  }

  private async undoRegistration(user: UserRecord): Promise<void> {
    try {
      await this.documents.send(new DeleteCommand({ TableName: this.table, Key: { [PARTITION_KEY]: user.pk } }))
      await this.releaseClaim(user)
    } catch (error) {
      this.log.warn({ err: error, user_id: user.user_id }, 'could not undo a failed registration')
    }
  }
}
