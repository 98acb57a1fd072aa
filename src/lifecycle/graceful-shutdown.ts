// Shutdown without dropping requests: readiness turns 503 at once so the load balancer stops
// sending new traffic, the server keeps serving during the drain period while that propagates,
// then stops accepting, lets in-flight requests finish and exits. A second signal, or a close
// that overruns its timeout, ends the process at once.
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'

export interface ShutdownOptions {
  drainSeconds: number
  timeoutSeconds: number
  exit?: (code: number) => void
  signals?: readonly NodeJS.Signals[]
}

export function installGracefulShutdown(app: FastifyInstance, options: ShutdownOptions): (signal: string) => Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code))
  let shuttingDown = false

  const shutdown = async (signal: string): Promise<void> => {
    if (shuttingDown) {
      app.log.warn({ signal }, 'second signal: exiting now')
      exit(1)
      return
    }
    shuttingDown = true
    app.readiness.draining = true
    app.log.info({ signal, drain_seconds: options.drainSeconds }, 'draining: readiness is now 503')
    await sleep(options.drainSeconds * 1000)

    const forced = setTimeout(() => {
      app.log.error({ timeout_seconds: options.timeoutSeconds }, 'in-flight requests did not finish in time: exiting')
      exit(1)
    }, options.timeoutSeconds * 1000)
    forced.unref()
    try {
      await app.close()
      app.log.info('server closed')
      exit(0)
    } catch (error) {
      app.log.error({ err: error }, 'error while closing')
      exit(1)
    } finally {
      clearTimeout(forced)
    }
  }

  for (const signal of options.signals ?? (['SIGTERM', 'SIGINT'] as const)) {
    process.on(signal, () => void shutdown(signal))
  }
  return shutdown
}
