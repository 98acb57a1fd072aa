// Helpers shared by the reliability tests: the time bound a failing AWS call must respect, timing
// with a hang detector, a watch for unhandled rejections, and a full walk of GET /users.
import type { LightMyRequestResponse } from 'fastify'
import type { Config } from '../../src/config/config.js'
import { nextLink, type authed } from '../support/http.js'

// The SDK's standard retry backs off by random(0, base x 2^retry) between attempts. The base is
// 50 ms in the SDK in use and 100 ms in earlier releases; the larger one keeps the bound honest.
// Throttling uses a longer base, but a broken network never produces throttling errors.
const RETRY_DELAY_BASE_MS = 100
// Two cores run the service, the emulators and the test itself: allow for scheduling delays.
const SCHEDULING_SLACK_MS = 750

/** The longest a request may take when DynamoDB or S3 is unreachable: each of its AWS calls made
 *  one after the other spends, per attempt, at most its connect timeout plus its request timeout,
 *  plus the backoff between attempts. A registration whose claim fails makes two: the claim, then
 *  one immediate attempt to undo it (src/users/user-repository.ts). */
export function failureBoundMs(aws: Config['aws'], sequentialCalls = 1): number {
  let backoff = 0
  for (let retry = 0; retry < aws.maxAttempts - 1; retry++) backoff += RETRY_DELAY_BASE_MS * 2 ** retry
  return sequentialCalls * (aws.maxAttempts * (aws.connectTimeoutMs + aws.requestTimeoutMs) + backoff) + SCHEDULING_SLACK_MS
}

export interface Timed {
  response: LightMyRequestResponse
  ms: number
}

/** Runs a request and fails loudly if it has not answered within hangMs, so a hanging request is
 *  reported as such instead of stalling the test. */
export async function timed(request: () => Promise<LightMyRequestResponse>, hangMs: number): Promise<Timed> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`request still hanging after ${hangMs} ms`))
    }, hangMs)
  })
  try {
    const response = await Promise.race([request(), hang])
    return { response, ms: Math.round(performance.now() - started) }
  } finally {
    clearTimeout(timer)
  }
}

/** Records unhandled rejections and uncaught exceptions from the moment it is called. */
export function watchForUnhandledErrors(): { errors: unknown[]; stop(): void } {
  const errors: unknown[] = []
  const record = (error: unknown) => {
    errors.push(error)
  }
  process.on('unhandledRejection', record)
  process.on('uncaughtException', record)
  return {
    errors,
    stop() {
      process.off('unhandledRejection', record)
      process.off('uncaughtException', record)
    },
  }
}

export interface ListedUser {
  id: string
  name: string
  email: string
  avatar_url: string | null
  created_at: string
}

/** Follows rel="next" from the first page to the last and returns every user in order. */
export async function listAllUsers(client: ReturnType<typeof authed>, pageSize: number): Promise<{ users: ListedUser[]; pages: number }> {
  const users: ListedUser[] = []
  let url: string | undefined = `/users?limit=${pageSize}`
  let pages = 0
  while (url) {
    const response = await client.get(url)
    if (response.statusCode !== 200) throw new Error(`GET ${url}: ${response.statusCode} ${response.body}`)
    users.push(...response.json<ListedUser[]>())
    url = nextLink(response)
    pages++
    if (pages > 10_000) throw new Error('pagination does not terminate')
  }
  return { users, pages }
}

export function summarize(durations: readonly number[]): { count: number; min: number; median: number; max: number } {
  const sorted = [...durations].sort((a, b) => a - b)
  return {
    count: sorted.length,
    min: sorted[0] ?? 0,
    median: sorted[Math.floor(sorted.length / 2)] ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
  }
}

/** Runs task over items with at most `concurrency` of them in flight; results keep their order. */
export async function runWithConcurrency<T, R>(items: readonly T[], concurrency: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await task(items[index]!)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return results
}
