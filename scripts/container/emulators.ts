// DynamoDB (dynalite) and S3 (s3rver) on 127.0.0.1 for the container smoke test, with the users
// table and the avatar bucket already created. The container shares the host's network, so the
// app inside reaches them on loopback. Runs until SIGTERM or SIGINT, then stops both.
//
//   npx tsx scripts/container/emulators.ts --table users --bucket avatars --ready-file /tmp/endpoints.json
//
// The ready file is written last, as JSON {"dynamodb": url, "s3": url}; wait for it to appear.
import { writeFileSync, renameSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { S3Client } from '@aws-sdk/client-s3'
import { createResources } from '../../src/setup/create-resources.js'
import { EMULATOR_CREDENTIALS, startEmulators } from '../local/emulators.js'

const { values } = parseArgs({
  options: {
    table: { type: 'string', default: 'users' },
    bucket: { type: 'string', default: 'avatars' },
    region: { type: 'string', default: 'us-east-1' },
    'ready-file': { type: 'string' },
  },
})
const readyFile = values['ready-file']
if (readyFile === undefined) throw new Error('--ready-file is required')

const emulators = await startEmulators({ host: '127.0.0.1' })
const clientOptions = { region: values.region, credentials: EMULATOR_CREDENTIALS }
const dynamo = new DynamoDBClient({ ...clientOptions, endpoint: emulators.dynamoEndpoint })
const s3 = new S3Client({ ...clientOptions, endpoint: emulators.s3Endpoint, forcePathStyle: true })
await createResources({ dynamo, s3 }, { table: values.table, bucket: values.bucket })
dynamo.destroy()
s3.destroy()

// Written under another name and renamed, so a reader never sees a half-written file.
writeFileSync(`${readyFile}.partial`, JSON.stringify({ dynamodb: emulators.dynamoEndpoint, s3: emulators.s3Endpoint }))
renameSync(`${readyFile}.partial`, readyFile)
console.log(`emulators ready: dynamodb ${emulators.dynamoEndpoint}, s3 ${emulators.s3Endpoint}`)

let stopping = false
function stop(): void {
  if (stopping) return
  stopping = true
  emulators.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('stopping the emulators failed', error)
      process.exit(1)
    },
  )
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
