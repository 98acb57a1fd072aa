// Tracing end to end, as in production: src/server.ts runs as its own process against the
// emulators and exports to a real OTLP/HTTP receiver on loopback (test/support/otlp-receiver.ts),
// once with each encoding. A registration continues the caller's trace: the server span is the
// child of the caller's span, the route and DynamoDB spans descend from it, the trace id is in
// every log line of the request and in problem details, and no span attribute carries the email,
// the API key, the cursor or a presigned URL.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { createAwsClients } from '../../src/aws/clients.js'
import { loadConfig } from '../../src/config/config.js'
import { createResources } from '../../src/setup/create-resources.js'
import { startEmulators, type Emulators } from '../../scripts/local/emulators.js'
import { startOtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js'
import { unassignedPort } from '../support/ports.js'
import { coverageEnvironment, newApiKey, TEST_CREDENTIALS, testEnvironment } from '../support/test-stack.js'

const START_LIMIT_MS = 30_000
const SERVER = 2
const CLIENT = 3

interface LogLine {
  reqId?: string
  msg?: string
  trace_id?: string
  span_id?: string
}

describe('tracing (OTLP/HTTP to a receiver on loopback)', () => {
  let emulators: Emulators
  before(async () => {
    emulators = await startEmulators()
    const config = loadConfig(testEnvironment({ API_KEYS: newApiKey() }))
    const clients = createAwsClients(config.aws, undefined, { dynamodbEndpoint: emulators.dynamoEndpoint, s3Endpoint: emulators.s3Endpoint, credentials: TEST_CREDENTIALS })
    await createResources(clients, { table: config.table, bucket: config.avatars.bucket })
    clients.destroy()
  })
  after(async () => {
    await emulators.stop()
  })

  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    it(`${protocol}: one trace per request continuing the caller's, route and DynamoDB spans beneath, ids in logs and problems, nothing personal`, async () => {
      const receiver = await startOtlpReceiver()
      const apiKey = newApiKey()
      const port = await unassignedPort()
      let metricsPort = await unassignedPort()
      while (metricsPort === port) metricsPort = await unassignedPort()
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH,
          ...coverageEnvironment(),
          ...testEnvironment({ API_KEYS: apiKey, LOG_LEVEL: 'info' }),
          HOST: '127.0.0.1',
          PORT: String(port),
          METRICS_PORT: String(metricsPort),
          SHUTDOWN_DRAIN_SECONDS: '0',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
          AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamoEndpoint,
          AWS_ENDPOINT_URL_S3: emulators.s3Endpoint,
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          // As the chart sets it: detected and kept next to the configured service name.
          OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=tracing-test,service.name=overridden',
        },
      })
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
      const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
      // The caller's span, as a load balancer or another service would send it.
      const callerTraceId = randomBytes(16).toString('hex')
      const callerSpanId = randomBytes(8).toString('hex')
      const email = `ada.${randomBytes(4).toString('hex')}@example.com`
      let registrationRequestId = ''
      try {
        const api = `http://127.0.0.1:${port}`
        const started = performance.now()
        while (!(await fetch(`${api}/readyz`).then((response) => response.ok, () => false))) {
          assert.equal(child.exitCode, null, `the server exited:\n${output}`)
          assert.ok(performance.now() - started < START_LIMIT_MS, `not ready after ${START_LIMIT_MS} ms:\n${output}`)
          await sleep(50)
        }

        const headers = { 'x-api-key': apiKey, 'content-type': 'application/json', traceparent: `00-${callerTraceId}-${callerSpanId}-01` }
        const registered = await fetch(`${api}/user`, { method: 'POST', headers, body: JSON.stringify({ name: 'Ada Tracing', email }) })
        assert.equal(registered.status, 201)
        const registration = (await registered.json()) as { user: { id: string }; avatar_upload: { url: string; fields: Record<string, string> } }
        registrationRequestId = registered.headers.get('x-request-id')!

        // A problem names its trace, so whoever reports it can quote it.
        const duplicate = await fetch(`${api}/user`, { method: 'POST', headers, body: JSON.stringify({ name: 'Ada Again', email }) })
        assert.equal(duplicate.status, 409)
        assert.equal(((await duplicate.json()) as { trace_id?: string }).trace_id, callerTraceId)
        // A fresh trace when the caller sends none; a body that quotes the email in a JSON error.
        const malformed = await fetch(`${api}/user`, { method: 'POST', headers: { 'x-api-key': apiKey, 'content-type': 'application/json' }, body: `{"email": "${email}"` })
        assert.equal(malformed.status, 400)
        const malformedTraceId = ((await malformed.json()) as { trace_id?: string }).trace_id
        assert.match(malformedTraceId ?? '', /^[0-9a-f]{32}$/)
        assert.notEqual(malformedTraceId, callerTraceId)
        // An S3 call (the avatar is looked for while its upload window is open) and a cursor.
        assert.equal((await fetch(`${api}/users/${registration.user.id}`, { headers })).status, 200)
        const page = await fetch(`${api}/users?limit=1`, { headers })
        assert.equal(page.status, 200)
        const cursor = /cursor=([^>&]+)/.exec(page.headers.get('link') ?? '')?.[1]
        if (cursor) assert.equal((await fetch(`${api}/users?limit=1&cursor=${cursor}`, { headers })).status, 200)
        // Probes are not traced.
        assert.equal((await fetch(`${api}/healthz`)).status, 200)
      } finally {
        // SIGTERM: the server closes and exports what it still holds before it exits.
        child.kill('SIGTERM')
        const [code] = await exited
        await receiver.close()
        assert.equal(code, 0, output)
      }

      const spans = receiver.spans
      assert.ok(receiver.contentTypes.every((type) => type.startsWith(protocol === 'http/json' ? 'application/json' : 'application/x-protobuf')), receiver.contentTypes.join())
      const callerTrace = spans.filter((span) => span.traceId === callerTraceId)
      const servers = callerTrace.filter((span) => span.kind === SERVER)
      // The registration and the duplicate, each a server span continuing the caller's span.
      assert.equal(servers.length >= 2, true, describeSpans(callerTrace))
      for (const server of servers) assert.equal(server.parentSpanId, callerSpanId)
      const registrationServer = servers[0]!
      assert.equal(registrationServer.attributes['http.route'], '/user')
      assert.equal(registrationServer.resource['service.name'], 'user-api')
      assert.equal(registrationServer.resource['service.namespace'], 'tracing-test')
      const beneath = descendants(callerTrace, registrationServer)
      const route = beneath.find((span) => span.attributes['http.route'] === '/user' && span.name.startsWith('handler'))
      assert.ok(route, `no route handler span under the server span:\n${describeSpans(callerTrace)}`)
      const dynamo = beneath.filter((span) => span.kind === CLIENT && span.attributes['rpc.service'] === 'DynamoDB')
      assert.ok(dynamo.length >= 2, `expected the email claim and the user record:\n${describeSpans(callerTrace)}`)
      for (const span of dynamo) {
        assert.equal(span.attributes['db.namespace'] ?? span.attributes['db.name'], 'users-test')
        assert.equal(span.status.code, 0, `${span.name} succeeded`)
      }
      assert.deepEqual(dynamo.map((span) => span.attributes['rpc.method']).slice(0, 2), ['PutItem', 'PutItem'])
      // The duplicate's claim failed: its DynamoDB span says so (status ERROR) with the exception type only.
      const failedClaim = descendants(callerTrace, servers[1]!).find((span) => span.kind === CLIENT && span.status.code === 2)
      assert.ok(failedClaim, `no failed DynamoDB span under the duplicate:\n${describeSpans(callerTrace)}`)
      assert.equal(failedClaim.status.message, '')
      assert.deepEqual(Object.keys(failedClaim.events[0]?.attributes ?? {}), ['exception.type'])
      const s3 = spans.filter((span) => span.kind === CLIENT && span.attributes['rpc.service'] === 'S3')
      assert.ok(s3.length > 0 && s3.every((span) => span.attributes['rpc.method'] === 'HeadObject'), describeSpans(s3))
      if (process.env.SHOW_SPANS) console.log(describeSpans(spans))
      assert.ok(!spans.some((span) => span.attributes['url.path'] === '/healthz' || span.attributes['http.target'] === '/healthz'), 'probes are not traced')

      // Every log line of the registration carries the caller's trace id.
      const lines = output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogLine)
      const registrationLines = lines.filter((line) => line.reqId === registrationRequestId)
      assert.ok(registrationLines.some((line) => line.msg === 'request completed'), output)
      for (const line of registrationLines) assert.equal(line.trace_id, callerTraceId, JSON.stringify(line))

      // Nothing personal or secret in what left the process.
      const exported = JSON.stringify(spans)
      for (const secret of [email, email.split('@')[0]!, 'Ada', 'X-Amz-', 'Signature', 'cursor=']) {
        assert.ok(!exported.includes(secret), `an exported span holds ${JSON.stringify(secret)}`)
      }
      assert.ok(!exported.includes(apiKey), 'an exported span holds the API key')
    })
  }
})

function descendants(spans: readonly ReceivedSpan[], ancestor: ReceivedSpan): ReceivedSpan[] {
  const found: ReceivedSpan[] = []
  const parents = new Set([ancestor.spanId])
  for (let grew = true; grew; ) {
    grew = false
    for (const span of spans) {
      if (parents.has(span.parentSpanId) && !parents.has(span.spanId)) {
        parents.add(span.spanId)
        found.push(span)
        grew = true
      }
    }
  }
  return found
}

const describeSpans = (spans: readonly ReceivedSpan[]) =>
  spans.map((span) => `${span.spanId} <- ${span.parentSpanId || '(root)'} kind ${span.kind} ${span.name} ${JSON.stringify(span.attributes)}`).join('\n')
