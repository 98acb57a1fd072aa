// Readiness: DynamoDB answers and the process is not draining. The dependency check is cached
// for a few seconds and shared by concurrent probes, so probes never multiply load on DynamoDB.
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { FastifyBaseLogger } from 'fastify'

export const READINESS_CACHE_MS = 5000
export const READINESS_CHECK_TIMEOUT_MS = 2000

export class Readiness {
  draining = false
  private cached: { ready: boolean; at: number } | undefined
  private inFlight: Promise<boolean> | undefined

  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
    private readonly log: FastifyBaseLogger,
    private readonly cacheMs = READINESS_CACHE_MS,
  ) {}

  async isReady(): Promise<{ ready: boolean; reason?: string }> {
    if (this.draining) return { ready: false, reason: 'draining' }
    const dynamoReady = await this.dynamoAnswers()
    return dynamoReady ? { ready: true } : { ready: false, reason: 'dynamodb unavailable' }
  }

  private dynamoAnswers(): Promise<boolean> {
    if (this.cached && Date.now() - this.cached.at < this.cacheMs) return Promise.resolve(this.cached.ready)
    this.inFlight ??= this.check().finally(() => {
      this.inFlight = undefined
    })
    return this.inFlight
  }

  private async check(): Promise<boolean> {
    let ready = false
    try {
      const { Table } = await this.dynamo.send(new DescribeTableCommand({ TableName: this.table }), {
        abortSignal: AbortSignal.timeout(READINESS_CHECK_TIMEOUT_MS),
      })
      ready = Table?.TableStatus === 'ACTIVE' || Table?.TableStatus === 'UPDATING'
    } catch (error) {
      this.log.warn({ err: error }, 'readiness check: DynamoDB did not answer')
    }
    this.cached = { ready, at: Date.now() }
    return ready
  }
}
