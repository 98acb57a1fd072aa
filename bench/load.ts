// Load at fixed concurrency with autocannon, and what it cost the service. Services under
// comparison (the same code on a small and on a large table) are measured in alternating rounds,
// so that whatever else the machine is doing at the time weighs on both sides alike.
import autocannon, { type Instance, type RequestOptions } from 'autocannon'
import { readProcessStats, resetPeakRss } from './process-stats.js'

export interface Target {
  url: string
  servicePid: number
  storedUsers: number
  /** What the requests authenticate with, e.g. "API key", and the headers that carry it. */
  credential: string
  credentialHeaders: Record<string, string>
  /** The service, or the bare baseline server (bench/baseline-server.ts) it is compared with. */
  server: Server
  /** The service with tracing on, whose memory has a budget of its own. */
  traced?: boolean
}

export type Server = 'service' | 'baseline'

export interface LoadSettings {
  connections: number
  durationSeconds: number
  warmupSeconds: number
  rounds: number
  emulatorPid: number
  // Lets the caller stop the load that is running, e.g. on Ctrl-C.
  onLoad: (stop: () => void) => void
}

export interface ScenarioResult {
  name: string
  storedUsers: number
  credential: string
  server: Server
  connections: number
  durationSeconds: number
  rounds: number
  requests: number
  requestsPerSecond: number
  latencyMs: { p50: number; p90: number; p99: number; max: number }
  // Each round on its own, to see how much the machine's other work moved the figures.
  perRound: RoundFigures[]
  non2xx: number
  errors: number
  statusCodes: Record<string, number>
  // Per 1,000 requests; null where /proc is not available.
  serviceCpuMsPer1k: number | null
  emulatorCpuMsPer1k: number | null
  loadGeneratorCpuMsPer1k: number
  servicePeakRssMiB: number | null
  peakRssCoversScenarioOnly: boolean
  traced: boolean
}

export interface RoundFigures {
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  // null where /proc is not available.
  serviceCpuMsPerRequest: number | null
}

interface Slice {
  seconds: number
  latenciesMs: number[]
  statusCodes: Record<string, number>
  errors: number
}

export function fire(target: Pick<Target, 'url' | 'credentialHeaders'>, settings: Pick<LoadSettings, 'connections' | 'onLoad'>, requests: RequestOptions[], seconds: number): Promise<Slice> {
  const latenciesMs: number[] = []
  const statusCodes: Record<string, number> = {}
  return new Promise((resolve, reject) => {
    const instance: Instance = autocannon(
      { url: target.url, connections: settings.connections, duration: seconds, timeout: 10, headers: target.credentialHeaders, requests },
      (error, result) => {
        if (error) reject(error)
        else resolve({ seconds: result.duration, latenciesMs, statusCodes, errors: result.errors })
      },
    )
    // autocannon's own histogram rounds to whole milliseconds; these are exact.
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
      latenciesMs.push(responseTimeMs)
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1
    })
    settings.onLoad(() => {
      instance.stop()
    })
  })
}

class Tally {
  readonly latenciesMs: number[] = []
  readonly rounds: RoundFigures[] = []
  readonly statusCodes: Record<string, number> = {}
  seconds = 0
  errors = 0
  serviceCpuMs: number | null = 0
  emulatorCpuMs: number | null = 0
  loadGeneratorCpuMs = 0

  add(slice: Slice, serviceCpuMs: number | null): void {
    const sorted = [...slice.latenciesMs].sort((a, b) => a - b)
    this.rounds.push({
      requestsPerSecond: round1(sorted.length / slice.seconds),
      p50Ms: round1(percentile(sorted, 0.5)),
      p99Ms: round1(percentile(sorted, 0.99)),
      serviceCpuMsPerRequest: serviceCpuMs === null || sorted.length === 0 ? null : serviceCpuMs / sorted.length,
    })
    for (const latency of slice.latenciesMs) this.latenciesMs.push(latency)
    for (const [code, count] of Object.entries(slice.statusCodes)) this.statusCodes[code] = (this.statusCodes[code] ?? 0) + count
    this.seconds += slice.seconds
    this.errors += slice.errors
  }
}

