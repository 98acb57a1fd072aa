// `npm run bench`: the service, built and run as in production, on the emulators, at fixed
// concurrency. Two instances of it serve a table of 1,000 and a table of 100,000 users and are
// measured in alternating rounds, so the comparison is fair on a busy machine; a third serves the
// small table with its rate limits off, and a fourth with tracing on (10% sampled), to measure what
// they cost. Everything runs on
// 127.0.0.1 and is stopped at the end, on failure and on Ctrl-C. See docs/performance.md.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { dirname, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { RequestOptions } from 'autocannon'
import { createAwsClients, type AwsClients } from '../src/aws/clients.js'
import { createApiKeyVerifier } from '../src/auth/api-keys.js'
import { EMULATOR_CREDENTIALS } from '../scripts/local/emulators.js'
import { measureAuthenticationCost } from './auth-cost.js'
import { startOtlpSink } from './otlp-sink.js'
import { measureProtectionCost } from './protection-cost.js'
import { BENCH_BUCKET, BENCH_REGION, CPU_RATIO_BUDGETS, EMULATOR_AWS_SETTINGS, IDLE_SECONDS, JEMALLOC_INSTALL, PRODUCTION_NODE, jemallocCandidates, MEMORY_BUDGET_MIB, PAGE_SIZE, PRODUCTION_ENVIRONMENT, PRODUCTION_NODE_OPTIONS, START_TO_READY_BUDGET_MS, tableFor } from './bench-settings.js'
import { startEmulatorProcess, type EmulatorProcess } from './emulator-process.js'
import { userIdsInIndexOrder } from './index-walk.js'
import { fire, measureScenario, type LoadSettings, type ScenarioResult, type Target } from './load.js'
import { parseBenchOptions, USAGE, UsageError, type BenchOptions } from './options.js'
import { readProcessStats } from './process-stats.js'
import {
  CREDENTIAL_COMPARISON,
  describeMachine,
  flatness,
  formatReport,
  judgeMemory,
  judgeOverhead,
  judgeStart,
  median,
  RATE_LIMIT_COMPARISON,
  TRACING_COMPARISON,
  TRACING_SAMPLED_SHARE,
  type BenchReport,
  type SeedResult,
} from './report.js'
import { check, FIRST_PAGE, firstPage, randomPages, registrations } from './scenarios.js'
import { seedUsers } from './seed-users.js'
import { buildService, freePorts, startService, type RunningService } from './service-process.js'
import { BENCH_AUDIENCE, startBenchIssuer, type BenchIssuer } from './token-issuer.js'

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const benchStarted = performance.now()

function log(message: string): void {
  process.stderr.write(`[${((performance.now() - benchStarted) / 1000).toFixed(1).padStart(6)} s] ${message}\n`)
}
const count = (value: number) => value.toLocaleString('en-US')

// Everything started is stopped in reverse order, on success, failure or interruption.
const cleanups: (() => Promise<unknown>)[] = []
let stopLoad: (() => void) | undefined
async function cleanUp(): Promise<void> {
  stopLoad?.()
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup().catch((error: unknown) => {
      log(`cleanup failed: ${String(error)}`)
    })
  }
}

// Ctrl-C reaches this process twice (from the terminal and relayed by tsx): handle it once, and
// keep a handler installed so the second one does not kill the process half-way through cleaning up.
const interruption = { requested: false }
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interruption.requested) return
    interruption.requested = true
    log(`${signal}: stopping everything`)
    void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
  })
}
function stopIfInterrupted(): void {
  if (interruption.requested) throw new Error('interrupted')
}

interface Table {
  name: string
  users: number
  seed: SeedResult
  // User ids in the order GET /users returns them, to start pages anywhere in the table.
  ids: string[]
}

