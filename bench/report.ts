// The printed summary and the JSON file of a bench run.
import { cpus, loadavg, release, totalmem } from 'node:os'
import { CALLS_PER_CREDENTIAL, type AuthenticationCosts } from './auth-cost.js'
import type { ScenarioResult } from './load.js'
import type { ProtectionCosts } from './protection-cost.js'

export interface Machine {
  cpuCount: number
  cpuModel: string
  memoryGiB: number
  node: string
  os: string
  loadAverageAtStart: number[]
}

export interface SeedResult {
  users: number
  seconds: number
  usersPerSecond: number
  indexWalkSeconds: number
}

export interface FlatnessVerdict {
  scenario: string
  p50Ms: [number, number]
  p99Ms: [number, number]
  serviceCpuMsPer1k: [number | null, number | null]
  flat: boolean
}

export interface MemoryVerdict {
  figure: string
  measuredMiB: number | null
  budgetMiB: number
  withinBudget: boolean
}

/** A scenario's service CPU per request against the bare baseline's, round by round. */
export interface OverheadVerdict {
  scenario: string
  storedUsers: number
  serviceCpuMsPer1k: number | null
  baselineCpuMsPer1k: number | null
  // Median of the per-round ratios (each service round against the baseline round next to it).
  ratio: number | null
  // Half the spread of the middle half of those ratios: how much the machine moved them.
  noise: number | null
  budget: number | undefined
  // False with fewer than MIN_SAMPLES_TO_JUDGE rounds (a smoke run): no noise to judge against.
  judged: boolean
  withinBudget: boolean
}

export interface Starts {
  wallMs: number[]
  // CPU time used by then; empty without /proc.
  cpuMs: number[]
}

export interface StartVerdict {
  medianMs: number
  // Half the spread of the middle half of the starts.
  noiseMs: number
  medianCpuMs: number | null
  budgetMs: number
  judged: boolean
  withinBudget: boolean
  baseline: Starts
}

export interface BenchReport {
  date: string
  command: string
  machine: Machine
  options: Record<string, unknown>
  startToReadyMs: number[]
  serviceNode: string
  serviceNodeOptions: string
  // Other variables the chart sets for the runtime, e.g. MALLOC_ARENA_MAX.
  serviceEnvironment: Record<string, string>
  // Median over the cold starts, read as /readyz first answers 200.
  serviceRssJustStartedMiB: number | null
  // An instance that never got a request, IDLE_SECONDS after it became ready.
  serviceIdleRssMiB: number | null
  seeding: SeedResult[]
  scenarios: ScenarioResult[]
  flatness: FlatnessVerdict[]
  authentication: AuthenticationCosts
  protection: ProtectionCosts
  // What the traced service sent its collector, warm-up and scenario together.
  tracing: { sampledShare: number; exportRequests: number; exportedBytes: number }
  serviceExits: string[]
  loadAverageAtEnd: number[]
  memory: { budgetMiB: { peakRss: number; tracedPeakRss: number; idleRss: number }; idleSeconds: number; verdicts: MemoryVerdict[] }
  overhead: OverheadVerdict[]
  start: StartVerdict
}

export function describeMachine(): Machine {
  const processors = cpus()
  return {
    cpuCount: processors.length,
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    os: `${process.platform} ${release()}`,
    loadAverageAtStart: loadavg().map(round1),
  }
}

// Flat means the large table costs no more than noise does: latency and the service's CPU time
// per request within half again (or 5 ms). Work that grew with the table would be 100 times more.
export function flatness(small: ScenarioResult, large: ScenarioResult): FlatnessVerdict {
  const latencyWithin = (before: number, after: number) => after <= Math.max(before * 1.5, before + 5)
  const cpuWithin = (before: number | null, after: number | null) => before === null || after === null || after <= before * 1.5
  return {
    scenario: small.name,
    p50Ms: [small.latencyMs.p50, large.latencyMs.p50],
    p99Ms: [small.latencyMs.p99, large.latencyMs.p99],
    serviceCpuMsPer1k: [small.serviceCpuMsPer1k, large.serviceCpuMsPer1k],
    flat:
      latencyWithin(small.latencyMs.p50, large.latencyMs.p50) &&
      latencyWithin(small.latencyMs.p99, large.latencyMs.p99) &&
      cpuWithin(small.serviceCpuMsPer1k, large.serviceCpuMsPer1k),
  }
}

