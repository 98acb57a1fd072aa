import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { installGracefulShutdown } from '../../src/lifecycle/graceful-shutdown.js'
import { startTestStack } from '../support/test-stack.js'

describe('graceful shutdown', () => {
  it('drains with readiness 503, finishes in-flight requests, then closes and exits 0', async () => {
    let releaseSlow: () => void = () => undefined
    const stack = await startTestStack(
      {},
      {
        readinessCacheMs: 0,
        extraRoutes: (app) =>
          app.get('/slow', async () => {
            await new Promise<void>((resolve) => {
              releaseSlow = resolve
            })
            return { finished: true }
          }),
      },
    )
    const exits: number[] = []
    try {
      await stack.app.listen({ port: 0, host: '127.0.0.1' })
      const base = `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}`
      const shutdown = installGracefulShutdown(stack.app, { drainSeconds: 0.5, timeoutSeconds: 5, exit: (code) => exits.push(code), signals: [] })

      const inFlight = fetch(`${base}/slow`)
      await sleep(50)
      const stopping = shutdown('SIGTERM')
      assert.equal((await fetch(`${base}/readyz`)).status, 503, 'readiness turns 503 at once')
      assert.equal((await fetch(`${base}/healthz`)).status, 200, 'new requests are still served while draining')
      await sleep(700)
      assert.deepEqual(exits, [], 'the in-flight request holds the exit')
      releaseSlow()
      assert.deepEqual(await (await inFlight).json(), { finished: true })
      await stopping
      assert.deepEqual(exits, [0])
      await assert.rejects(fetch(`${base}/healthz`), 'no longer accepting connections')
    } finally {
      await stack.emulators.stop()
    }
  })

  it('exits 1 at once on a second signal', async () => {
    const stack = await startTestStack()
    const exits: number[] = []
    try {
      const shutdown = installGracefulShutdown(stack.app, { drainSeconds: 0.2, timeoutSeconds: 5, exit: (code) => exits.push(code), signals: [] })
      const first = shutdown('SIGTERM')
      await shutdown('SIGINT')
      assert.deepEqual(exits, [1])
      await first
    } finally {
      await stack.emulators.stop()
    }
  })
})
