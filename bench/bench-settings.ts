// Names and settings shared by the bench's processes.
import { DEFAULT_AWS_CALL_SETTINGS, type Config } from '../src/config/config.js'

export const BENCH_BUCKET = 'avatars-bench'
export const BENCH_REGION = 'us-east-1'
export const PAGE_SIZE = 100

export const tableFor = (users: number) => `users-${users}`

// The service's defaults, pointed at the emulators (which need path-style S3 URLs).
export const EMULATOR_AWS_SETTINGS: Config['aws'] = {
  ...DEFAULT_AWS_CALL_SETTINGS,
  region: BENCH_REGION,
  s3ForcePathStyle: true,
}

// The V8 settings the chart gives a pod for its default memory limit (NODE_OPTIONS, derived in
// charts/user-api/templates/_helpers.tpl), and its malloc settings (MALLOC_CONF for jemalloc,
// MALLOC_ARENA_MAX for glibc's malloc); the service runs with them here, so the bench measures
// the memory of what is deployed. test/chart/memory.test.ts and test/container/dockerfile-lint.test.ts
// keep them the same as the chart's and the image's.
// The image's Node (the Dockerfile's base image), as `npm test` installs it (scripts/install-tools.sh).
export const PRODUCTION_NODE = '.tools/node24/bin/node'
export const PRODUCTION_NODE_OPTIONS = '--max-old-space-size=176 --max-semi-space-size=16'
export const PRODUCTION_ENVIRONMENT = {
  MALLOC_CONF: 'narenas:1,tcache:false,background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0',
  MALLOC_ARENA_MAX: '2',
}
// The image preloads jemalloc (Debian's libjemalloc2, see the Dockerfile); the bench preloads the
// same library where it is installed, and says so where it is not.
export const JEMALLOC_INSTALL = 'apt-get install libjemalloc2'
export const jemallocCandidates = (machine = process.arch === 'arm64' ? 'aarch64' : 'x86_64') => [
  '/usr/local/lib/libjemalloc.so.2',
  `/usr/lib/${machine}-linux-gnu/libjemalloc.so.2`,
]

// A run fails when the service goes over these (docs/performance.md). Peak: the highest RSS of any
// scenario of the service as deployed by default; traced peak: the same with tracing on, an
// opt-in that loads the OpenTelemetry SDK and holds spans until they are exported; idle: the RSS
// of an instance that has had no request for IDLE_SECONDS since it became ready. The chart's
// memory limit is at least 1.5 times the highest of them.
export const MEMORY_BUDGET_MIB = { peakRss: 180, tracedPeakRss: 200, idleRss: 100 }
// Start-up leaves ~20 MiB of garbage in V8's young generation. V8's memory reducer hands it back
// once the process allocates little, 10 s to 2 min after start (its watchdog); this is past that.
export const IDLE_SECONDS = 135

// The service's CPU time per request may be at most this many times the bare baseline's
// (bench/baseline-server.ts) for the same AWS calls, by scenario; a run fails when the median ratio
// of its rounds is over the budget by more than the spread of those rounds (docs/performance.md).
export const CPU_RATIO_BUDGETS: Record<string, number> = { 'POST /user': 1.2 }
// From spawn to the first 200 of /readyz, median of the cold starts, with the same allowance.
export const START_TO_READY_BUDGET_MS = 500
