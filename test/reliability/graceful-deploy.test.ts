// Deployment safety with the real entry point: src/server.ts runs as its own process on emulators
// hosted here, a client routes a steady stream of requests to it the way a load balancer does
// (only while /readyz answers 200), and the process receives SIGTERM as Kubernetes sends it on a
// rollout. No request may fail on the client side and the process must exit 0 in time.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { createAwsClients } from '../../src/aws/clients.js'
import { loadConfig } from '../../src/config/config.js'
import { createResources } from '../../src/setup/create-resources.js'
import { startEmulators, type Emulators } from '../../scripts/local/emulators.js'
import { unassignedPort } from '../support/ports.js'
import { fetchedResponseViolations, responseContract, type ResponseContract } from '../support/response-contract.js'
import { coverageEnvironment, newApiKey, TEST_CREDENTIALS, testEnvironment } from '../support/test-stack.js'

const DRAIN_SECONDS = 2
const TIMEOUT_SECONDS = 5
const PROBE_INTERVAL_MS = 100
const WORKERS = 4
const STEADY_BEFORE_SIGTERM_MS = 1500
const STARTUP_LIMIT_MS = 30_000
const SLACK_MS = 1000

interface Sent {
  at: number
  route: string
  status?: number
  error?: string
  /** What differs from the OpenAPI document in the response, checked after the run so as not to slow the stream. */
  violations?: (checker: ResponseContract) => string[]
}

// Routes requests only while the last readiness probe said 200, as a load balancer (or a
// Kubernetes Service once the endpoint is marked not ready) does.
class ReadinessAwareClient {
  routing = false
  stopped = false
  notReadySince: number | undefined
  readonly sent: Sent[] = []
  private readonly loops: Promise<void>[] = []
  private counter = 0
  private readonly knownIds: string[] = []

  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  start(): void {
    this.loops.push(this.probe(), ...Array.from({ length: WORKERS }, () => this.work()))
  }

  async stop(): Promise<void> {
    this.stopped = true
    await Promise.all(this.loops)
  }

  private async probe(): Promise<void> {
    while (!this.stopped) {
      let ready: boolean
      try {
        const response = await fetch(`${this.baseUrl}/readyz`, { signal: AbortSignal.timeout(1000) })
        await response.arrayBuffer()
        ready = response.status === 200
      } catch {
        ready = false
      }
      if (!ready && this.routing) this.notReadySince = performance.now()
      this.routing = ready
      await sleep(PROBE_INTERVAL_MS)
    }
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      if (!this.routing) {
        await sleep(10)
        continue
      }
      await this.sendOne()
    }
  }

  private async sendOne(): Promise<void> {
    const turn = this.counter++
    const headers = { 'x-api-key': this.apiKey, 'content-type': 'application/json' }
    const id = this.knownIds[turn % Math.max(1, this.knownIds.length)]
    const [route, url, init]: [string, string, RequestInit] =
      turn % 3 === 0 || id === undefined
        ? ['POST /user', `${this.baseUrl}/user`, { method: 'POST', headers, body: JSON.stringify({ name: 'Rollout', email: `rollout-${turn}@example.com` }) }]
        : turn % 3 === 1
          ? ['GET /users', `${this.baseUrl}/users?limit=20`, { headers }]
          : ['GET /users/{id}', `${this.baseUrl}/users/${id}`, { headers }]
    const sent: Sent = { at: performance.now(), route }
    this.sent.push(sent)
    try {
      const response = await fetch(url, init)
      const body = await response.text()
      sent.status = response.status
      sent.violations = (checker) => fetchedResponseViolations(checker, init.method ?? 'GET', url, response, body)
      if (response.status === 201) this.knownIds.push((JSON.parse(body) as { user: { id: string } }).user.id)
    } catch (error) {
      sent.error = String((error as Error).cause ?? error)
    }
  }
}

