// Puts users straight into DynamoDB with BatchWriteItem, the same items a registration writes
// (src/users/user-repository.ts): the USER#<id> record and its EMAIL#<address> claim. Going
// through POST /user would take minutes for 100,000 users and measure the wrong thing.
// Avatar upload windows are set in the past, so listing them never asks S3 about avatars.
import { randomUUID } from 'node:crypto'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb'
import { userKey, type UserRecord } from '../src/users/user-repository.js'

const ITEMS_PER_BATCH = 25 // the BatchWriteItem maximum
const EXPIRED_UPLOAD_WINDOW = '2020-01-01T00:15:00.000Z'

export interface SeedOptions {
  documents: DynamoDBDocumentClient
  table: string
  from: number // users are numbered, so seeding can continue where it stopped
  to: number
  concurrency: number
}

export function benchUser(number: number): UserRecord {
  const id = randomUUID()
  const email = `bench-user-${number}@example.com`
  return {
    pk: userKey(id),
    user_id: id,
    name: `Bench User ${number}`,
    email,
    email_normalized: email,
    created_at: new Date(Date.UTC(2020, 0, 1) + number * 1000).toISOString(),
    avatar_key: `avatars/${id}`,
    avatar_content_type: 'image/png',
    avatar_upload_expires_at: EXPIRED_UPLOAD_WINDOW,
  }
}

function itemsFor(user: UserRecord): Record<string, string>[] {
  const claim = { pk: `EMAIL#${user.email_normalized}`, claimed_by: user.user_id, claimed_at: user.created_at }
  return [claim, { ...user }]
}

async function writeBatch(documents: DynamoDBDocumentClient, table: string, items: Record<string, string>[]): Promise<void> {
  let requests = items.map((Item) => ({ PutRequest: { Item } }))
  for (let attempt = 0; requests.length > 0; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)))
    if (attempt > 10) throw new Error(`BatchWriteItem left ${requests.length} items unprocessed after ${attempt} attempts`)
    const { UnprocessedItems } = await documents.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }))
    requests = (UnprocessedItems?.[table] ?? []) as typeof requests
  }
}

export async function seedUsers(options: SeedOptions): Promise<void> {
  let next = options.from
  // Each worker takes the next users until none are left, so `concurrency` batches are in flight.
  const worker = async () => {
    while (next < options.to) {
      const users: UserRecord[] = []
      while (users.length * 2 < ITEMS_PER_BATCH - 1 && next < options.to) users.push(benchUser(next++))
      await writeBatch(options.documents, options.table, users.flatMap(itemsFor))
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
}
