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
// charts/user-api/templates/_helpers.tpl); the service runs with them here, so the bench measures
// the memory of what is deployed. test/chart/memory.test.ts keeps the two the same.
export const PRODUCTION_NODE_OPTIONS = '--max-old-space-size=176 --max-semi-space-size=16'

// A run fails when the service goes over these (docs/performance.md). Peak: the highest RSS of any
// scenario; idle: RSS after IDLE_SETTLE_SECONDS without a request. The chart's memory limit is at
// least 1.5 times the peak budget.
export const MEMORY_BUDGET_MIB = { peakRss: 180, idleRss: 100 }