// A figure that could not be measured (no /proc) fails too: the budget is a promise about Linux pods.
export function judgeMemory(report: Pick<BenchReport, 'scenarios' | 'serviceIdleRssMiB' | 'memory'>): MemoryVerdict[] {
  const highest = (traced: boolean) => {
    const peaks = report.scenarios.filter((result) => result.traced === traced).map((result) => result.servicePeakRssMiB)
    return peaks.length === 0 || peaks.includes(null) ? null : Math.max(...(peaks as number[]))
  }
  const verdict = (figure: string, measuredMiB: number | null, budgetMiB: number): MemoryVerdict => ({
    figure,
    measuredMiB,
    budgetMiB,
    withinBudget: measuredMiB !== null && measuredMiB <= budgetMiB,
  })
  return [
    verdict('peak RSS under load (highest of the scenarios without tracing)', highest(false), report.memory.budgetMiB.peakRss),
    verdict('peak RSS under load with tracing on (opt-in)', highest(true), report.memory.budgetMiB.tracedPeakRss),
    verdict(`idle RSS (${report.memory.idleSeconds} s after start, no request)`, report.serviceIdleRssMiB, report.memory.budgetMiB.idleRss),
  ]
}

function quantile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  const position = (sorted.length - 1) * fraction
  const below = Math.floor(position)
  return sorted[below]! + (sorted[Math.min(below + 1, sorted.length - 1)]! - sorted[below]!) * (position - below)
}

/** Fewer rounds or starts than this measure no noise, so a budget is reported but not judged. */
export const MIN_SAMPLES_TO_JUDGE = 3

/** Half the interquartile range: the run-to-run noise a budget is allowed. */
export const noiseOf = (values: number[]) => (values.length < 2 ? 0 : (quantile(values, 0.75) - quantile(values, 0.25)) / 2)

// Each service scenario against the baseline's run of the same scenario on the same table. A
// budget is exceeded only when the median ratio is over it by more than the noise.
export function judgeOverhead(scenarios: ScenarioResult[], budgets: Record<string, number>): OverheadVerdict[] {
  return scenarios.flatMap((result) => {
    if (result.server !== 'service') return []
    const baseline = scenarios.find((other) => other.server === 'baseline' && other.name === result.name && other.storedUsers === result.storedUsers)
    if (!baseline) return []
    const ratios = result.perRound.flatMap((round, index) => {
      const own = round.serviceCpuMsPerRequest
      const bare = baseline.perRound[index]?.serviceCpuMsPerRequest
      return own === null || bare === null || bare === undefined || bare === 0 ? [] : [own / bare]
    })
    const ratio = ratios.length === 0 ? null : median(ratios)
    const noise = ratios.length === 0 ? null : noiseOf(ratios)
    const budget = budgets[result.name]
    const judged = budget !== undefined && result.perRound.length >= MIN_SAMPLES_TO_JUDGE
    return [{
      scenario: result.name,
      storedUsers: result.storedUsers,
      serviceCpuMsPer1k: result.serviceCpuMsPer1k,
      baselineCpuMsPer1k: baseline.serviceCpuMsPer1k,
      ratio,
      noise,
      budget,
      judged,
      // A budget that could not be measured (no /proc) fails, as the memory budgets do.
      withinBudget: !judged || (ratio !== null && noise !== null && ratio <= budget + noise),
    }]
  })
}

export function judgeStart(service: Starts, baseline: Starts, budgetMs: number): StartVerdict {
  const medianMs = median(service.wallMs)
  const noiseMs = noiseOf(service.wallMs)
  const medianCpuMs = service.cpuMs.length === 0 ? null : median(service.cpuMs)
  const judged = service.wallMs.length >= MIN_SAMPLES_TO_JUDGE
  return { medianMs, noiseMs, medianCpuMs, budgetMs, judged, withinBudget: !judged || medianMs <= budgetMs + noiseMs, baseline }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const round1 = (value: number) => Math.round(value * 10) / 10
const integer = (value: number | null) => (value === null || Number.isNaN(value) ? 'n/a' : Math.round(value).toLocaleString('en-US'))

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column]?.length ?? 0)))
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')
  return [line(headers), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n')
}