async function seedTable(clients: AwsClients, users: number, concurrency: number): Promise<Table> {
  stopIfInterrupted()
  const name = tableFor(users)
  log(`seeding ${count(users)} users into ${name} with BatchWriteItem...`)
  const started = performance.now()
  await seedUsers({ documents: clients.documents, table: name, from: 0, to: users, concurrency })
  const seconds = (performance.now() - started) / 1000
  const walkStarted = performance.now()
  const ids = await userIdsInIndexOrder(clients.documents, name)
  const indexWalkSeconds = (performance.now() - walkStarted) / 1000
  if (ids.length !== users) throw new Error(`the users index of ${name} holds ${ids.length} users, expected ${users}`)
  log(`  ${count(users)} users in ${Math.round(seconds)} s (${count(Math.round(users / seconds))} users/s); the index holds all ${count(ids.length)}`)
  return { name, users, ids, seed: { users, seconds, usersPerSecond: users / seconds, indexWalkSeconds } }
}

async function measure(name: string, targets: Target[], requestsFor: (target: Target) => RequestOptions[], settings: LoadSettings): Promise<ScenarioResult[]> {
  stopIfInterrupted()
  const requests = new Map(targets.map((target) => [target, requestsFor(target)]))
  for (const target of targets) await check(name, target.url, requests.get(target)!, target.credentialHeaders)
  const tables = targets.map((target) => count(target.storedUsers)).join(' and ')
  log(`${name} on ${tables} users: ${settings.warmupSeconds} s warm-up, then ${settings.rounds} alternating rounds...`)
  const results = await measureScenario(name, targets, (target) => requests.get(target)!, settings)
  stopIfInterrupted()
  for (const result of results) {
    log(`  ${count(result.storedUsers)} users: ${Math.round(result.requestsPerSecond)} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}`)
  }
  return results
}

interface Credentials {
  apiKey: string
  issuer: BenchIssuer
  cursorSecret: string
}

// The rate limits on, as in production, with limits no bench load reaches (so every request is
// counted and none refused), or off (0) for the comparison of the two.
const RATE_LIMITS_ON = { RATE_LIMIT_REGISTRATION: '1000000000', RATE_LIMIT_READS: '1000000000', RATE_LIMIT_DELETES: '1000000000', RATE_LIMIT_AUTH_FAILURES: '1000000000' }
const RATE_LIMITS_OFF = { RATE_LIMIT_REGISTRATION: '0', RATE_LIMIT_READS: '0', RATE_LIMIT_DELETES: '0', RATE_LIMIT_AUTH_FAILURES: '0' }
// Tracing as the chart turns it on: OTLP/HTTP (protobuf), new traces sampled at 10%. The load
// sends no traceparent, so every request starts a trace and the ratio decides alone.
const tracingOn = (endpoint: string) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: String(TRACING_SAMPLED_SHARE),
})

async function serviceEnvironment(
  emulators: EmulatorProcess,
  table: string,
  credentials: Credentials,
  options: BenchOptions,
  rateLimits = RATE_LIMITS_ON,
  tracing: Record<string, string> = {},
): Promise<Record<string, string>> {
  const [port, metricsPort] = await freePorts(2)
  return {
    ...rateLimits,
    ...tracing,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    AWS_REGION: BENCH_REGION,
    DYNAMODB_TABLE: table,
    S3_BUCKET: BENCH_BUCKET,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamoEndpoint,
    AWS_ENDPOINT_URL_S3: emulators.s3Endpoint,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    API_KEYS: credentials.apiKey,
    OIDC_ISSUER: credentials.issuer.url,
    OIDC_AUDIENCE: BENCH_AUDIENCE,
    CURSOR_SECRET: credentials.cursorSecret,
    LOG_LEVEL: options.logLevel,
    SHUTDOWN_DRAIN_SECONDS: '0',
    // As the chart sets them for a pod with its default memory limit.
    NODE_OPTIONS: PRODUCTION_NODE_OPTIONS,
    ...serviceMallocEnvironment,
    // The bench compiles the service alone (no web page build) and measures the API.
    WEB_PAGE_ENABLED: 'false',
  }
}

// What the image runs with: its malloc settings and, where the library is installed, jemalloc.
const jemalloc = jemallocCandidates().find((path) => existsSync(path))
const serviceMallocEnvironment: Record<string, string> = { ...PRODUCTION_ENVIRONMENT, ...(jemalloc ? { LD_PRELOAD: jemalloc } : {}) }

