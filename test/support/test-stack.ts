// A whole service for one test file: in-memory dynalite and s3rver on random loopback ports, the
// table and bucket created, and the real app built against them with a freshly generated key.
// Every response the app sends is checked against the OpenAPI document (response-contract.ts).
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { buildApp, type BuildOptions } from '../../src/app.js'
import { createAwsClients, type AwsOverrides } from '../../src/aws/clients.js'
import { loadConfig, type Config } from '../../src/config/config.js'
import { createResources } from '../../src/setup/create-resources.js'
import { EMULATOR_CREDENTIALS, startEmulators, type Emulators } from '../../scripts/local/emulators.js'
import { enforceResponseContract, ResponseContractError } from './response-contract.js'

export const TEST_CREDENTIALS = EMULATOR_CREDENTIALS

export interface TestStack {
  app: FastifyInstance
  config: Config
  apiKey: string
  emulators: Emulators
  close(): Promise<void>
}

export const newApiKey = () => randomBytes(24).toString('base64url')

/**
 * What a service started as a child process with an environment of its own needs from this one so
 * that `npm test`'s coverage (c8, through NODE_V8_COVERAGE) counts the code it runs.
 */
export const coverageEnvironment = (): Record<string, string> => (process.env.NODE_V8_COVERAGE ? { NODE_V8_COVERAGE: process.env.NODE_V8_COVERAGE } : {})

export function testEnvironment(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    DYNAMODB_TABLE: 'users-test',
    S3_BUCKET: 'avatars-test',
    S3_FORCE_PATH_STYLE: 'true',
    LOG_LEVEL: 'silent',
    AWS_MAX_ATTEMPTS: '2',
    // Fuzzers, floods of bad tokens and load tests are not normal clients: the rate limits are off
    // unless a test turns them on (test/rate-limits/).
    RATE_LIMIT_REGISTRATION: '0',
    RATE_LIMIT_READS: '0',
    RATE_LIMIT_DELETES: '0',
    RATE_LIMIT_AUTH_FAILURES: '0',
    // The web page has tests of its own (test/web/), which build it first.
    WEB_PAGE_ENABLED: 'false',
    ...overrides,
  }
}

export async function startTestStack(
  env: Record<string, string> = {},
  // endpoints and appEnv change only what the app sees, e.g. a broken endpoint or a missing table;
  // the emulators and their table and bucket are set up as usual.
  options: Omit<BuildOptions, 'aws'> & {
    endpoints?: { dynamodb?: string; s3?: string }
    // What the app signs with (e.g. a source of expiring credentials); the emulators accept any.
    credentials?: AwsOverrides['credentials']
    appEnv?: Record<string, string>
    // Extra routes or hooks a test needs (e.g. a deliberately slow route), added before the app is ready.
    extraRoutes?: (app: FastifyInstance) => void
  } = {},
): Promise<TestStack> {
  const apiKey = newApiKey()
  // Configuration first: a test of a bad setting must not leave emulators running.
  const config = loadConfig(testEnvironment({ API_KEYS: apiKey, ...env }))
  const { appEnv, endpoints, extraRoutes, credentials, ...buildOptions } = options
  const appConfig = appEnv ? loadConfig(testEnvironment({ API_KEYS: apiKey, ...env, ...appEnv })) : config
  const emulators = await startEmulators()
  const setupClients = createAwsClients(config.aws, undefined, {
    dynamodbEndpoint: emulators.dynamoEndpoint,
    s3Endpoint: emulators.s3Endpoint,
    credentials: TEST_CREDENTIALS,
  })
  await createResources(setupClients, { table: config.table, bucket: config.avatars.bucket })
  setupClients.destroy()
  const app = await buildApp(appConfig, {
    ...buildOptions,
    aws: {
      dynamodbEndpoint: endpoints?.dynamodb ?? emulators.dynamoEndpoint,
      s3Endpoint: endpoints?.s3 ?? emulators.s3Endpoint,
      credentials: credentials ?? TEST_CREDENTIALS,
    },
  })
  extraRoutes?.(app)
  // After the test's own hooks, so the check sees the response as it leaves.
  const contract = await enforceResponseContract(app)
  await app.ready()
  return {
    app,
    config: appConfig,
    apiKey,
    emulators,
    async close() {
      await app.close()
      await emulators.stop()
      // Responses that reached the test over a socket rather than through app.inject.
      const unreported = contract.takeUnreported()
      if (unreported.length > 0) throw new ResponseContractError(unreported)
    },
  }
}

/** buildApp for tests that need a second app on a stack's emulators: responses checked the same way. */
export async function buildTestApp(config: Config, options: BuildOptions): Promise<FastifyInstance> {
  const app = await buildApp(config, options)
  const contract = await enforceResponseContract(app)
  app.addHook('onClose', async () => {
    const unreported = contract.takeUnreported()
    if (unreported.length > 0) throw new ResponseContractError(unreported)
  })
  return app
}