/** Ends the name of a scenario run once per credential on the same service. */
export const CREDENTIAL_COMPARISON = ', API key vs bearer token'
/** Ends the name of a scenario run on a service with its rate limits on and on one with them off. */
export const RATE_LIMIT_COMPARISON = ', rate limits on vs off'
/** Ends the name of a scenario run on a service with tracing off and on one with it on. */
export const TRACING_COMPARISON = ', tracing off vs on'
/** The share of new traces the traced service records, as the chart's default sampler. */
export const TRACING_SAMPLED_SHARE = 0.1
const COMPARISONS = [CREDENTIAL_COMPARISON, RATE_LIMIT_COMPARISON, TRACING_COMPARISON]

export function formatReport(report: BenchReport): string {
  const { machine } = report
  const scenarioName = (result: ScenarioResult) => {
    const comparison = COMPARISONS.find((suffix) => result.name.endsWith(suffix))
    const name = comparison === undefined ? result.name : `${result.name.slice(0, -comparison.length)} (${result.credential})`
    return result.server === 'baseline' ? `${name} [bare baseline]` : name
  }
  const scenarioRows = report.scenarios.map((result) => [
    scenarioName(result),
    integer(result.storedUsers),
    integer(result.requestsPerSecond),
    result.latencyMs.p50.toFixed(1),
    result.latencyMs.p99.toFixed(1),
    integer(result.non2xx + result.errors),
    integer(result.serviceCpuMsPer1k),
    integer(result.emulatorCpuMsPer1k),
    integer(result.loadGeneratorCpuMsPer1k),
    integer(result.servicePeakRssMiB),
  ])
  const flatRows = report.flatness.map((verdict) => [
    verdict.scenario,
    `${verdict.p50Ms[0]} -> ${verdict.p50Ms[1]}`,
    `${verdict.p99Ms[0]} -> ${verdict.p99Ms[1]}`,
    `${integer(verdict.serviceCpuMsPer1k[0])} -> ${integer(verdict.serviceCpuMsPer1k[1])}`,
    verdict.flat ? 'yes' : 'NO',
  ])
  const seeding = report.seeding
    .map((seed) => `${integer(seed.users)} users in ${round1(seed.seconds)} s (${integer(seed.usersPerSecond)} users/s; index walk ${round1(seed.indexWalkSeconds)} s)`)
    .join('; ')
  const first = report.scenarios[0]
  return [
    `user-api benchmark, ${report.date}`,
    `Machine: ${machine.cpuCount} x ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.os}; load average ${machine.loadAverageAtStart.join(' ')} at start, ${report.loadAverageAtEnd.join(' ')} at end`,
    `Command: ${report.command}`,
    `Load: autocannon, ${first?.connections} connections, ${Math.round(first?.durationSeconds ?? 0)} s per scenario and table in ${first?.rounds} alternating rounds, after a warm-up; all on 127.0.0.1`,
    `Service: ${report.serviceNode}, ${[`NODE_OPTIONS=${report.serviceNodeOptions}`, ...Object.entries(report.serviceEnvironment).map(([name, value]) => `${name}=${value}`)].join(', ')}`,
    `Start to /readyz = 200: median ${integer(report.start.medianMs)} ms of ${report.startToReadyMs.map(integer).join(', ')} ms (noise ±${integer(report.start.noiseMs)} ms, budget ${report.start.budgetMs} ms: ${!report.start.judged ? 'not judged, too few starts' : report.start.withinBudget ? 'within' : 'OVER'}), CPU used by then: median ${integer(report.start.medianCpuMs)} ms; bare baseline ${report.start.baseline.wallMs.map(integer).join(', ')} ms (CPU ${report.start.baseline.cpuMs.map(integer).join(', ')} ms); RSS at that moment: median ${integer(report.serviceRssJustStartedMiB)} MiB`,
    `Seeded with BatchWriteItem: ${seeding}`,
    '',
    table(
      ['Scenario', 'Users', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'CPU ms/1k: service', 'emulators', 'load gen', 'peak RSS MiB'],
      scenarioRows,
    ),
    '',
    table(['GET /users as the table grows', 'p50 ms', 'p99 ms', 'service CPU ms/1k', 'flat'], flatRows),
    '',
    table(
      ['Service CPU per request over the bare baseline (bench/baseline-server.ts)', 'Users', 'service ms/1k', 'baseline ms/1k', 'ratio', 'noise ±', 'budget', 'within'],
      report.overhead.map((verdict) => [
        verdict.scenario,
        integer(verdict.storedUsers),
        integer(verdict.serviceCpuMsPer1k),
        integer(verdict.baselineCpuMsPer1k),
        verdict.ratio === null ? 'n/a' : verdict.ratio.toFixed(2),
        verdict.noise === null ? 'n/a' : verdict.noise.toFixed(2),
        verdict.budget === undefined ? '' : verdict.budget.toFixed(2),
        verdict.budget === undefined ? '' : !verdict.judged ? 'not judged, too few rounds' : verdict.withinBudget ? 'yes' : 'NO',
      ]),
    ),
    '',
    table(
      ['Authenticating one request (in-process, keys cached)', 'µs per request', 'batches (µs)'],
      report.authentication.costs.map((cost) => [cost.credential, cost.microsecondsPerRequest.toFixed(1), cost.batchesMicroseconds.map((value) => value.toFixed(1)).join(' ')]),
    ),
    `Fetches of the issuer's keys during those ${integer(report.authentication.costs.length * CALLS_PER_CREDENTIAL)} authentications: ${report.authentication.keyFetches}`,
    '',
    table(
      ['Service memory', 'MiB', 'budget MiB', 'within'],
      report.memory.verdicts.map((verdict) => [verdict.figure, integer(verdict.measuredMiB), integer(verdict.budgetMiB), verdict.withinBudget ? 'yes' : 'NO']),
    ),
    '',
    table(
      [`Abuse protection, one request (in-process, on a bare route of ${report.protection.bareMicrosecondsPerRequest.toFixed(1)} µs)`, 'µs per request', 'middle half of the batches (µs)'],
      report.protection.costs.map((cost) => {
        const sorted = [...cost.batchesMicroseconds].sort((a, b) => a - b)
        const quartile = (fraction: number) => sorted[Math.floor((sorted.length - 1) * fraction)]!.toFixed(1)
        return [cost.protection, cost.microsecondsPerRequest.toFixed(1), `${quartile(0.25)} to ${quartile(0.75)}`]
      }),
    ),
    '',
    tracingSummary(report),
    '',
    `Services stopped with SIGTERM: ${report.serviceExits.join(', ')}`,
  ].join('\n')
}

