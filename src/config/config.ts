// Configuration is read once at start-up. Every problem is collected and reported together, so an
// operator fixes a broken deployment in one round instead of one error at a time.
import { readFileSync } from 'node:fs'
import { Compile } from 'typebox/compile'
import { Value } from 'typebox/value'
import { describeValidationErrors } from '../validation/validation-errors.js'
import { EnvironmentSchema, type Environment } from './config-schema.js'
import { loadOidcConfig, type OidcConfig } from './oidc-config.js'
import { loadTracingConfig, type TracingConfig } from './tracing-config.js'
import { loadS3Endpoint, loadWebConfig, type WebConfig } from './web-config.js'

export type { OidcConfig } from './oidc-config.js'
export type { TracingConfig } from './tracing-config.js'
export type { WebConfig } from './web-config.js'

export const MIN_API_KEY_LENGTH = 32

export interface Config {
  port: number
  /** Prometheus scrapes this port; the API port, which the Ingress exposes, does not serve /metrics. */
  metricsPort: number
  host: string
  docsEnabled: boolean
  logLevel: Environment['LOG_LEVEL']
  httpRequestTimeoutSeconds: number
  aws: {
    region: string
    connectTimeoutMs: number
    requestTimeoutMs: number
    maxAttempts: number
    /** Per AWS service; calls beyond it wait up to queueTimeoutMs (see aws/call-queue.ts). */
    maxConnections: number
    queueTimeoutMs: number
    s3ForcePathStyle: boolean
    /** AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL); absent means AWS's own endpoint. */
    s3Endpoint?: string
    /** The longer of the two presigned TTLs: credentials are renewed early enough for it (aws/credentials.ts). */
    longestPresignedTtlSeconds: number
  }
  table: string
  avatars: {
    bucket: string
    kmsKeyId: string | undefined
    maxBytes: number
    uploadTtlSeconds: number
    downloadTtlSeconds: number
  }
  /** Empty when only bearer tokens are accepted. */
  apiKeys: readonly string[]
  /** Undefined when bearer tokens are off. */
  oidc: OidcConfig | undefined
  web: WebConfig
  shutdown: { drainSeconds: number; timeoutSeconds: number }
  /** Proxies in front of the service whose X-Forwarded-For entries name the client; 0: the connection's address. */
  trustedProxyHops: number
  rateLimits: RateLimitSettings
  /** Undefined when tracing is off (the default). */
  tracing: TracingConfig | undefined
}

/** Per pod, in fixed windows (src/rate-limits/); a limit of 0 is off. */
export interface RateLimitSettings {
  windowSeconds: number
  /** Requests per credential and window, in each route group. */
  perCredential: { registration: number; reads: number; deletes: number }
  /** Requests that fail authentication, per client address and window. */
  authFailuresPerAddress: number
}

const schemaDefault = (variable: keyof typeof EnvironmentSchema.properties) =>
  (EnvironmentSchema.properties[variable] as { default?: unknown }).default as number

/** The AWS call settings a service runs with when no AWS_* variable is set; tools start from these. */
export const DEFAULT_AWS_CALL_SETTINGS = {
  connectTimeoutMs: schemaDefault('AWS_CONNECT_TIMEOUT_MS'),
  requestTimeoutMs: schemaDefault('AWS_REQUEST_TIMEOUT_MS'),
  maxAttempts: schemaDefault('AWS_MAX_ATTEMPTS'),
  maxConnections: schemaDefault('AWS_MAX_CONNECTIONS'),
  queueTimeoutMs: schemaDefault('AWS_QUEUE_TIMEOUT_MS'),
  longestPresignedTtlSeconds: Math.max(schemaDefault('UPLOAD_URL_TTL_SECONDS'), schemaDefault('AVATAR_URL_TTL_SECONDS')),
} satisfies Partial<Config['aws']>

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

const checkEnvironment = Compile(EnvironmentSchema)
const knownVariables = Object.keys(EnvironmentSchema.properties)

export type ReadFile = (path: string) => string

