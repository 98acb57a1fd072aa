// Tracing settings, read from OpenTelemetry's standard variables so that any collector set-up
// guide applies, but checked here like every other setting: the SDK itself only warns about a bad
// value and carries on with a default (a sampler argument of "O.1" would record every trace).
// Tracing is off unless an OTLP endpoint or an exporter is named, and OTEL_SDK_DISABLED wins.
import type { Environment } from './config-schema.js'

export type Sampler = Environment['OTEL_TRACES_SAMPLER']

export interface TracingConfig {
  /** `console` writes spans to stdout, for a look on a developer's machine. */
  exporter: 'otlp' | 'console'
  /** The full OTLP/HTTP traces URL (with /v1/traces). */
  otlpTracesUrl: string
  protocol: 'http/protobuf' | 'http/json'
  sampler: Sampler
  /** The share of traces the ratio samplers record (1 when OTEL_TRACES_SAMPLER_ARG is unset). */
  samplerRatio: number
  serviceName: string
}

// The OTLP/HTTP default of the specification: a collector beside the process.
const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318'

function checkEndpoint(variable: string, value: string, problems: string[]): void {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    problems.push(`${variable}: must be an absolute http or https URL (was ${JSON.stringify(value)})`)
    return
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`${variable}: must be an http or https URL (OTLP over HTTP)`)
  // Credentials for a collector go in OTEL_EXPORTER_OTLP_HEADERS (from a Secret), never in a URL that gets logged.
  if (url.username !== '' || url.password !== '') problems.push(`${variable}: must not carry credentials; use OTEL_EXPORTER_OTLP_HEADERS`)
}

/** The traces URL as the specification derives it: a signal-specific endpoint as it is, a base endpoint plus /v1/traces. */
export function otlpTracesUrl(settings: Pick<Environment, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'>): string {
  if (settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined) return settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
  const base = settings.OTEL_EXPORTER_OTLP_ENDPOINT ?? DEFAULT_OTLP_ENDPOINT
  return `${base.replace(/\/+$/, '')}/v1/traces`
}

export function loadTracingConfig(settings: Environment, problems: string[]): TracingConfig | undefined {
  for (const variable of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] as const) {
    const value = settings[variable]
    if (value !== undefined) checkEndpoint(variable, value, problems)
  }
  const endpointSet = settings.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined
  const exporter = settings.OTEL_TRACES_EXPORTER ?? (endpointSet ? 'otlp' : 'none')
  if (settings.OTEL_SDK_DISABLED || exporter === 'none') return undefined
  return {
    exporter,
    otlpTracesUrl: otlpTracesUrl(settings),
    protocol: settings.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? settings.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    sampler: settings.OTEL_TRACES_SAMPLER,
    samplerRatio: settings.OTEL_TRACES_SAMPLER_ARG ?? 1,
    serviceName: settings.OTEL_SERVICE_NAME,
  }
}
