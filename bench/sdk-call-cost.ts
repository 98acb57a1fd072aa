// `npx tsx bench/sdk-call-cost.ts`: the AWS SDK's own CPU per DynamoDB PutItem, in-process, with a
// canned HTTP answer instead of a network, for each way of calling it: the document client, the
// plain client, and the plain client with its middleware resolved once (cacheMiddleware, what the
// service uses), each with and without account-id endpoints. Variants run in alternating batches
// of the same size; the median batch is printed. No emulator, no socket: only the SDK's work
// (middleware, endpoint resolution, serialization, SigV4, retry bookkeeping, parsing the answer).
import { Readable } from 'node:stream'
import { DynamoDBClient, PutItemCommand, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb'
import { HttpResponse } from '@smithy/core/protocols'
import { userItem, type UserRecord } from '../src/users/user-items.js'

const WARMUP_CALLS = 5000
const CALLS_PER_BATCH = 3000
const BATCHES = 9

const cannedAnswer = {
  handle: () => Promise.resolve({ response: new HttpResponse({ statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Readable.from([Buffer.from('{}')]) }) }),
  updateHttpClientConfig: () => undefined,
  httpHandlerConfigs: () => ({}),
  destroy: () => undefined,
}
// Placeholder credentials: nothing is sent anywhere.
const settings: DynamoDBClientConfig = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'BENCH', secretAccessKey: 'BENCH', accountId: '000000000000' },
  requestHandler: cannedAnswer,
  maxAttempts: 3,
}
const id = '123e4567-e89b-12d3-a456-426614174000'
const user: UserRecord = {
  pk: `USER#${id}`, user_id: id, name: 'Load Test', email: 'load@example.com', email_normalized: 'load@example.com',
  created_at: new Date().toISOString(), avatar_key: `avatars/${id}`, avatar_content_type: 'image/png', avatar_upload_expires_at: new Date().toISOString(),
}
const condition = 'attribute_not_exists(pk)'

function plain(extra: Partial<DynamoDBClientConfig>): () => Promise<unknown> {
  const client = new DynamoDBClient({ ...settings, ...extra })
  return () => client.send(new PutItemCommand({ TableName: 'users', Item: userItem(user), ConditionExpression: condition }))
}
const documents = DynamoDBDocumentClient.from(new DynamoDBClient(settings))
const variants: Record<string, () => Promise<unknown>> = {
  'document client (lib-dynamodb)': () => documents.send(new PutCommand({ TableName: 'users', Item: user, ConditionExpression: condition })),
  'plain client, items converted by hand': plain({}),
  'plain client, middleware resolved once': plain({ cacheMiddleware: true }),
  'the same, account-id endpoints off': plain({ cacheMiddleware: true, accountIdEndpointMode: 'disabled' }),
}

const batches = new Map<string, number[]>()
for (const call of Object.values(variants)) for (let i = 0; i < WARMUP_CALLS; i++) await call()
for (let batch = 0; batch < BATCHES; batch++) {
  for (const [name, call] of Object.entries(variants)) {
    const before = process.cpuUsage()
    for (let i = 0; i < CALLS_PER_BATCH; i++) await call()
    const used = process.cpuUsage(before)
    batches.set(name, [...(batches.get(name) ?? []), (used.user + used.system) / CALLS_PER_BATCH])
  }
}
for (const [name, values] of batches) {
  const sorted = [...values].sort((a, b) => a - b)
  process.stdout.write(`${name.padEnd(40)} ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1).padStart(6)} µs CPU per PutItem (batches ${sorted[0]!.toFixed(1)}-${sorted.at(-1)!.toFixed(1)})\n`)
}
