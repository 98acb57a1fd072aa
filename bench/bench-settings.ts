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
// charts/user-api/templates/_helpers.tpl), and its malloc setting (MALLOC_ARENA_MAX); the service
// runs with them here, so the bench measures the memory of what is deployed.
// test/chart/memory.test.ts keeps them the same as the chart's.
export const PRODUCTION_NODE_OPTIONS = '--max-old-space-size=176 --max-semi-space-size=16'
export const PRODUCTION_ENVIRONMENT = { MALLOC_ARENA_MAX: '2' }

// A run fails when the service goes over these (docs/performance.md). Peak: the highest RSS of any
// scenario; idle: the RSS of an instance that has had no request for IDLE_SECONDS since it became
// ready. The chart's memory limit is at least 1.5 times the peak budget.
export const MEMORY_BUDGET_MIB = { peakRss: 180, idleRss: 100 }
// Start-up leaves ~20 MiB of garbage in V8's young generation. V8's memory reducer hands it back
// once the process allocates little, 10 s to 2 min after start (its watchdog); this is past that.
export const IDLE_SECONDS = 135

// The service's CPU time per request may be at most this many times the bare baseline's
// (bench/baseline-server.ts) for the same AWS calls, by scenario; a run fails when the median ratio
// of its rounds is over the budget by more than the spread of those rounds (docs/performance.md).
export const CPU_RATIO_BUDGETS: Record<string, number> = { 'POST /user': 1.2 }
// From spawn to the first 200 of /readyz, median of the cold starts, with the same allowance.
export const START_TO_READY_BUDGET_MS = 500
