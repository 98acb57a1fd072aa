// `npm start` (scripts/local-stack.ts) as a developer runs it: the docs are on, and /metrics is
// served on 9464 or, when something else holds that port, on a free one that the banner names.
// A METRICS_PORT set explicitly and taken is an error with a clear message instead.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { unassignedPort } from '../support/ports.js'

const DEFAULT_METRICS_PORT = 9464
const START_LIMIT_MS = 60_000

// Holds a port for the test, unless another process already holds it: taken either way.
async function holdPort(port: number): Promise<Server> {
  const server = createServer()
  await new Promise<void>((resolve) => {
    server.once('error', () => {
      resolve()
    })
    server.listen(port, '127.0.0.1', resolve)
  })
  return server
}

function startLocalStack(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'user-api-local-stack-'))
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-stack.ts'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, LOCAL_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  return {
    child,
    exited,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT')
      await exited
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

describe('npm start (scripts/local-stack.ts)', () => {
  let holder: Server
  before(async () => {
    holder = await holdPort(DEFAULT_METRICS_PORT)
  })
  after(() => {
    holder.close()
  })

  it('serves /metrics on a free port when 9464 is taken, prints it, and serves the docs', async () => {
    const port = await unassignedPort()
    const stack = startLocalStack({ PORT: String(port) })
    try {
      const started = performance.now()
      let banner: RegExpExecArray | null = null
      while (!(banner = /Metrics: +http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(stack.output()))) {
        assert.equal(stack.child.exitCode, null, `npm start exited:\n${stack.output()}`)
        assert.ok(performance.now() - started < START_LIMIT_MS, `no banner after ${START_LIMIT_MS} ms:\n${stack.output()}`)
        await sleep(100)
      }
      const metricsPort = Number(banner[1])
      assert.notEqual(metricsPort, DEFAULT_METRICS_PORT)
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
      assert.equal(metrics.status, 200)
      await metrics.arrayBuffer()
      assert.match(stack.output(), new RegExp(`Docs: +http://127\\.0\\.0\\.1:${port}/docs`))
      const docs = await fetch(`http://127.0.0.1:${port}/docs/`)
      await docs.arrayBuffer()
      assert.equal(docs.status, 200)
    } finally {
      await stack.stop()
    }
  })

  it('refuses a METRICS_PORT that is set and taken, with one clear line', async () => {
    const stack = startLocalStack({ PORT: String(await unassignedPort()), METRICS_PORT: String(DEFAULT_METRICS_PORT) })
    try {
      // Bounded: a stack that starts after all (the port was free) would otherwise be awaited forever.
      const timeout = sleep(START_LIMIT_MS, 'still running' as const, { ref: false })
      const outcome = await Promise.race([stack.exited, timeout])
      assert.notEqual(outcome, 'still running', `npm start did not refuse the taken port within ${START_LIMIT_MS} ms:\n${stack.output()}`)
      const [code] = await stack.exited
      assert.equal(code, 1)
      assert.match(stack.output(), new RegExp(`Cannot listen on 127\\.0\\.0\\.1: .*${DEFAULT_METRICS_PORT}.*\\. Choose another PORT or METRICS_PORT\\.`))
      assert.doesNotMatch(stack.output(), /\n\s+at /, 'no stack trace')
    } finally {
      await stack.stop()
    }
  })
})