const difference = (before: { cpuMs: number } | undefined, after: { cpuMs: number } | undefined) =>
  before && after ? after.cpuMs - before.cpuMs : null
const addOrNull = (total: number | null, value: number | null) => (total === null || value === null ? null : total + value)

const round1 = (value: number) => Math.round(value * 10) / 10

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!
}

// Measures `requestsFor(target)` against every target, in `rounds` alternating slices each.
export async function measureScenario(
  name: string,
  targets: Target[],
  requestsFor: (target: Target) => RequestOptions[],
  settings: LoadSettings,
): Promise<ScenarioResult[]> {
  const requests = targets.map(requestsFor)
  for (const [index, target] of targets.entries()) {
    if (settings.warmupSeconds > 0) await fire(target, settings, requests[index]!, settings.warmupSeconds)
  }
  const peakResettable = await Promise.all(targets.map((target) => resetPeakRss(target.servicePid)))
  const tallies = targets.map(() => new Tally())
  const sliceSeconds = Math.max(1, Math.round(settings.durationSeconds / settings.rounds))
  for (let round = 0; round < settings.rounds; round++) {
    // A B, then B A: neither side always runs right after the other, in whatever state it left.
    const order = round % 2 === 0 ? [...targets.keys()] : [...targets.keys()].reverse()
    for (const index of order) {
      const target = targets[index]!
      const tally = tallies[index]!
      const [serviceBefore, emulatorBefore] = await Promise.all([readProcessStats(target.servicePid), readProcessStats(settings.emulatorPid)])
      const selfBefore = process.cpuUsage()
      const slice = await fire(target, settings, requests[index]!, sliceSeconds)
      const self = process.cpuUsage(selfBefore)
      const [serviceAfter, emulatorAfter] = await Promise.all([readProcessStats(target.servicePid), readProcessStats(settings.emulatorPid)])
      const serviceCpuMs = difference(serviceBefore, serviceAfter)
      tally.add(slice, serviceCpuMs)
      tally.serviceCpuMs = addOrNull(tally.serviceCpuMs, serviceCpuMs)
      tally.emulatorCpuMs = addOrNull(tally.emulatorCpuMs, difference(emulatorBefore, emulatorAfter))
      tally.loadGeneratorCpuMs += (self.user + self.system) / 1000
    }
  }
  return Promise.all(
    targets.map(async (target, index) => {
      const tally = tallies[index]!
      const sorted = [...tally.latenciesMs].sort((a, b) => a - b)
      const completed = sorted.length
      const per1k = (ms: number | null) => (ms === null || completed === 0 ? null : (ms / completed) * 1000)
      const stats = await readProcessStats(target.servicePid)
      const non2xx = Object.entries(tally.statusCodes).reduce((sum, [code, count]) => (code.startsWith('2') ? sum : sum + count), 0)
      return {
        name,
        storedUsers: target.storedUsers,
        credential: target.credential,
        traced: target.traced ?? false,
        server: target.server,
        connections: settings.connections,
        durationSeconds: tally.seconds,
        rounds: settings.rounds,
        requests: completed,
        requestsPerSecond: completed / tally.seconds,
        latencyMs: {
          p50: round1(percentile(sorted, 0.5)),
          p90: round1(percentile(sorted, 0.9)),
          p99: round1(percentile(sorted, 0.99)),
          max: round1(sorted.at(-1) ?? Number.NaN),
        },
        perRound: tally.rounds,
        non2xx,
        errors: tally.errors,
        statusCodes: tally.statusCodes,
        serviceCpuMsPer1k: per1k(tally.serviceCpuMs),
        emulatorCpuMsPer1k: per1k(tally.emulatorCpuMs),
        loadGeneratorCpuMsPer1k: per1k(tally.loadGeneratorCpuMs)!,
        servicePeakRssMiB: stats ? stats.peakRssBytes / 1024 ** 2 : null,
        peakRssCoversScenarioOnly: peakResettable[index]!,
      }
    }),
  )
}
