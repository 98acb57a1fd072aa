// What authenticating one request costs the service, measured in the bench process with the
// service's own code (src/auth/authentication.ts): an API key, and bearer tokens signed with RS256
// and ES256, each after the issuer's keys are cached. Header parsing, verification, claim and
// scope checks and the caller's cursor key are all included; the HTTP figures of the same route
// with either credential are in the scenarios.
import { randomBytes } from 'node:crypto'
import pino from 'pino'
import { Authenticator } from '../src/auth/authentication.js'
import { SCOPES } from '../src/auth/caller.js'
import { loadConfig } from '../src/config/config.js'
import { createMetrics } from '../src/metrics/metrics.js'
import { BENCH_BUCKET, BENCH_REGION } from './bench-settings.js'
import { BENCH_AUDIENCE, type BenchIssuer } from './token-issuer.js'

export interface AuthenticationCost {
  credential: string
  /** Median of the batches, microseconds per authenticated request. */
  microsecondsPerRequest: number
  batchesMicroseconds: number[]
}

export interface AuthenticationCosts {
  costs: AuthenticationCost[]
  /** Fetches of the issuer's keys during all of it: 1 means nothing was fetched per request. */
  keyFetches: number
}

const WARMUP_CALLS = 3000
const BATCHES = 7
const CALLS_PER_BATCH = 3000
export const CALLS_PER_CREDENTIAL = WARMUP_CALLS + BATCHES * CALLS_PER_BATCH

export async function measureAuthenticationCost(issuer: BenchIssuer, apiKey: string): Promise<AuthenticationCosts> {
  const config = loadConfig({
    AWS_REGION: BENCH_REGION,
    DYNAMODB_TABLE: 'unused',
    S3_BUCKET: BENCH_BUCKET,
    API_KEYS: apiKey,
    OIDC_ISSUER: issuer.url,
    OIDC_AUDIENCE: BENCH_AUDIENCE,
    CURSOR_SECRET: randomBytes(32).toString('base64url'),
  })
  const metrics = createMetrics()
  const authenticator = new Authenticator({ apiKeys: config.apiKeys, oidc: config.oidc, metrics, log: pino({ level: 'silent' }), now: () => new Date() })
  const credentials: [string, Record<string, string>][] = [
    ['API key', { 'x-api-key': apiKey }],
    ['bearer token, RS256', { authorization: `Bearer ${await issuer.token('RS256')}` }],
    ['bearer token, ES256', { authorization: `Bearer ${await issuer.token('ES256')}` }],
  ]
  const costs: AuthenticationCost[] = []
  for (const [credential, headers] of credentials) {
    const run = async (calls: number) => {
      const started = process.hrtime.bigint()
      for (let call = 0; call < calls; call++) await authenticator.authenticate(headers, SCOPES.read)
      return Number(process.hrtime.bigint() - started) / 1000 / calls
    }
    await run(WARMUP_CALLS)
    const batchesMicroseconds: number[] = []
    for (let batch = 0; batch < BATCHES; batch++) batchesMicroseconds.push(await run(CALLS_PER_BATCH))
    const sorted = [...batchesMicroseconds].sort((a, b) => a - b)
    costs.push({ credential, microsecondsPerRequest: sorted[Math.floor(sorted.length / 2)]!, batchesMicroseconds })
  }
  const fetches = (await metrics.registry.getSingleMetric('oidc_key_fetches_total')?.get())?.values.reduce((sum, value) => sum + value.value, 0) ?? 0
  return { costs, keyFetches: fetches }
}
