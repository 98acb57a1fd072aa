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
