// The production entry point as its own process: /metrics is served on METRICS_PORT and nowhere
// else, and a port it cannot take or a bad configuration stops it with one message naming the
// settings, not a stack trace.
// No emulator is needed: the one AWS call, the early readiness check, fails here and is only logged.
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, it } from 'node:test'
import { unassignedPort } from './support/ports.js'
import { coverageEnvironment, newApiKey, testEnvironment } from './support/test-stack.js'

const START_LIMIT_MS = 30_000

async function twoPorts(): Promise<[number, number]> {
  const port = await unassignedPort()
  let metricsPort = await unassignedPort()
  while (metricsPort === port) metricsPort = await unassignedPort()
  return [port, metricsPort]
}

function startServer(port: number, metricsPort: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      ...coverageEnvironment(),
      ...testEnvironment({ API_KEYS: newApiKey(), LOG_LEVEL: 'warn' }),
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      SHUTDOWN_DRAIN_SECONDS: '0',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  return { child, exited, output: () => output }
}

describe('src/server.ts', () => {
  it('serves /metrics on METRICS_PORT only', async () => {
    const [port, metricsPort] = await twoPorts()
    const server = startServer(port, metricsPort)
    try {
      const started = performance.now()
      for (;;) {
        const live = await fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.status === 200, () => false)
        if (live) break
        assert.equal(server.child.exitCode, null, `the server exited:\n${server.output()}`)
        assert.ok(performance.now() - started < START_LIMIT_MS, `not listening after ${START_LIMIT_MS} ms:\n${server.output()}`)
        await sleep(50)
      }
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
      assert.equal(metrics.status, 200)
      assert.match(await metrics.text(), /^process_cpu_seconds_total/m)
      const onApiPort = await fetch(`http://127.0.0.1:${port}/metrics`)
      await onApiPort.arrayBuffer()
      assert.equal(onApiPort.status, 404)
    } finally {
      server.child.kill('SIGTERM')
      const [code] = await server.exited
      assert.equal(code, 0, server.output())
    }
  })

  it('exits 1 with every configuration problem in one message', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'src/server.ts'],
        // Only PATH: no AWS_REGION, no table, no bucket, no key; and a port that cannot be.
        { env: { PATH: process.env.PATH, PORT: 'eighty' }, timeout: START_LIMIT_MS },
        (error, out, err) => {
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout: out, stderr: err })
        },
      )
    })
    assert.equal(code, 1, stdout + stderr)
    const lines = stderr.trim().split('\n')
    assert.deepEqual(lines.slice(0, 2), ['user-api cannot start.', 'Invalid configuration:'])
    for (const variable of ['PORT', 'AWS_REGION', 'DYNAMODB_TABLE', 'S3_BUCKET']) {
      assert.ok(lines.some((line) => line.startsWith(`  - ${variable}: `)), `${variable} in:\n${stderr}`)
    }
    assert.equal(stdout, '')
  })

  for (const taken of ['PORT', 'METRICS_PORT'] as const) {
    it(`stops with one clear line when ${taken} is taken`, async () => {
      const [port, metricsPort] = await twoPorts()
      const holder = createServer()
      holder.listen(taken === 'PORT' ? port : metricsPort, '127.0.0.1')
      await once(holder, 'listening')
      try {
        const server = startServer(port, metricsPort)
        const [code] = await server.exited
        assert.equal(code, 1)
        const takenPort = taken === 'PORT' ? port : metricsPort
        assert.match(server.output(), new RegExp(`^user-api cannot start\\.\\n${taken}: cannot listen on 127\\.0\\.0\\.1:${takenPort} \\(EADDRINUSE\\)$`, 'm'))
        assert.doesNotMatch(server.output(), /\n\s+at /, 'no stack trace')
      } finally {
        holder.close()
      }
    })
  }
})
