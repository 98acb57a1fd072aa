// AWS metrics label the AWS service `aws_service`: a plain `service` label would clash with the
// label Prometheus adds for the scraped Kubernetes Service.
// One registry per app instance (not prom-client's global one), so tests can build many apps in
// one process and every app exposes only its own series.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/**
 * Buckets of http_request_duration_seconds. The latency SLO counts the requests under its threshold
 * from the bucket whose bound is that threshold, so every threshold the chart accepts is a bucket
 * here (values.schema.json lists the same numbers; test/chart/slo-rules.test.ts compares them).
 * They are fixed, not configurable: a bucket added later exists only from then on, and an SLI over
 * 30 days would mix periods with and without it.
 */
export const HTTP_DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10] as const

export interface Metrics {
  registry: Registry
  httpRequestDuration: Histogram<'route' | 'method' | 'status_code'>
  httpRequests: Counter<'route' | 'method' | 'status_code'>
  awsCallDuration: Histogram<'aws_service' | 'operation' | 'outcome'>
  awsCallErrors: Counter<'aws_service' | 'operation' | 'error_code'>
  /** Requests refused by authentication or authorisation, by a reason from a fixed list (auth/). */
  authFailures: Counter<'reason'>
  oidcKeyFetches: Counter<'outcome'>
  /** Requests refused with 429, by route group and which limit refused them (rate-limits/). */
  rateLimited: Counter<'route_group' | 'reason'>
  /** Reports a service's in-flight and waiting AWS call attempts on every scrape. */
  watchCallQueue(awsService: string, queue: CallQueueState): void
}

interface CallQueueState {
  active: number
  waiting: number
}

export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const callQueues = new Map<string, CallQueueState>()
  // Read from the queues at scrape time, so the hot path pays nothing for these gauges.
  const queueGauge = (name: string, help: string, read: (queue: CallQueueState) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['aws_service'],
      registers: [registry],
      collect() {
        for (const [awsService, queue] of callQueues) this.set({ aws_service: awsService }, read(queue))
      },
    })
  queueGauge('aws_call_attempts_in_flight', 'AWS call attempts holding one of the AWS_MAX_CONNECTIONS slots, by AWS service', (queue) => queue.active)
  queueGauge('aws_call_attempts_waiting', 'AWS call attempts waiting for a free connection slot, by AWS service', (queue) => queue.waiting)
  return {
    watchCallQueue(awsService, queue) {
      callQueues.set(awsService, queue)
    },
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by route template, method and status code',
      labelNames: ['route', 'method', 'status_code'],
      buckets: [...HTTP_DURATION_BUCKETS_SECONDS],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests served, by route template, method and status code',
      labelNames: ['route', 'method', 'status_code'],
      registers: [registry],
    }),
    awsCallDuration: new Histogram({
      name: 'aws_call_duration_seconds',
      help: 'AWS SDK call duration in seconds including retries, by AWS service, operation and outcome',
      labelNames: ['aws_service', 'operation', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    awsCallErrors: new Counter({
      name: 'aws_call_errors_total',
      help: 'AWS SDK calls that failed after retries, by AWS service, operation and error code',
      labelNames: ['aws_service', 'operation', 'error_code'],
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'auth_failures_total',
      help: 'Requests refused for their credentials (401, 403, 400 for two credentials, 503 with no usable issuer key), by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    oidcKeyFetches: new Counter({
      name: 'oidc_key_fetches_total',
      help: 'Fetches of the token issuer signing keys (discovery included), by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'rate_limited_requests_total',
      help: 'Requests refused with 429 by the per-pod rate limits, by route group and reason (credential: the caller used up its limit; auth_failures: its address failed authentication too often)',
      labelNames: ['route_group', 'reason'],
      registers: [registry],
    }),
  }
}
