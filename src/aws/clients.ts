// AWS clients are created once per process and shared: one keep-alive connection pool per service,
// bounded timeouts and retries. Credentials come only from the SDK's default provider chain
// (environment, web identity/IRSA, EKS Pod Identity, instance role), one refreshing source shared
// by both clients (aws/credentials.ts); this code never reads keys.
// Endpoints for emulators come from the SDK's own AWS_ENDPOINT_URL(_DYNAMODB/_S3) variables.
import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import { createRequire } from 'node:module'
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, DeserializeMiddleware, InitializeMiddleware, MiddlewareStack } from '@smithy/types'
import type { Config } from '../config/config.js'
import type { Metrics } from '../metrics/metrics.js'
import { awsErrorCode } from './aws-errors.js'
import { CallQueue } from './call-queue.js'
import { defaultCredentialSource, RefreshingCredentials, type CredentialSource } from './credentials.js'
import { collectResponseBody } from './response-body.js'

// Enough for a burst of about 1,000 requests with one call each, a few hundred KiB at most.
const MAX_WAITING_CALLS_PER_SERVICE = 4096
// The readiness probe's one call must not wait behind the traffic whose backend it checks, or a
// busy pod would be taken out of the Service and put back in a loop.
const UNQUEUED_COMMANDS = new Set(['DescribeTableCommand'])

function httpHandler(aws: Config['aws']): NodeHttpHandler {
  // One spare socket per service for the unqueued readiness call.
  const agentOptions = { keepAlive: true, maxSockets: aws.maxConnections + 1 }
  return new NodeHttpHandler({
    httpAgent: new HttpAgent(agentOptions),
    httpsAgent: new HttpsAgent(agentOptions),
    connectionTimeout: aws.connectTimeoutMs,
    requestTimeout: aws.requestTimeoutMs,
    // Without this a stalled request only logs a warning and hangs; with it, it fails and is retried.
    throwOnRequestTimeout: true,
  })
}

interface Stack<Input extends object, Output extends object> {
  middlewareStack: MiddlewareStack<Input, Output>
}

// In the deserialize step, so inside the SDK's retry loop: each attempt holds a slot from before
// it is sent until its answer has been read and its connection is back in the pool.
function queueAttempts<Input extends object, Output extends object>(client: Stack<Input, Output>, queue: CallQueue): void {
  const middleware: DeserializeMiddleware<Input, Output> = (next, context) => async (args) => {
    if (UNQUEUED_COMMANDS.has(context.commandName ?? '')) return next(args)
    const release = await queue.acquire()
    try {
      return await next(args)
    } finally {
      release()
    }
  }
  client.middlewareStack.add(middleware, { step: 'deserialize', name: 'userApiCallQueue', priority: 'high' })
}

function callQueue(aws: Config['aws'], awsService: string, metrics: Metrics | undefined): CallQueue {
  const queue = new CallQueue({ maxActive: aws.maxConnections, timeoutMs: aws.queueTimeoutMs, maxWaiting: MAX_WAITING_CALLS_PER_SERVICE })
  metrics?.watchCallQueue(awsService, queue)
  return queue
}

// Times every call (retries included) and counts failures, by service and operation.
function observe<Input extends object, Output extends object>(client: Stack<Input, Output>, awsService: string, metrics: Metrics | undefined): void {
  if (!metrics) return
  const middleware: InitializeMiddleware<Input, Output> = (next, context) => async (args) => {
    const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '')
    const stopTimer = metrics.awsCallDuration.startTimer({ aws_service: awsService, operation })
    try {
      const result = await next(args)
      stopTimer({ outcome: 'success' })
      return result
    } catch (error) {
      stopTimer({ outcome: 'error' })
      metrics.awsCallErrors.inc({ aws_service: awsService, operation, error_code: awsErrorCode(error) })
      throw error
    }
  }
  client.middlewareStack.add(middleware, { step: 'initialize', name: 'userApiMetrics' })
}

export interface AwsClients {
  dynamo: DynamoDBClient
  /**
   * For tools and tests: a document client on a DynamoDB client of its own, made on first use. The
   * service's client resolves each command's middleware once (cacheMiddleware), which the document
   * client does not support, and the service itself marshals its items (users/user-items.ts).
   */
  readonly documents: DynamoDBDocumentClient
  s3: S3Client
  destroy(): void
}

// Seams for tests and tools that run several stacks in one process; the service itself relies on
// the SDK's own environment variables and credential chain.
export interface AwsOverrides {
  dynamodbEndpoint?: string
  s3Endpoint?: string
  /** Fixed credentials, or a source of expiring ones (it is asked with forceRefresh to renew). */
  credentials?: AwsCredentialIdentity | CredentialSource
}