export function loadConfig(env: NodeJS.ProcessEnv, readFile: ReadFile = (path) => readFileSync(path, 'utf8')): Config {
  // Empty strings count as unset, as they do in most shells and orchestrators.
  const relevant = Object.fromEntries(
    knownVariables.flatMap((name) => {
      const value = env[name]?.trim()
      return value === undefined || value === '' ? [] : [[name, value]]
    }),
  )
  const explicit = new Set(Object.keys(relevant))
  const candidate = Value.Default(EnvironmentSchema, Value.Convert(EnvironmentSchema, relevant))
  const problems: string[] = []
  if (!checkEnvironment.Check(candidate)) {
    for (const { field, message } of describeValidationErrors([...checkEnvironment.Errors(candidate)])) {
      // Stryker disable next-line Regex: equivalent; every field is a top-level pointer with one leading slash
      const variable = field.replace(/^\//, '')
      const received = relevant[variable] === undefined ? '' : ` (was ${JSON.stringify(relevant[variable])})`
      problems.push(`${variable}: ${message}${received}`)
    }
  }
  const settings = candidate as Environment
  const apiKeys = loadApiKeys(settings, readFile, problems)
  const oidc = loadOidcConfig(settings, explicit, readFile, problems)
  const tracing = loadTracingConfig(settings, problems)
  if (settings.METRICS_PORT === settings.PORT) problems.push(`METRICS_PORT: must differ from PORT (both ${settings.PORT})`)
  const s3Endpoint = loadS3Endpoint(settings, problems)
  const web = loadWebConfig(settings, apiKeys.length > 0, problems)
  if (problems.length > 0) throw new ConfigError(problems)

  return {
    port: settings.PORT,
    metricsPort: settings.METRICS_PORT,
    host: settings.HOST,
    docsEnabled: settings.DOCS_ENABLED,
    logLevel: settings.LOG_LEVEL,
    httpRequestTimeoutSeconds: settings.HTTP_REQUEST_TIMEOUT_SECONDS,
    aws: {
      region: settings.AWS_REGION,
      connectTimeoutMs: settings.AWS_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: settings.AWS_REQUEST_TIMEOUT_MS,
      maxAttempts: settings.AWS_MAX_ATTEMPTS,
      maxConnections: settings.AWS_MAX_CONNECTIONS,
      queueTimeoutMs: settings.AWS_QUEUE_TIMEOUT_MS,
      s3ForcePathStyle: settings.S3_FORCE_PATH_STYLE,
      ...(s3Endpoint === undefined ? {} : { s3Endpoint }),
      longestPresignedTtlSeconds: Math.max(settings.UPLOAD_URL_TTL_SECONDS, settings.AVATAR_URL_TTL_SECONDS),
    },
    table: settings.DYNAMODB_TABLE,
    avatars: {
      bucket: settings.S3_BUCKET,
      kmsKeyId: settings.S3_KMS_KEY_ID,
      maxBytes: settings.AVATAR_MAX_BYTES,
      uploadTtlSeconds: settings.UPLOAD_URL_TTL_SECONDS,
      downloadTtlSeconds: settings.AVATAR_URL_TTL_SECONDS,
    },
    apiKeys,
    oidc,
    web,
    shutdown: { drainSeconds: settings.SHUTDOWN_DRAIN_SECONDS, timeoutSeconds: settings.SHUTDOWN_TIMEOUT_SECONDS },
    trustedProxyHops: settings.TRUSTED_PROXY_HOPS,
    rateLimits: {
      windowSeconds: settings.RATE_LIMIT_WINDOW_SECONDS,
      perCredential: { registration: settings.RATE_LIMIT_REGISTRATION, reads: settings.RATE_LIMIT_READS, deletes: settings.RATE_LIMIT_DELETES },
      authFailuresPerAddress: settings.RATE_LIMIT_AUTH_FAILURES,
    },
    tracing,
  }
}

// Keys come from API_KEYS and/or API_KEYS_FILE, so a new key can be added next to the old one and
// the old one removed later: rotation without downtime. Each problem names the setting the bad key
// came from, like every other problem, and never quotes a key.
function loadApiKeys(settings: Partial<Environment>, readFile: ReadFile, problems: string[]): string[] {
  const sources: { setting: 'API_KEYS' | 'API_KEYS_FILE'; keys: string[] }[] = []
  if (typeof settings.API_KEYS === 'string') sources.push({ setting: 'API_KEYS', keys: settings.API_KEYS.split(',') })
  if (typeof settings.API_KEYS_FILE === 'string') {
    try {
      sources.push({ setting: 'API_KEYS_FILE', keys: readFile(settings.API_KEYS_FILE).split(/\r?\n/) })
    } catch (error) {
      problems.push(`API_KEYS_FILE: cannot read ${settings.API_KEYS_FILE} (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
    }
  }
  const accepted = new Set<string>()
  for (const { setting, keys } of sources) {
    const listed = keys.map((key) => key.trim()).filter((key) => key !== '' && !key.startsWith('#'))
    const tooShort = listed.filter((key) => key.length < MIN_API_KEY_LENGTH).length
    if (tooShort > 0) problems.push(`${setting}: ${tooShort} key(s) shorter than ${MIN_API_KEY_LENGTH} characters`)
    if (listed.some((key) => /[^\x21-\x7e]/.test(key))) problems.push(`${setting}: keys must be printable ASCII without spaces`)
    for (const key of listed) accepted.add(key)
  }
  // With an OpenID Connect issuer alone, API keys are off: only bearer tokens are accepted.
  if (accepted.size === 0 && settings.OIDC_ISSUER === undefined && !problems.some((problem) => problem.startsWith('API_KEYS_FILE'))) {
    problems.push('API_KEYS or API_KEYS_FILE: at least one API key is required, unless OIDC_ISSUER is set')
  }
  return [...accepted]
}