describe('deployment safety: SIGTERM under steady traffic', () => {
  let emulators: Emulators
  let server: ChildProcess | undefined
  let output = ''
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>
  let baseUrl: string
  let startupMs: number
  const apiKey = newApiKey()

  before(async () => {
    emulators = await startEmulators()
    const config = loadConfig(testEnvironment({ API_KEYS: apiKey }))
    const setup = createAwsClients(config.aws, undefined, { dynamodbEndpoint: emulators.dynamoEndpoint, s3Endpoint: emulators.s3Endpoint, credentials: TEST_CREDENTIALS })
    await createResources(setup, { table: config.table, bucket: config.avatars.bucket })
    setup.destroy()

    const port = await unassignedPort()
    let metricsPort = await unassignedPort()
    while (metricsPort === port) metricsPort = await unassignedPort()
    baseUrl = `http://127.0.0.1:${port}`
    const started = performance.now()
    server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        ...coverageEnvironment(),
        HOST: '127.0.0.1',
        PORT: String(port),
        METRICS_PORT: String(metricsPort),
        AWS_REGION: config.aws.region,
        DYNAMODB_TABLE: config.table,
        S3_BUCKET: config.avatars.bucket,
        S3_FORCE_PATH_STYLE: 'true',
        AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamoEndpoint,
        AWS_ENDPOINT_URL_S3: emulators.s3Endpoint,
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        AWS_EC2_METADATA_DISABLED: 'true',
        API_KEYS: apiKey,
        LOG_LEVEL: 'info',
        SHUTDOWN_DRAIN_SECONDS: String(DRAIN_SECONDS),
        SHUTDOWN_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS),
        // Run from source: the web page is not built here (its own tests cover it).
        WEB_PAGE_ENABLED: 'false',
      },
    })
    const child = server
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        resolve({ code, signal, at: performance.now() })
      })
    })
    for (;;) {
      const ready = await fetch(`${baseUrl}/readyz`).then((response) => response.status === 200, () => false)
      if (ready) break
      assert.equal(child.exitCode, null, `the server exited during start-up:\n${output}`)
      assert.ok(performance.now() - started < STARTUP_LIMIT_MS, `not ready after ${STARTUP_LIMIT_MS} ms:\n${output}`)
      await sleep(50)
    }
    startupMs = Math.round(performance.now() - started)
  })
  after(async () => {
    if (server?.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL')
      await exited
    }
    await emulators.stop()
  })

  it('fails no request, turns unready at once, drains and exits 0 within drain + timeout', async (t) => {
    const client = new ReadinessAwareClient(baseUrl, apiKey)
    client.start()
    await sleep(STEADY_BEFORE_SIGTERM_MS)
    assert.ok(client.routing, 'traffic flows before the signal')

    const signalledAt = performance.now()
    server!.kill('SIGTERM')
    const exit = await Promise.race([exited, sleep((DRAIN_SECONDS + TIMEOUT_SECONDS) * 1000 + 5 * SLACK_MS, undefined, { ref: false })])
    await client.stop()
    assert.ok(exit, `the server did not exit:\n${output}`)

    const failures = client.sent.filter(({ status, error }) => error !== undefined || status === undefined || status >= 300)
    assert.deepEqual(failures, [], 'no request failed on the client side')
    const checker = await responseContract()
    assert.deepEqual(client.sent.flatMap(({ violations }) => violations?.(checker) ?? []), [], 'every response as the OpenAPI document says')
    const afterSignal = client.sent.filter(({ at }) => at >= signalledAt)
    assert.ok(client.sent.length >= 20, `a steady stream was sent (${client.sent.length})`)
    assert.ok(afterSignal.length > 0, 'requests kept arriving after SIGTERM, before the client saw readiness change')

    assert.equal(exit.signal, null)
    assert.equal(exit.code, 0, output)
    const exitMs = Math.round(exit.at - signalledAt)
    assert.ok(exitMs >= DRAIN_SECONDS * 1000, `kept serving for the drain period (exited after ${exitMs} ms)`)
    assert.ok(exitMs <= (DRAIN_SECONDS + TIMEOUT_SECONDS) * 1000 + SLACK_MS, `exited within drain + timeout (${exitMs} ms)`)
    assert.ok(client.notReadySince !== undefined, 'readiness turned 503')
    const unreadyMs = Math.round(client.notReadySince - signalledAt)
    assert.ok(unreadyMs <= PROBE_INTERVAL_MS + SLACK_MS, `readiness turned 503 ${unreadyMs} ms after SIGTERM`)

    assert.match(output, /draining: readiness is now 503/)
    assert.match(output, /server closed/)
    assert.ok(!output.includes(apiKey), 'the API key never reaches the log')
    const lastSent = Math.max(...client.sent.map(({ at }) => at))
    t.diagnostic(
      `server ready ${startupMs} ms after spawn; ${client.sent.length} requests (${afterSignal.length} after SIGTERM), 0 failed; ` +
        `/readyz 503 seen ${unreadyMs} ms after SIGTERM, last request sent ${Math.round(lastSent - signalledAt)} ms after it; ` +
        `exit code 0 after ${exitMs} ms (drain ${DRAIN_SECONDS} s, timeout ${TIMEOUT_SECONDS} s)`,
    )
  })
})
