// Clean-up work that must not be given up after one failure, but must not hold up the request that
// needed it either: it is retried in the background with capped exponential back-off until it
// succeeds or its deadline passes. Both the number of tasks and their lifetime are bounded, and
// closing the app aborts them, so nothing outlives the process's shutdown. Anything given up is
// logged; callers only put here work whose loss is repaired some other way later.
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'

export interface BackgroundRetryOptions {
  /** Most tasks kept at once; more are logged and dropped. */
  maxPending: number
  firstDelayMs: number
  maxDelayMs: number
  /** A task still failing this long after it was started is given up. */
  giveUpAfterMs: number
}

/** Is given an AbortSignal when run in the background, aborted at shutdown. */
export type RetriedTask = (signal?: AbortSignal) => Promise<void>

export class BackgroundRetries {
  private readonly running = new Set<Promise<void>>()
  private readonly stopping = new AbortController()

  constructor(
    private readonly log: FastifyBaseLogger,
    private readonly options: BackgroundRetryOptions,
  ) {}

  get pending(): number {
    return this.running.size
  }

  /** Starts retrying `task`, whose first attempt the caller has already made and seen fail. */
  start(what: string, context: Record<string, unknown>, task: RetriedTask): void {
    if (this.stopping.signal.aborted || this.running.size >= this.options.maxPending) {
      this.log.error({ ...context, pending: this.running.size }, `not retrying (${this.stopping.signal.aborted ? 'shutting down' : 'too many pending'}): ${what}`)
      return
    }
    const run = this.retry(what, context, task).finally(() => this.running.delete(run))
    this.running.add(run)
  }

  /** Resolves once every task has finished or been given up. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running])
  }

  /** Aborts the waits and the attempts in flight, then waits for the tasks to notice. */
  async close(): Promise<void> {
    this.stopping.abort()
    await this.settled()
  }

  private async retry(what: string, context: Record<string, unknown>, task: RetriedTask): Promise<void> {
    const { signal } = this.stopping
    const deadline = Date.now() + this.options.giveUpAfterMs
    for (let retry = 0; ; retry++) {
      const delay = Math.min(this.options.maxDelayMs, this.options.firstDelayMs * 2 ** retry)
      if (Date.now() + delay > deadline) {
        this.log.error({ ...context, retries: retry }, `gave up: ${what}`)
        return
      }
      try {
        await sleep(delay, undefined, { signal })
        await task(signal)
        this.log.info({ ...context, retries: retry + 1 }, `done after retrying: ${what}`)
        return
      } catch (error) {
        if (signal.aborted) {
          this.log.warn({ ...context, retries: retry }, `abandoned at shutdown: ${what}`)
          return
        }
        this.log.warn({ ...context, err: error, retry: retry + 1 }, `retry failed: ${what}`)
      }
    }
  }
}
