// The last stop before a span leaves the process: only attributes on a short list go out, and
// those that hold a URL lose their query. Instrumentations record more than this service may hand
// to a tracing backend: the request URL with its cursor, S3 object keys, error messages that can
// quote a request body (V8's JSON errors do), and whatever a future version adds. An allowlist
// keeps a new attribute out until someone has looked at it. Details of a failure stay in the log,
// under the trace id.
import type { Context } from '@opentelemetry/api'
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace'
import { withoutQuery } from '../http/url-path.js'

// Attributes that describe the shape of a call, never who made it or what it carried.
const ALLOWED_ATTRIBUTES = new Set([
  // HTTP server span (old and stable semantic conventions); the route is a template.
  'http.method',
  'http.request.method',
  'http.route',
  'http.status_code',
  'http.response.status_code',
  'http.scheme',
  'http.flavor',
  'network.protocol.version',
  'url.scheme',
  'server.port',
  'net.host.port',
  'error.type',
  // Fastify's request and handler spans.
  'fastify.root',
  'fastify.type',
  'hook.name',
  'hook.callback.name',
  // AWS SDK calls: which service, operation, table and region, and AWS's request id for support.
  'rpc.system',
  'rpc.service',
  'rpc.method',
  'cloud.region',
  'aws.region',
  'aws.request.id',
  'aws.s3.bucket',
  'db.system',
  'db.system.name',
  'db.name',
  'db.namespace',
  'db.operation',
  'db.operation.name',
  'aws.dynamodb.table_names',
  'aws.dynamodb.consistent_read',
  'aws.dynamodb.index_name',
  'aws.dynamodb.limit',
  'aws.dynamodb.count',
  'aws.dynamodb.scanned_count',
  // Exceptions: the type only; the message and stack can quote input.
  'exception.type',
])

// Kept without their query string: the path holds user ids at most, the query a signed cursor.
const URL_PATH_ATTRIBUTES = new Set(['url.path', 'http.target'])

const pathOnly = (value: unknown) => (typeof value === 'string' ? withoutQuery(value) : undefined)

export function scrubAttributes(attributes: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const kept: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(attributes)) {
    if (ALLOWED_ATTRIBUTES.has(name)) kept[name] = value
    else if (URL_PATH_ATTRIBUTES.has(name)) kept[name] = pathOnly(value)
  }
  return kept
}

/** The span as exporters see it: allowed attributes only, events likewise, and a status without its message. */
export function scrubSpan(span: ReadableSpan): ReadableSpan {
  return Object.create(span, {
    attributes: { value: scrubAttributes(span.attributes) },
    events: { value: span.events.map((event) => ({ ...event, attributes: event.attributes && scrubAttributes(event.attributes) })) },
    status: { value: { code: span.status.code } },
  }) as ReadableSpan
}

/** Hands every ended span, scrubbed, to the processor that exports it. */
export class ScrubbingSpanProcessor implements SpanProcessor {
  constructor(private readonly exporting: SpanProcessor) {}

  onStart(span: Span, parentContext: Context): void {
    this.exporting.onStart(span, parentContext)
  }

  onEnd(span: ReadableSpan): void {
    this.exporting.onEnd(scrubSpan(span))
  }

  forceFlush(): Promise<void> {
    return this.exporting.forceFlush()
  }

  shutdown(): Promise<void> {
    return this.exporting.shutdown()
  }
}
