// OpenTelemetry tracing, started once before the app is built (src/server.ts imports the app only
// afterwards): the HTTP and AWS SDK instrumentations patch modules as they are first loaded, and
// @fastify/otel instruments each Fastify instance as it is created. Everything is imported here
// lazily, so a process with tracing off (the default) never loads the SDK: no memory, no start-up
// time, no per-request work.
//
// What a trace holds: the HTTP server span (the incoming W3C traceparent is continued), Fastify's
// request and handler spans, and one span per DynamoDB or S3 call with its outcome. Outgoing HTTP
// spans are off: each AWS call already has its span, and the HTTP one would only repeat it with the
// object's URL. Probes and scrapes are not traced. Attributes pass span-scrubbing.ts on the way out.
import type { TracingConfig } from '../config/config.js'
import { withoutQuery } from '../http/url-path.js'

/** What the rest of the service knows of tracing: the ids of the request being served. */
export interface RequestTracing {
  /** The W3C trace id of the active context, if any. */
  traceId(): string | undefined
  /** Fields for every log line written while a request is being served (pino's mixin). */
  logFields(): { trace_id?: string; span_id?: string }
}

export interface Tracing extends RequestTracing {
  /** Where the SDK reports its own trouble, such as a collector that cannot be reached. */
  reportTo(log: DiagnosticsLog): void
  /** Exports what is still buffered; call once, after the server has closed. */
  shutdown(): Promise<void>
}

interface DiagnosticsLog {
  warn(details: object, message: string): void
  error(details: object, message: string): void
}

// Requests that are not worth a trace: Kubernetes probes every few seconds and Prometheus scrapes.
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics'])
const untraced = (url: string | undefined) => UNTRACED_PATHS.has(withoutQuery(url ?? ''))

export async function startTracing(config: TracingConfig): Promise<Tracing> {
  // The tracing SDK's parts, not NodeSDK: that one also loads the metrics and logs SDKs and every
  // exporter it could be configured with (gRPC among them), about 8 MiB of heap and 22 MiB of RSS
  // more than these parts, for nothing this service uses (docs/performance.md, Tracing).
  const [api, sdkTrace, { NodeTracerProvider }, resources, { registerInstrumentations }, { HttpInstrumentation }, { AwsInstrumentation }, { FastifyOtelInstrumentation }, { ScrubbingSpanProcessor }] =
    await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/instrumentation'),
      import('@opentelemetry/instrumentation-http'),
      import('@opentelemetry/instrumentation-aws-sdk'),
      import('@fastify/otel'),
      import('./span-scrubbing.js'),
    ])

  const exporter =
    config.exporter === 'console'
      ? new sdkTrace.ConsoleSpanExporter()
      : config.protocol === 'http/json'
        ? new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({ url: config.otlpTracesUrl })
        : new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter({ url: config.otlpTracesUrl })

  const ratio = new sdkTrace.TraceIdRatioBasedSampler(config.samplerRatio)
  const root = {
    always_on: new sdkTrace.AlwaysOnSampler(),
    always_off: new sdkTrace.AlwaysOffSampler(),
    traceidratio: ratio,
    parentbased_always_on: new sdkTrace.AlwaysOnSampler(),
    parentbased_always_off: new sdkTrace.AlwaysOffSampler(),
    parentbased_traceidratio: ratio,
  }[config.sampler]
  const sampler = config.sampler.startsWith('parentbased_') ? new sdkTrace.ParentBasedSampler({ root }) : root

  // What NodeSDK would detect: OTEL_RESOURCE_ATTRIBUTES (the chart's namespace), the host and the
  // process; the configured service name wins over all of them.
  const detected = resources.detectResources({ detectors: [resources.envDetector, resources.processDetector, resources.hostDetector] })
  const provider = new NodeTracerProvider({
    resource: detected.merge(resources.resourceFromAttributes({ 'service.name': config.serviceName })),
    sampler,
    spanProcessors: [new ScrubbingSpanProcessor(new sdkTrace.BatchSpanProcessor({ exporter }))],
  })
  // The global tracer provider, the AsyncLocalStorage context manager and W3C trace context and
  // baggage propagation, as NodeSDK sets them.
  provider.register()
  const disableInstrumentations = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        disableOutgoingRequestInstrumentation: true,
        ignoreIncomingRequestHook: (request) => untraced(request.url),
      }),
      new AwsInstrumentation(),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        // The request and handler spans; a span per hook would multiply the cost for little.
        instrumentHooks: false,
        ignorePaths: (route) => untraced(route.url),
      }),
    ],
  })

  const activeSpanContext = () => {
    const spanContext = api.trace.getSpanContext(api.context.active())
    return spanContext && api.isSpanContextValid(spanContext) ? spanContext : undefined
  }
  return {
    traceId: () => activeSpanContext()?.traceId,
    logFields() {
      const spanContext = activeSpanContext()
      return spanContext ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : {}
    },
    reportTo(log) {
      api.diag.setLogger(
        {
          error: (message, ...details) => {
            log.error({ details }, `tracing: ${message}`)
          },
          warn: (message, ...details) => {
            log.warn({ details }, `tracing: ${message}`)
          },
          info: () => undefined,
          debug: () => undefined,
          verbose: () => undefined,
        },
        { logLevel: api.DiagLogLevel.WARN, suppressOverrideMessage: true },
      )
    },
    shutdown: async () => {
      disableInstrumentations()
      await provider.shutdown()
    },
  }
}