/** What tracing cost per request: the traced service against the same service untraced, same rounds. */
function tracingSummary(report: BenchReport): string {
  const [off, on] = report.scenarios.filter((result) => result.name.endsWith(TRACING_COMPARISON))
  if (off === undefined || on === undefined) return 'Tracing: not measured'
  const signed = (value: number, digits = 0) => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`
  // CPU milliseconds per 1,000 requests are CPU microseconds per request.
  const cpu =
    off.serviceCpuMsPer1k === null || on.serviceCpuMsPer1k === null
      ? 'n/a'
      : `${signed(on.serviceCpuMsPer1k - off.serviceCpuMsPer1k)} µs per request (${signed(((on.serviceCpuMsPer1k - off.serviceCpuMsPer1k) / off.serviceCpuMsPer1k) * 100, 1)}%)`
  const { sampledShare, exportRequests, exportedBytes } = report.tracing
  return [
    `Tracing on (${sampledShare * 100}% of traces sampled) against off, ${off.name.slice(0, -TRACING_COMPARISON.length)} in alternating rounds: service CPU ${cpu},`,
    `  p50 ${off.latencyMs.p50.toFixed(1)} -> ${on.latencyMs.p50.toFixed(1)} ms, p99 ${off.latencyMs.p99.toFixed(1)} -> ${on.latencyMs.p99.toFixed(1)} ms, peak RSS ${integer(off.servicePeakRssMiB)} -> ${integer(on.servicePeakRssMiB)} MiB;`,
    `  ${integer(exportRequests)} OTLP exports, ${integer(exportedBytes / 1024)} KiB sent to the collector (warm-up and scenario)`,
  ].join('\n')
}
