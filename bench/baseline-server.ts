// The bench's yardstick: the least a server can do for the service's requests. A bare `node:http`
// server with the service's own AWS client settings (aws/clients.ts, without its metrics and queue
// middleware) that makes the same AWS calls for each request: for a registration the email claim
// and the user record (two conditional PutItem) and a presigned POST with the same conditions; for
// a page of users one Scan of the index. It authenticates the API key and signs cursors with the
// service's own code, and validates the body only as far as it needs to build the item. No
// framework, no logging, no metrics, no rate limits, no security headers, no undo on failure.
// The bench prints every scenario's CPU per request as a ratio to this server's (docs/performance.md).
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { DescribeTableCommand, DynamoDBClient, PutItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb'
import { S3Client } from '@aws-sdk/client-s3'
import { createPresignedPost } from '@aws-sdk/s3-presigned-post'
import { createApiKeyVerifier } from '../src/auth/api-keys.js'
import { dynamoClientSettings, s3ClientSettings } from '../src/aws/clients.js'
import { DEFAULT_AWS_CALL_SETTINGS } from '../src/config/config.js'
import { decodeCursor, encodeCursor } from '../src/users/cursor.js'

const env = process.env
const required = (name: string) => {
  const value = env[name]
  if (!value) throw new Error(`${name} is required`)
  return value
}
const table = required('DYNAMODB_TABLE')
const bucket = required('S3_BUCKET')
const verifyApiKey = createApiKeyVerifier(required('API_KEYS').split(','))
const aws = { ...DEFAULT_AWS_CALL_SETTINGS, region: required('AWS_REGION'), s3ForcePathStyle: env.S3_FORCE_PATH_STYLE === 'true', longestPresignedTtlSeconds: 900 }
const dynamo = new DynamoDBClient(dynamoClientSettings(aws))
const s3 = new S3Client(s3ClientSettings(aws))
const UPLOAD_TTL_SECONDS = 900
const MAX_AVATAR_BYTES = 2 * 1024 * 1024
const CLAIMABLE = 'attribute_not_exists(pk) OR (attribute_exists(undone_at) AND NOT contains(undone_by, :id))'

let ready = false

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  response.end(body === undefined ? undefined : JSON.stringify(body))
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

const text = (value: AttributeValue | undefined) => value?.S ?? ''

async function register(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = (await readJson(request)) as { name?: unknown; email?: unknown }
  if (typeof body.name !== 'string' || typeof body.email !== 'string') {
    send(response, 400, { title: 'Bad Request' })
    return
  }
  const id = randomUUID()
  const createdAt = new Date().toISOString()
  const key = `avatars/${id}`
  const upload = await createPresignedPost(s3, {
    Bucket: bucket,
    Key: key,
    Conditions: [['content-length-range', 1, MAX_AVATAR_BYTES], { 'Content-Type': 'image/png' }],
    Fields: { 'Content-Type': 'image/png' },
    Expires: UPLOAD_TTL_SECONDS,
  })
  const email = body.email.trim()
  const normalized = email.toLowerCase()
  const expiresAt = new Date(Date.now() + UPLOAD_TTL_SECONDS * 1000).toISOString()
  await dynamo.send(
    new PutItemCommand({
      TableName: table,
      Item: { pk: { S: `EMAIL#${normalized}` }, claimed_by: { S: id }, claimed_at: { S: createdAt } },
      ConditionExpression: CLAIMABLE,
      ExpressionAttributeValues: { ':id': { S: id } },
    }),
  )
  const name = body.name.trim()
  await dynamo.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        pk: { S: `USER#${id}` }, user_id: { S: id }, name: { S: name }, email: { S: email }, email_normalized: { S: normalized },
        created_at: { S: createdAt }, avatar_key: { S: key }, avatar_content_type: { S: 'image/png' }, avatar_upload_expires_at: { S: expiresAt },
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  )
  const user = { id, name, email, avatar_url: null, created_at: createdAt }
  send(response, 201, { user, avatar_upload: { method: 'POST', url: upload.url, fields: upload.fields, max_bytes: MAX_AVATAR_BYTES, expires_at: expiresAt } }, { location: `/users/${id}` })
}

async function list(url: URL, cursorKey: Buffer, response: ServerResponse): Promise<void> {
  const limit = Number(url.searchParams.get('limit') ?? 20)
  const cursor = url.searchParams.get('cursor')
  const startKey = cursor === null ? undefined : decodeCursor(cursor, cursorKey)
  const page = await dynamo.send(
    new ScanCommand({
      TableName: table,
      IndexName: 'users-by-id',
      Limit: limit,
      ...(startKey ? { ExclusiveStartKey: { pk: { S: startKey.pk }, user_id: { S: startKey.user_id } } } : {}),
    }),
  )
  const users = (page.Items ?? []).map((item) => ({ id: text(item.user_id), name: text(item.name), email: text(item.email), avatar_url: null, created_at: text(item.created_at) }))
  const last = page.LastEvaluatedKey
  const next = last && encodeCursor({ pk: text(last.pk), user_id: text(last.user_id) }, cursorKey)
  send(response, 200, users, next ? { link: `</users?${new URLSearchParams({ limit: String(limit), cursor: next }).toString()}>; rel="next"` } : {})
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://baseline')
  const header = request.headers['x-api-key']
  const caller = typeof header === 'string' ? verifyApiKey(header) : undefined
  if (url.pathname === '/readyz') send(response, ready ? 200 : 503, { ready })
  else if (!caller) send(response, 401, { title: 'Unauthorized' })
  else if (request.method === 'POST' && url.pathname === '/user') await register(request, response)
  else if (request.method === 'GET' && url.pathname === '/users') await list(url, caller.cursorKey, response)
  else send(response, 404, { title: 'Not Found' })
}

const server = createServer((request, response) => {
  handle(request, response).catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`)
    if (!response.headersSent) send(response, 500, { title: 'Internal Server Error' })
    else response.destroy()
  })
})
server.keepAliveTimeout = 72_000
server.listen(Number(required('PORT')), env.HOST ?? '127.0.0.1')
await dynamo.send(new DescribeTableCommand({ TableName: table }))
ready = true
process.once('SIGTERM', () => {
  server.close()
  server.closeAllConnections()
  dynamo.destroy()
  s3.destroy()
})
