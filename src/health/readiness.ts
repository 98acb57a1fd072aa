// Readiness means "this pod can serve". A pod becomes ready once DynamoDB has answered a
// DescribeTable for the configured table, so a deployment with a wrong table, region or identity
// never becomes ready and never replaces working pods. From then on only draining makes it
// unready: DynamoDB, IAM and KMS are shared by every pod, so a later fault would take every pod
// out of the Service at once, and clients would meet load-balancer errors (and node drains a
// blocked PodDisruptionBudget) instead of the 503 problem details with Retry-After that the API
// gives for each call. Until the first success the check is cached for a few seconds and shared
// by concurrent probes, so probes never multiply load on DynamoDB.
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { FastifyBaseLogger } from 'fastify'

export const READINESS_CACHE_MS = 5000
/** Longest a probe waits for DescribeTable; the chart's readiness probe timeout must exceed it. */
export const READINESS_CHECK_TIMEOUT_MS = 2000

export type NotReadyReason = 'draining' | 'starting'

export class Readiness {
  draining = false
  private dependenciesAnswered = false
  private lastCheckAt: number | undefined
  private inFlight: Promise<void> | undefined

  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
    private readonly log: FastifyBaseLogger,
    private readonly cacheMs = READINESS_CACHE_MS,
  ) {}

  async isReady(): Promise<{ ready: true } | { ready: false; reason: NotReadyReason }> {
    if (this.draining) return { ready: false, reason: 'draining' }
    if (!this.dependenciesAnswered) await this.checkAtMostEveryCacheMs()
    return this.dependenciesAnswered ? { ready: true } : { ready: false, reason: 'starting' }
  }

  /**
   * Starts the first check without waiting for a probe, so that DynamoDB's answer (and, on AWS,
   * fetching the credentials and opening the first connection) overlaps the rest of start-up.
   */
  checkEarly(): void {
    if (!this.dependenciesAnswered) void this.checkAtMostEveryCacheMs()
  }

  private checkAtMostEveryCacheMs(): Promise<void> {
    if (this.lastCheckAt !== undefined && Date.now() - this.lastCheckAt < this.cacheMs) return Promise.resolve()
    this.inFlight ??= this.check().finally(() => {
      this.lastCheckAt = Date.now()
      this.inFlight = undefined
    })
    return this.inFlight
  }

  private async check(): Promise<void> {
    try {
      const { Table } = await this.dynamo.send(new DescribeTableCommand({ TableName: this.table }), {
        abortSignal: AbortSignal.timeout(READINESS_CHECK_TIMEOUT_MS),
      })
      if (Table?.TableStatus === 'ACTIVE' || Table?.TableStatus === 'UPDATING') {
        this.dependenciesAnswered = true
        this.log.info({ table: this.table }, 'ready: DynamoDB answered for the table')
      } else {
        this.log.warn({ table: this.table, table_status: Table?.TableStatus }, 'not ready yet: the table is not active')
      }
    } catch (error) {
      // The reason stays in the log: /readyz is reachable from outside and says only "starting".
      this.log.warn({ err: error, table: this.table }, 'not ready yet: DescribeTable failed (check the table name, region and AWS identity)')
    }
  }
}
