// The embedded AWS-compatible backends: dynalite (DynamoDB) and s3rver (S3), both on loopback.
// With a data folder they keep data across restarts; without one DynamoDB lives in memory and
// S3 in a temporary folder that is removed on stop. Used by `npm start`, the tests and the bench.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import dynalite from 'dynalite'
import S3rver from 's3rver'

// s3rver's built-in account, public and documented; dynalite accepts any credentials.
export const EMULATOR_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

export interface Emulators {
  dynamoEndpoint: string
  s3Endpoint: string
  stop(): Promise<void>
}

export interface EmulatorOptions {
  dataDir?: string
  host?: string
  dynamoPort?: number
  s3Port?: number
}

export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const host = options.host ?? '127.0.0.1'
  const persistent = options.dataDir !== undefined
  const s3Directory = persistent ? join(options.dataDir!, 's3') : mkdtempSync(join(tmpdir(), 'user-api-s3-'))
  mkdirSync(s3Directory, { recursive: true })
  const dynamoPath = persistent ? join(options.dataDir!, 'dynamodb') : undefined
  if (dynamoPath) mkdirSync(dynamoPath, { recursive: true })

  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(dynamoPath ? { path: dynamoPath } : {}) })
  await new Promise<void>((resolve, reject) => {
    dynamo.once('error', reject)
    dynamo.listen(options.dynamoPort ?? 0, host, () => {
      resolve()
    })
  })
  const s3 = new S3rver({ address: host, port: options.s3Port ?? 0, silent: true, directory: s3Directory })
  let s3Address: AddressInfo
  try {
    s3Address = await s3.run()
  } catch (error) {
    dynamo.close()
    throw error
  }

  const dynamoAddress = dynamo.address() as AddressInfo
  return {
    dynamoEndpoint: `http://${host}:${dynamoAddress.port}`,
    s3Endpoint: `http://${host}:${s3Address.port}`,
    async stop() {
      dynamo.closeAllConnections()
      await Promise.all([
        new Promise<void>((resolve) => dynamo.close(() => {
          resolve()
        })),
        s3.close(),
      ])
      if (!persistent) rmSync(s3Directory, { recursive: true, force: true })
    },
  }
}
