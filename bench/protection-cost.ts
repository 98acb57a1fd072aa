// What the abuse protection costs one request, measured in the bench process with the service's own
// plugins: the rate limits (src/rate-limits/: the address's failure budget read, the caller's count
// incremented, the RateLimit-* headers) and the security headers (src/http/security-headers.ts).
// Three Fastify apps answer the same route through app.inject: without either, with the rate
// limits, with the headers; their batches alternate so that the machine's other work weighs on all
// three alike, and each cost is the median of its differences to the bare app's batch next to it
// (a batch the machine disturbed shows as an outlier, not as the cost). The HTTP figures of the
// whole service with the limits on and off are in the scenarios.
import Fastify, { type FastifyInstance } from 'fastify'
import type { Caller } from '../src/auth/caller.js'
import { ALL_SCOPES, SCOPES } from '../src/auth/caller.js'
import { securityHeaders } from '../src/http/security-headers.js'
import { createMetrics } from '../src/metrics/metrics.js'
import { rateLimits } from '../src/rate-limits/rate-limits.js'

export interface ProtectionCost {
  protection: string
  /** Median over the batches of the difference to the bare app's batch, microseconds per request. */
  microsecondsPerRequest: number
  /** The difference to the bare app in each batch, to show the noise. */
  batchesMicroseconds: number[]
}

export interface ProtectionCosts {
  bareMicrosecondsPerRequest: number
  costs: ProtectionCost[]
}

const WARMUP_CALLS = 5000
const BATCHES = 41
const CALLS_PER_BATCH = 1000
// Never reached: every request is counted, none refused.
const UNREACHABLE = 1_000_000_000

const CALLER: Caller = { id: 'key:bench', logFields: {}, scopes: new Set(ALL_SCOPES), cursorKey: Buffer.alloc(32) }

async function app(protection: 'none' | 'rate limits' | 'security headers'): Promise<FastifyInstance> {
  const instance = Fastify({ logger: false })
  if (protection === 'security headers') await instance.register(securityHeaders)
  await instance.register(async (routes) => {
    if (protection === 'rate limits') {
      const settings = { windowSeconds: 60, perCredential: { registration: UNREACHABLE, reads: UNREACHABLE, deletes: UNREACHABLE }, authFailuresPerAddress: UNREACHABLE }
      await routes.register(rateLimits, { settings, metrics: createMetrics() })
    }
    // What the authentication hook leaves behind for a valid API key.
    routes.decorateRequest('caller', null)
    routes.addHook('onRequest', async (request) => {
      request.caller = CALLER
    })
    routes.get('/users', { config: { scope: SCOPES.read } }, async () => [])
  })
  await instance.ready()
  return instance
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

export async function measureProtectionCost(): Promise<ProtectionCosts> {
  const apps = { bare: await app('none'), 'rate limits': await app('rate limits'), 'security headers': await app('security headers') }
  const run = async (instance: FastifyInstance, calls: number) => {
    const started = process.hrtime.bigint()
    for (let call = 0; call < calls; call++) {
      const response = await instance.inject({ method: 'GET', url: '/users' })
      if (response.statusCode !== 200) throw new Error(`the protection bench got ${response.statusCode}: ${response.body}`)
    }
    return Number(process.hrtime.bigint() - started) / 1000 / calls
  }
  for (const instance of Object.values(apps)) await run(instance, WARMUP_CALLS)
  const batches: Record<keyof typeof apps, number[]> = { bare: [], 'rate limits': [], 'security headers': [] }
  for (let batch = 0; batch < BATCHES; batch++) {
    for (const [name, instance] of Object.entries(apps) as [keyof typeof apps, FastifyInstance][]) batches[name].push(await run(instance, CALLS_PER_BATCH))
  }
  for (const instance of Object.values(apps)) await instance.close()
  const bare = median(batches.bare)
  const costs = (['rate limits', 'security headers'] as const).map((protection) => ({
    protection,
    microsecondsPerRequest: median(batches[protection].map((value, batch) => value - batches.bare[batch]!)),
    batchesMicroseconds: batches[protection].map((value, batch) => value - batches.bare[batch]!),
  }))
  return { bareMicrosecondsPerRequest: bare, costs }
}
