// Admission for AWS calls. The SDK hands a request to the connection pool as soon as it is made
// and starts its connect timer right then, so in a burst attempts time out while they merely wait
// for a pooled connection; the SDK retries them and adds load exactly when there is too much
// (measured: a burst of 1,000 registrations against the local emulator got 503 for most of them).
// Here an attempt first waits, in arrival order, for one of `maxActive` slots with no SDK timer
// running, so every attempt that reaches the pool finds a connection. The wait itself is bounded
// in time and in the number of waiters; beyond either the attempt fails with BackendBusyError,
// which the SDK does not retry and the API answers with 503 and Retry-After.

export class BackendBusyError extends Error {
  constructor(detail: string) {
    super(detail)
    this.name = 'BackendBusyError'
  }
}

/** True when the call failed in the queue on its first attempt, so nothing of it reached AWS. */
export function neverSent(error: unknown): boolean {
  const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1
  return error instanceof BackendBusyError && attempts === 1
}

export interface CallQueueOptions {
  /** Attempts in flight at once: the size of the connection pool. */
  maxActive: number
  /** Longest an attempt waits for a slot. */
  timeoutMs: number
  /** Most attempts allowed to wait; bounds the memory a burst can take. */
  maxWaiting: number
}

interface Waiter {
  grant: () => void
  timer: NodeJS.Timeout
}

export type Release = () => void

export class CallQueue {
  private activeCount = 0
  // A Set keeps arrival order and removes a timed-out waiter in O(1).
  private readonly waiters = new Set<Waiter>()

  constructor(private readonly options: CallQueueOptions) {}

  get active(): number {
    return this.activeCount
  }

  get waiting(): number {
    return this.waiters.size
  }

  acquire(): Promise<Release> {
    if (this.activeCount < this.options.maxActive && this.waiters.size === 0) {
      this.activeCount++
      return Promise.resolve(this.releaser())
    }
    if (this.waiters.size >= this.options.maxWaiting) {
      return Promise.reject(new BackendBusyError(`${this.options.maxWaiting} AWS calls are already waiting for a connection`))
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        // The slot passes straight from the releasing call to this one: activeCount is unchanged.
        grant: () => {
          clearTimeout(waiter.timer)
          resolve(this.releaser())
        },
        timer: setTimeout(() => {
          this.waiters.delete(waiter)
          reject(new BackendBusyError(`no AWS connection became free within ${this.options.timeoutMs} ms`))
        }, this.options.timeoutMs),
      }
      this.waiters.add(waiter)
    })
  }

  // Idempotent, so a release on two paths (result and error) cannot free a slot twice.
  private releaser(): Release {
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiters.values().next()
      if (next.done) {
        this.activeCount--
        return
      }
      this.waiters.delete(next.value)
      next.value.grant()
    }
  }
}
