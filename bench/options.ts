// Bench settings, from flags or BENCH_* environment variables (flags win). The defaults keep a
// whole run under about six minutes on a 2-core machine; a smoke run shrinks every phase.
import { parseArgs } from 'node:util'

export interface BenchOptions {
  durationSeconds: number
  warmupSeconds: number
  initialWarmupSeconds: number
  connections: number
  smallUsers: number
  largeUsers: number
  seedConcurrency: number
  logLevel: string
  build: boolean
  output: string | undefined
  profileDir: string | undefined
  node: string | undefined
  starts: number
  rounds: number
}

export const USAGE = `Usage: npm run bench -- [options]       (each option also reads the BENCH_* variable shown)
  --duration <s>          measured seconds per scenario and table        BENCH_DURATION_SECONDS (20)
  --rounds <n>            alternating slices the duration is cut into    BENCH_ROUNDS (10)
  --warmup <s>            unmeasured seconds before each scenario        BENCH_WARMUP_SECONDS (3)
  --initial-warmup <s>    unmeasured GET load per service at first, until
                          the JIT compilers are done                     BENCH_INITIAL_WARMUP_SECONDS (20)
  --connections <n>       concurrent connections                         BENCH_CONNECTIONS (16)
  --small-users <n>       users in the small table                       BENCH_SMALL_USERS (1000)
  --large-users <n>       users in the large table                       BENCH_LARGE_USERS (100000)
  --starts <n>            cold starts timed to /readyz = 200             BENCH_STARTS (3)
  --seed-concurrency <n>  BatchWriteItem calls in flight                 BENCH_SEED_CONCURRENCY (4)
  --log-level <level>     the service's LOG_LEVEL                        BENCH_LOG_LEVEL (warn)
  --no-build              run ./dist/server.js from \`npm run build\` instead of compiling
  --output <file>         JSON results ("" for none)                     BENCH_OUTPUT (bench/results/latest.json)
  --profile <dir>         write V8 CPU profiles of the services there    BENCH_PROFILE_DIR
  --node <path>           the Node binary that runs the service; by default the image's runtime,
                          Node 24 from npm test's tools (.tools/node24/bin/node), where
                          installed, else this one: --node "$(command -v node)"  BENCH_NODE
Smoke run (about two and a half minutes: the idle instance is read 135 s after its start):
  npm run bench -- --duration 2 --rounds 1 --warmup 1 --initial-warmup 2 --small-users 200 --large-users 2000 --starts 1`

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n\n${USAGE}`)
    this.name = 'UsageError'
  }
}

function positiveInteger(name: string, raw: string | undefined, fallback: number, minimum = 1): number {
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < minimum) throw new UsageError(`${name} must be an integer >= ${minimum}, got ${JSON.stringify(raw)}`)
  return value
}

const FLAGS = {
  duration: { type: 'string' },
  rounds: { type: 'string' },
  warmup: { type: 'string' },
  'initial-warmup': { type: 'string' },
  connections: { type: 'string' },
  'small-users': { type: 'string' },
  'large-users': { type: 'string' },
  starts: { type: 'string' },
  'seed-concurrency': { type: 'string' },
  'log-level': { type: 'string' },
  'no-build': { type: 'boolean' },
  output: { type: 'string' },
  profile: { type: 'string' },
  node: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: FLAGS }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions | 'help' {
  const values = parseFlags(argv)
  if (values.help) return 'help'
  const smallUsers = positiveInteger('small users', values['small-users'] ?? env.BENCH_SMALL_USERS, 1000)
  const options: BenchOptions = {
    durationSeconds: positiveInteger('duration', values.duration ?? env.BENCH_DURATION_SECONDS, 20),
    warmupSeconds: positiveInteger('warmup', values.warmup ?? env.BENCH_WARMUP_SECONDS, 3, 0),
    initialWarmupSeconds: positiveInteger('initial warm-up', values['initial-warmup'] ?? env.BENCH_INITIAL_WARMUP_SECONDS, 20, 0),
    connections: positiveInteger('connections', values.connections ?? env.BENCH_CONNECTIONS, 16),
    smallUsers,
    largeUsers: positiveInteger('large users', values['large-users'] ?? env.BENCH_LARGE_USERS, 100_000),
    seedConcurrency: positiveInteger('seed concurrency', values['seed-concurrency'] ?? env.BENCH_SEED_CONCURRENCY, 4),
    logLevel: values['log-level'] ?? env.BENCH_LOG_LEVEL ?? 'warn',
    build: !values['no-build'],
    output: values.output ?? env.BENCH_OUTPUT ?? 'bench/results/latest.json',
    profileDir: values.profile ?? env.BENCH_PROFILE_DIR,
    node: values.node ?? env.BENCH_NODE,
    starts: positiveInteger('starts', values.starts ?? env.BENCH_STARTS, 3),
    rounds: positiveInteger('rounds', values.rounds ?? env.BENCH_ROUNDS, 10),
  }
  if (options.largeUsers <= options.smallUsers) throw new UsageError(`large users (${options.largeUsers}) must exceed small users (${smallUsers})`)
  if (options.output === '') options.output = undefined
  return options
}