const JEMALLOC_MISSING = `jemalloc not found (${JEMALLOC_INSTALL}): the service runs on glibc's malloc, not as in the image`
// Set by .ci/run, as for the tests (test/support/system-tools.ts): a missing tool fails the run.
const REQUIRE_SYSTEM_TOOLS = process.env.REQUIRE_SYSTEM_TOOLS === '1'

const mebibytes = (bytes: number | undefined) => (bytes === undefined ? null : bytes / 1024 ** 2)

async function main(): Promise<number> {
  const parsed = parseBenchOptions(process.argv.slice(2), process.env)
  if (parsed === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const options = parsed
  if (options.smallUsers <= PAGE_SIZE) throw new UsageError(`small users must exceed the page size (${PAGE_SIZE})`)
  const machine = describeMachine()
  const date = new Date().toISOString()

  let entry = resolve(projectRoot, 'dist/server.js')
  // Without a build the baseline runs from its source through tsx; only its start-up differs.
  let baseline = { entry: resolve(projectRoot, 'bench/baseline-server.ts'), nodeOptions: ['--import', 'tsx'] }
  if (options.build) {
    log('compiling the service (tsc -p tsconfig.build.json) and the bare baseline into a temporary folder...')
    const built = await buildService(projectRoot)
    cleanups.push(built.remove)
    entry = built.entry
    baseline = { entry: built.baselineEntry, nodeOptions: [] }
  } else if (!existsSync(entry)) {
    throw new Error('dist/server.js is missing: run `npm run build` first, or drop --no-build')
  }

  log('starting dynalite and s3rver in a child process...')
  const emulators = await startEmulatorProcess([tableFor(options.smallUsers), tableFor(options.largeUsers)])
  cleanups.push(emulators.stop)
  const clients = createAwsClients(EMULATOR_AWS_SETTINGS, undefined, {
    dynamodbEndpoint: emulators.dynamoEndpoint,
    s3Endpoint: emulators.s3Endpoint,
    credentials: EMULATOR_CREDENTIALS,
  })
  cleanups.push(async () => {
    clients.destroy()
  })

  log('starting an OpenID Connect issuer in this process...')
  const issuer = await startBenchIssuer()
  cleanups.push(() => issuer.stop())
  // A fresh key and cursor secret for this run only; they are never printed or written anywhere.
  const apiKey = randomBytes(32).toString('base64url')
  const credentials: Credentials = { apiKey, issuer, cursorSecret: randomBytes(32).toString('base64url') }
  const nodeOptions = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(options.profileDir)}`] : []
  // The image's runtime unless asked otherwise: the budgets on start-up and memory are about pods.
  const productionNode = resolve(projectRoot, PRODUCTION_NODE)
  const node = options.node ? resolve(options.node) : existsSync(productionNode) ? productionNode : process.execPath
  if (!options.node && node === process.execPath) log(`${PRODUCTION_NODE} not found (bash scripts/install-tools.sh installs it): the service runs on this Node, not the image's`)
  const serviceNode = (await promisify(execFile)(node, ['--version'])).stdout.trim()
  const serviceExits: string[] = []
  const start = async (table: string, rateLimits = RATE_LIMITS_ON, tracing: Record<string, string> = {}): Promise<RunningService> => {
    const service = await startService(entry, await serviceEnvironment(emulators, table, credentials, options, rateLimits, tracing), nodeOptions, node)
    cleanups.push(async () => {
      serviceExits.push(await service.stop())
    })
    return service
  }

  // Cold starts as a pod would make them; the last one stays up and serves the small table.
  log(`starting the service ${options.starts} time(s): ${node} ${entry} (${serviceNode}, NODE_OPTIONS=${PRODUCTION_NODE_OPTIONS})`)
  if (!jemalloc) log(`${JEMALLOC_MISSING}; ${REQUIRE_SYSTEM_TOOLS ? 'REQUIRE_SYSTEM_TOOLS=1 makes that a failure' : 'its memory figures are not the image\'s'}`)
  const startsToReadyMs: number[] = []
  const startsCpuMs: number[] = []
  const rssJustStartedMiB: number[] = []
  const started = async (service: RunningService) => {
    startsToReadyMs.push(service.startToReadyMs)
    if (service.startCpuMs !== null) startsCpuMs.push(service.startCpuMs)
    const rss = mebibytes((await readProcessStats(service.pid))?.rssBytes)
    if (rss !== null) rssJustStartedMiB.push(rss)
    return service
  }
  for (let attempt = 1; attempt < options.starts; attempt++) {
    const service = await started(await startService(entry, await serviceEnvironment(emulators, tableFor(options.smallUsers), credentials, options), nodeOptions, node))
    const exit = await service.stop()
    if (exit !== 'exit 0') throw new Error(`the service did not exit cleanly on SIGTERM (${exit}):\n${service.output()}`)
  }
  const smallService = await started(await start(tableFor(options.smallUsers)))
  log(`  /readyz answered 200 after ${startsToReadyMs.map((ms) => `${Math.round(ms)} ms`).join(', ')}`)
  // The bare baseline, one per table, with the same environment.
  const startBaseline = async (table: string): Promise<RunningService> => {
    const server = await startService(baseline.entry, await serviceEnvironment(emulators, table, credentials, options), [...baseline.nodeOptions, ...nodeOptions], node)
    cleanups.push(async () => {
      await server.stop()
    })
    return server
  }
  const smallBaseline = await startBaseline(tableFor(options.smallUsers))
  const largeBaseline = await startBaseline(tableFor(options.largeUsers))
  const baselineStartsMs = [smallBaseline.startToReadyMs, largeBaseline.startToReadyMs]
  const baselineStartsCpuMs = [smallBaseline.startCpuMs, largeBaseline.startCpuMs].filter((ms) => ms !== null)
  log(`  the bare baseline's /readyz answered 200 after ${baselineStartsMs.map((ms) => `${Math.round(ms)} ms`).join(', ')}`)
  const largeService = await start(tableFor(options.largeUsers))
  // A third instance that never gets a request: a pod waiting for traffic, read at the end.
  const idleService = await start(tableFor(options.smallUsers))
  const idleSince = performance.now()
  // The same table and route without rate limits, to measure what they cost over HTTP.
  const unlimitedService = await start(tableFor(options.smallUsers), RATE_LIMITS_OFF)
  // The same again with tracing on, exporting to a sink in this process (stopped after the service,
  // so the spans it flushes on SIGTERM still arrive).
  const otlpSink = await startOtlpSink()
  cleanups.push(() => otlpSink.stop())
  const tracedService = await start(tableFor(options.smallUsers), RATE_LIMITS_ON, tracingOn(otlpSink.url))

  const small = await seedTable(clients, options.smallUsers, options.seedConcurrency)
  const large = await seedTable(clients, options.largeUsers, options.seedConcurrency)
  const withApiKey = { credential: 'API key', credentialHeaders: { 'x-api-key': apiKey }, server: 'service' as const }
  const targets: Target[] = [
    { url: smallService.url, servicePid: smallService.pid, storedUsers: small.users, ...withApiKey },
    { url: largeService.url, servicePid: largeService.pid, storedUsers: large.users, ...withApiKey },
  ]
  // Each scenario runs on the baseline too, in the same alternating rounds.
  const baselineTargets: Target[] = [
    { ...targets[0]!, url: smallBaseline.url, servicePid: smallBaseline.pid, server: 'baseline' },
    { ...targets[1]!, url: largeBaseline.url, servicePid: largeBaseline.pid, server: 'baseline' },
  ]
  // The same service and route, with a key and with a token, measured in alternating rounds.
  const credentialTargets: Target[] = [
    targets[0]!,
    { ...targets[0]!, credential: 'bearer token', credentialHeaders: { authorization: `Bearer ${await issuer.token('RS256')}` } },
  ]

  // The same route on the same table, with the rate limits on and off, in alternating rounds.
  const rateLimitTargets: Target[] = [
    { ...targets[0]!, credential: 'rate limits on' },
    { url: unlimitedService.url, servicePid: unlimitedService.pid, storedUsers: small.users, ...withApiKey, credential: 'rate limits off' },
  ]
  // The same route on the same table, with tracing off (as by default) and on, in alternating rounds.
  const tracingTargets: Target[] = [
    { ...targets[0]!, credential: 'tracing off' },
    { url: tracedService.url, servicePid: tracedService.pid, storedUsers: small.users, ...withApiKey, credential: `tracing on, ${TRACING_SAMPLED_SHARE * 100}% sampled`, traced: true },
  ]

  stopIfInterrupted()
  log('measuring the cost of authenticating a request in-process (API key, RS256 and ES256 tokens)...')
  const authentication = await measureAuthenticationCost(issuer, apiKey)
  for (const cost of authentication.costs) log(`  ${cost.credential}: ${cost.microsecondsPerRequest.toFixed(1)} µs per request`)
  log('measuring the cost of the rate limits and the security headers in-process...')
  const protection = await measureProtectionCost()
  for (const cost of protection.costs) log(`  ${cost.protection}: ${cost.microsecondsPerRequest.toFixed(1)} µs per request`)
  const idsOf = (target: Target) => (target.storedUsers === small.users ? small.ids : large.ids)
  const cursorKey = createApiKeyVerifier([apiKey])(apiKey)!.cursorKey

  const settings: LoadSettings = {
    connections: options.connections,
    durationSeconds: options.durationSeconds,
    warmupSeconds: options.warmupSeconds,
    rounds: options.rounds,
    emulatorPid: emulators.pid,
    onLoad: (stop) => {
      stopLoad = stop
    },
  }

  // Both the service and dynalite need 20-30 s of load before their JIT compilers are done and the
  // CPU cost per request settles; without this the first figures look twice as expensive.
  if (options.initialWarmupSeconds > 0) {
    for (const target of [...targets, rateLimitTargets[1]!, tracingTargets[1]!, ...baselineTargets]) {
      stopIfInterrupted()
      log(`warming up the ${target.server === 'baseline' ? 'bare baseline' : 'service'} for ${count(target.storedUsers)} users for ${options.initialWarmupSeconds} s...`)
      await fire(target, settings, [...firstPage(), ...randomPages(idsOf(target), cursorKey)], options.initialWarmupSeconds)
    }
  }

  const firstPages = await measure(`GET ${FIRST_PAGE}`, [...targets, ...baselineTargets], firstPage, settings)
  const randomPageResults = await measure(`GET ${FIRST_PAGE}&cursor=<random>`, [...targets, ...baselineTargets], (target) => randomPages(idsOf(target), cursorKey), settings)
  const registrationResults = await measure('POST /user', [targets[1]!, baselineTargets[1]!], registrations, settings)
  const credentialResults = await measure(`GET ${FIRST_PAGE}${CREDENTIAL_COMPARISON}`, credentialTargets, firstPage, settings)
  const rateLimitResults = await measure(`GET ${FIRST_PAGE}${RATE_LIMIT_COMPARISON}`, rateLimitTargets, firstPage, settings)
  const tracingResults = await measure(`GET ${FIRST_PAGE}${TRACING_COMPARISON}`, tracingTargets, firstPage, settings)
  const tracingExports = otlpSink.exports()

  const idleWaitMs = IDLE_SECONDS * 1000 - (performance.now() - idleSince)
  if (idleWaitMs > 0) log(`waiting ${Math.round(idleWaitMs / 1000)} s more before reading the RSS of the instance without requests...`)
  await sleep(Math.max(0, idleWaitMs))
  const atRest = await readProcessStats(idleService.pid)
  await cleanUp()
  const scenarios = [...firstPages, ...randomPageResults, ...registrationResults, ...credentialResults, ...rateLimitResults, ...tracingResults]
  const report: BenchReport = {
    date,
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    machine,
    options: { ...options },
    startToReadyMs: startsToReadyMs,
    serviceNode,
    serviceNodeOptions: PRODUCTION_NODE_OPTIONS,
    serviceEnvironment: serviceMallocEnvironment,
    serviceRssJustStartedMiB: rssJustStartedMiB.length === 0 ? null : median(rssJustStartedMiB),
    serviceIdleRssMiB: mebibytes(atRest?.rssBytes),
    seeding: [small.seed, large.seed],
    scenarios,
    flatness: [flatness(firstPages[0]!, firstPages[1]!), flatness(randomPageResults[0]!, randomPageResults[1]!)],
    authentication,
    protection,
    tracing: { sampledShare: TRACING_SAMPLED_SHARE, exportRequests: tracingExports.requests, exportedBytes: tracingExports.bytes },
    serviceExits,
    loadAverageAtEnd: loadavg().map((value) => Math.round(value * 10) / 10),
    memory: { budgetMiB: MEMORY_BUDGET_MIB, idleSeconds: IDLE_SECONDS, verdicts: [] },
    overhead: judgeOverhead(scenarios, CPU_RATIO_BUDGETS),
    start: judgeStart({ wallMs: startsToReadyMs, cpuMs: startsCpuMs }, { wallMs: baselineStartsMs, cpuMs: baselineStartsCpuMs }, START_TO_READY_BUDGET_MS),
  }
  report.memory.verdicts = judgeMemory(report)
  process.stdout.write(`\n${formatReport(report)}\n`)
  if (options.output) {
    const output = resolve(projectRoot, options.output)
    await mkdir(dirname(output), { recursive: true })
    await writeFile(output, `${JSON.stringify(report, null, 2)}\n`)
    log(`results written to ${options.output}`)
  }
  const failures = scenarios.filter((result) => result.non2xx + result.errors > 0)
  for (const result of failures) log(`${result.name}: ${result.non2xx} non-2xx responses, ${result.errors} errors ${JSON.stringify(result.statusCodes)}`)
  const uncleanExits = serviceExits.filter((exit) => exit !== 'exit 0')
  if (uncleanExits.length > 0) log(`a service did not exit cleanly on SIGTERM (${uncleanExits.join(', ')})`)
  const overBudget = report.memory.verdicts.filter((verdict) => !verdict.withinBudget)
  for (const verdict of overBudget) log(`${verdict.figure} ${verdict.measuredMiB === null ? 'could not be measured' : `${Math.round(verdict.measuredMiB)} MiB is over its budget of ${verdict.budgetMiB} MiB`}`)
  const overCpuBudget = report.overhead.filter((verdict) => !verdict.withinBudget)
  for (const verdict of overCpuBudget) log(`${verdict.scenario}: the service's CPU per request is ${verdict.ratio?.toFixed(2) ?? 'n/a'} times the bare baseline's (noise ±${verdict.noise?.toFixed(2) ?? 'n/a'}), over its budget of ${verdict.budget}`)
  if (!report.start.withinBudget) log(`start to ready ${Math.round(report.start.medianMs)} ms (noise ±${Math.round(report.start.noiseMs)} ms) is over its budget of ${report.start.budgetMs} ms`)
  const notAsDeployed = !jemalloc && REQUIRE_SYSTEM_TOOLS
  if (notAsDeployed) log(JEMALLOC_MISSING)
  log(`median time to ready ${Math.round(median(startsToReadyMs))} ms; total bench time ${Math.round((performance.now() - benchStarted) / 1000)} s`)
  return failures.length === 0 && uncleanExits.length === 0 && overBudget.length === 0 && overCpuBudget.length === 0 && report.start.withinBudget && !notAsDeployed ? 0 : 1
}

try {
  process.exitCode = await main()
} catch (error) {
  if (error instanceof UsageError) process.stderr.write(`${error.message}\n`)
  else if (!interruption.requested) log(error instanceof Error ? (error.stack ?? error.message) : String(error))
  await cleanUp()
  process.exitCode = 1
}
