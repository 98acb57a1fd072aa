// Child process that hosts the emulators for the benchmark. dynalite is pure JavaScript and busy
// under load; in its own process it has its own event loop instead of sharing the load
// generator's, and its CPU time can be told apart from the service's.
import { createAwsClients } from '../src/aws/clients.js'
import { createResources } from '../src/setup/create-resources.js'
import { EMULATOR_CREDENTIALS, startEmulators } from '../scripts/local/emulators.js'
import { BENCH_BUCKET, EMULATOR_AWS_SETTINGS } from './bench-settings.js'

export interface EmulatorEndpoints {
  dynamoEndpoint: string
  s3Endpoint: string
}

const tables = (process.env.BENCH_TABLES ?? '').split(',').filter(Boolean)

const emulators = await startEmulators({ host: '127.0.0.1' })
const clients = createAwsClients(EMULATOR_AWS_SETTINGS, undefined, {
  dynamodbEndpoint: emulators.dynamoEndpoint,
  s3Endpoint: emulators.s3Endpoint,
  credentials: EMULATOR_CREDENTIALS,
})
for (const table of tables) await createResources(clients, { table, bucket: BENCH_BUCKET })
clients.destroy()

let stopping = false
async function stop(): Promise<void> {
  if (stopping) return
  stopping = true
  await emulators.stop()
  process.exit(0)
}
// The parent going away, even killed, closes the IPC channel: never outlive it.
process.on('disconnect', () => void stop())
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())

const endpoints: EmulatorEndpoints = { dynamoEndpoint: emulators.dynamoEndpoint, s3Endpoint: emulators.s3Endpoint }
process.send?.(endpoints)