interface CredentialWarnings {
  warn(details: object, message: string): void
}

function sharedCredentials(aws: Config['aws'], overrides: AwsOverrides, log: CredentialWarnings | undefined): RefreshingCredentials {
  const given = overrides.credentials
  const source: CredentialSource =
    typeof given === 'function'
      ? given
      : given
        ? async () => given
        : defaultCredentialSource(aws.region, aws.longestPresignedTtlSeconds, (err, requested_session_seconds) => {
            log?.warn({ err, requested_session_seconds }, 'the role refuses sessions this long (raise its max_session_duration); using STS default sessions, presigned URLs are shortened to fit')
          })
  return new RefreshingCredentials(source, {
    longestPresignedTtlSeconds: aws.longestPresignedTtlSeconds,
    onEarlyRefreshError: (err) => log?.warn({ err }, 'could not renew AWS credentials early; presigned URLs are shortened to fit the current ones'),
  })
}

/** The settings of the service's DynamoDB client; the bench's bare baseline uses them too. */
export function dynamoClientSettings(aws: Config['aws'], overrides: Pick<AwsOverrides, 'dynamodbEndpoint'> & { credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider } = {}): DynamoDBClientConfig {
  return {
    region: aws.region,
    maxAttempts: aws.maxAttempts,
    requestHandler: httpHandler(aws),
    // One copy of each answer instead of two (aws/response-body.ts).
    streamCollector: collectResponseBody,
    ...(overrides.credentials ? { credentials: overrides.credentials } : {}),
    ...(overrides.dynamodbEndpoint ? { endpoint: overrides.dynamodbEndpoint } : {}),
    // Each command's middleware stack is resolved into a handler on its first call and kept,
    // instead of on every call: about a quarter of the SDK's CPU per PutItem
    // (docs/performance.md). The stack is complete before the first call (the metrics and queue
    // middleware are added right after the client is made), and the document client, which
    // cannot work this way, is not used by the service. A call with options (an abort signal)
    // resolves its own handler.
    cacheMiddleware: true,
  }
}

export function createAwsClients(aws: Config['aws'], metrics?: Metrics, overrides: AwsOverrides = {}, log?: CredentialWarnings): AwsClients {
  const credentials = sharedCredentials(aws, overrides, log).provider
  const dynamo = new DynamoDBClient(dynamoClientSettings(aws, { ...overrides, credentials }))
  observe(dynamo, 'dynamodb', metrics)
  queueAttempts(dynamo, callQueue(aws, 'dynamodb', metrics))
  const s3 = createS3Client(aws, { ...overrides, credentials })
  observe(s3, 's3', metrics)
  queueAttempts(s3, callQueue(aws, 's3', metrics))
  let documents: DynamoDBDocumentClient | undefined
  return {
    dynamo,
    get documents() {
      if (!documents) {
        // Loaded only here: the service never needs it.
        const { DynamoDBDocumentClient: Documents } = createRequire(import.meta.url)('@aws-sdk/lib-dynamodb') as typeof import('@aws-sdk/lib-dynamodb')
        const own = new DynamoDBClient({ ...dynamoClientSettings(aws, { ...overrides, credentials }), cacheMiddleware: false })
        documents = Documents.from(own, { marshallOptions: { removeUndefinedValues: true } })
      }
      return documents
    },
    s3,
    destroy() {
      dynamo.destroy()
      documents?.destroy()
      s3.destroy()
    },
  }
}

/** The settings of the service's S3 client; the bench's bare baseline uses them too. */
export function s3ClientSettings(
  aws: Config['aws'],
  overrides: Omit<AwsOverrides, 'credentials'> & { credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider } = {},
): S3ClientConfig {
  // Given explicitly although the SDK would read AWS_ENDPOINT_URL(_S3) itself, so that the client's
  // configuration names the endpoint its URLs point at (AvatarStorage.origin).
  const endpoint = overrides.s3Endpoint ?? aws.s3Endpoint
  return {
    region: aws.region,
    ...(endpoint ? { endpoint } : {}),
    ...(overrides.credentials ? { credentials: overrides.credentials } : {}),
    maxAttempts: aws.maxAttempts,
    forcePathStyle: aws.s3ForcePathStyle,
    requestHandler: httpHandler(aws),
    streamCollector: collectResponseBody,
    // Without this the SDK signs a CRC32 of an empty body into presigned URLs, and real S3 then
    // rejects the upload of any real file (see ../shared/TOOLING.md, presigning pitfalls).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  }
}

export function createS3Client(
  aws: Config['aws'],
  overrides: Omit<AwsOverrides, 'credentials'> & { credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider } = {},
): S3Client {
  return new S3Client(s3ClientSettings(aws, overrides))
}
