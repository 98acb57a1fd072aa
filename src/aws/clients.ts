// AWS clients are created once per process and shared: one keep-alive connection pool per service,
// bounded timeouts and retries. Credentials come only from the SDK's default provider chain
// (environment, web identity/IRSA, EKS Pod Identity, instance role); this code never reads keys.
// Endpoints for emulators come from the SDK's own AWS_ENDPOINT_URL(_DYNAMODB/_S3) variables.
import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { S3Client } from '@aws-sdk/client-s3'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import type { AwsCredentialIdentity } from '@smithy/types'
import type { Config } from '../config/config.js'
import type { Metrics } from '../metrics/metrics.js'
import { awsErrorCode } from './aws-errors.js'

const MAX_SOCKETS_PER_SERVICE = 128

function httpHandler(aws: Config['aws']): NodeHttpHandler {
  const agentOptions = { keepAlive: true, maxSockets: MAX_SOCKETS_PER_SERVICE }
  return new NodeHttpHandler({
    httpAgent: new HttpAgent(agentOptions),
    httpsAgent: new HttpsAgent(agentOptions),
    connectionTimeout: aws.connectTimeoutMs,
    requestTimeout: aws.requestTimeoutMs,
    // Without this a stalled request only logs a warning and hangs; with it, it fails and is retried.
    throwOnRequestTimeout: true,
  })
}

interface ObservableClient {
  middlewareStack: {
    add: (middleware: never, options: { step: 'initialize'; name: string }) => void
  }
}

// Times every call (retries included) and counts failures, by service and operation.
function observe(client: ObservableClient, awsService: string, metrics: Metrics | undefined): void {
  if (!metrics) return
  const middleware =
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: unknown): Promise<unknown> => {
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
  client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'userApiMetrics' })
}

export interface AwsClients {
  dynamo: DynamoDBClient
  documents: DynamoDBDocumentClient
  s3: S3Client
  destroy(): void
}

// Seams for tests and tools that run several stacks in one process; the service itself relies on
// the SDK's own environment variables and credential chain.
export interface AwsOverrides {
  dynamodbEndpoint?: string
  s3Endpoint?: string
  credentials?: AwsCredentialIdentity
}

export function createAwsClients(aws: Config['aws'], metrics?: Metrics, overrides: AwsOverrides = {}): AwsClients {
  const common = { region: aws.region, maxAttempts: aws.maxAttempts, ...(overrides.credentials ? { credentials: overrides.credentials } : {}) }
  const dynamo = new DynamoDBClient({
    ...common,
    requestHandler: httpHandler(aws),
    ...(overrides.dynamodbEndpoint ? { endpoint: overrides.dynamodbEndpoint } : {}),
  })
  observe(dynamo, 'dynamodb', metrics)
  const s3 = createS3Client(aws, overrides)
  observe(s3, 's3', metrics)
  return {
    dynamo,
    documents: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
    s3,
    destroy() {
      dynamo.destroy()
      s3.destroy()
    },
  }
}

export function createS3Client(aws: Config['aws'], overrides: AwsOverrides = {}): S3Client {
  return new S3Client({
    region: aws.region,
    ...(overrides.s3Endpoint ? { endpoint: overrides.s3Endpoint } : {}),
    ...(overrides.credentials ? { credentials: overrides.credentials } : {}),
    maxAttempts: aws.maxAttempts,
    forcePathStyle: aws.s3ForcePathStyle,
    requestHandler: httpHandler(aws),
    // Without this the SDK signs a CRC32 of an empty body into presigned URLs, and real S3 then
    // rejects the upload of any real file (see ../shared/TOOLING.md, presigning pitfalls).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
}
