// The environment the service reads, as one schema: it documents, validates, converts and types
// every setting in one place. Numbers arrive as strings and are converted before validation.
import { Type, type Static } from 'typebox'

const Seconds = (description: string, defaultValue: number, maximum = 86_400) =>
  Type.Integer({ minimum: 0, maximum, default: defaultValue, description })

const RequestsPerWindow = (description: string, defaultValue: number) =>
  Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: defaultValue, description: `${description}; 0 turns the limit off` })
// OTLP over HTTP only: the NetworkPolicy and the collector's usual port (4318) assume it.
const OtlpProtocol = Type.Union([Type.Literal('http/protobuf'), Type.Literal('http/json')], { description: 'OTLP encoding' })

export const EnvironmentSchema = Type.Object({
  PORT: Type.Integer({ minimum: 1, maximum: 65_535, default: 8000, description: 'TCP port to listen on' }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0', description: 'Address to bind' }),
  METRICS_PORT: Type.Integer({ minimum: 1, maximum: 65_535, default: 9464, description: 'TCP port of /metrics, on HOST, apart from the API port' }),
  DOCS_ENABLED: Type.Boolean({ default: false, description: 'Serve Swagger UI at /docs and the OpenAPI document at /openapi.json' }),
  AWS_REGION: Type.String({ pattern: '^[a-z]{2}(-[a-z]+)+-\\d+$', description: 'AWS region, e.g. eu-west-1' }),
  DYNAMODB_TABLE: Type.String({ pattern: '^[A-Za-z0-9_.-]{3,255}$', description: 'Users table name' }),
  S3_BUCKET: Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$', description: 'Avatar bucket name' }),
  S3_KMS_KEY_ID: Type.Optional(Type.String({ minLength: 1, description: 'KMS key id or ARN; uploads must use SSE-KMS with it' })),
  S3_FORCE_PATH_STYLE: Type.Boolean({ default: false, description: 'Path-style S3 URLs (emulators)' }),
  API_KEYS: Type.Optional(Type.String({ description: 'Comma-separated accepted API keys' })),
  API_KEYS_FILE: Type.Optional(Type.String({ minLength: 1, description: 'File with one accepted API key per line' })),
  AVATAR_MAX_BYTES: Type.Integer({ minimum: 1, maximum: 5 * 1024 ** 3, default: 5 * 1024 * 1024, description: 'Largest avatar S3 accepts' }),
  UPLOAD_URL_TTL_SECONDS: Seconds('Lifetime of an avatar upload form', 900, 7 * 86_400),
  AVATAR_URL_TTL_SECONDS: Seconds('Lifetime of an avatar download URL', 3600, 7 * 86_400),
  LOG_LEVEL: Type.Union(
    [
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ],
    { default: 'info', description: 'pino log level' },
  ),
  SHUTDOWN_DRAIN_SECONDS: Seconds('After SIGTERM, keep serving this long while readiness is 503', 5, 300),
  SHUTDOWN_TIMEOUT_SECONDS: Seconds('Then wait at most this long for in-flight requests', 10, 300),
  AWS_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 1000, description: 'TCP connect timeout to AWS' }),
  AWS_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 120_000, default: 3000, description: 'Per-attempt AWS request timeout' }),
  AWS_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 10, default: 3, description: 'AWS attempts per call, first one included' }),
  AWS_MAX_CONNECTIONS: Type.Integer({ minimum: 1, maximum: 4096, default: 50, description: 'Connections per AWS service; more calls wait in a queue' }),
  AWS_QUEUE_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 5000, description: 'Longest an AWS call attempt waits for a connection before 503' }),
  HTTP_REQUEST_TIMEOUT_SECONDS: Seconds('Longest time a client may take to send a whole request', 30, 600),
  // Bearer tokens (src/auth/bearer-tokens.ts); the cross-field rules live in oidc-config.ts.
  OIDC_ISSUER: Type.Optional(Type.String({ description: 'OpenID Connect issuer URL whose access tokens are accepted' })),
  OIDC_AUDIENCE: Type.Optional(Type.String({ description: 'Comma-separated audiences a token must carry one of' })),
  OIDC_JWKS_URI: Type.Optional(Type.String({ description: 'JWKS URL; overrides the jwks_uri of the discovery document' })),
  OIDC_ALGORITHMS: Type.String({ default: 'RS256,ES256', description: 'Comma-separated accepted signing algorithms (asymmetric only)' }),
  OIDC_CLOCK_TOLERANCE_SECONDS: Seconds('Clock skew allowed when checking exp and nbf', 30, 300),
  OIDC_SCOPE_PREFIX: Type.Optional(Type.String({ pattern: '^\\S+$', description: 'Prefix of the scopes in tokens, e.g. user-api/ for Amazon Cognito' })),
  CURSOR_SECRET: Type.Optional(Type.String({ description: 'Signs the pagination cursors of token callers; the same on every replica' })),
  CURSOR_SECRET_FILE: Type.Optional(Type.String({ minLength: 1, description: 'File holding CURSOR_SECRET, e.g. a mounted Secret' })),
  // Abuse protection (src/rate-limits/): per pod, counted in fixed windows; 0 turns a limit off.
  TRUSTED_PROXY_HOPS: Type.Integer({ minimum: 0, maximum: 10, default: 0, description: 'Proxies in front of the service whose X-Forwarded-For entries are trusted; 0 uses the connection address' }),
  RATE_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 60, description: 'Length of a rate-limit window' }),
  RATE_LIMIT_REGISTRATION: RequestsPerWindow('Registrations and avatar-upload renewals per credential and window', 600),
  RATE_LIMIT_READS: RequestsPerWindow('Reads (lookups and list pages) per credential and window', 6000),
  RATE_LIMIT_DELETES: RequestsPerWindow('Deletions per credential and window', 600),
  RATE_LIMIT_AUTH_FAILURES: RequestsPerWindow('Requests failing authentication per client address and window', 120),
  // Tracing: OpenTelemetry's own variables (src/tracing/); the cross-field rules live in tracing-config.ts.
  OTEL_SDK_DISABLED: Type.Boolean({ default: false, description: 'Turns tracing off whatever else is set' }),
  OTEL_TRACES_EXPORTER: Type.Optional(
    Type.Union([Type.Literal('otlp'), Type.Literal('console'), Type.Literal('none')], { description: 'Where spans go; otlp is implied by an OTLP endpoint' }),
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ description: 'OTLP/HTTP base URL; traces go to <it>/v1/traces' })),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Type.Optional(Type.String({ description: 'OTLP/HTTP URL for traces, used as it is' })),
  OTEL_EXPORTER_OTLP_PROTOCOL: Type.Optional(OtlpProtocol),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: Type.Optional(OtlpProtocol),
  OTEL_TRACES_SAMPLER: Type.Union(
    [
      Type.Literal('always_on'),
      Type.Literal('always_off'),
      Type.Literal('traceidratio'),
      Type.Literal('parentbased_always_on'),
      Type.Literal('parentbased_always_off'),
      Type.Literal('parentbased_traceidratio'),
    ],
    { default: 'parentbased_always_on', description: 'Which traces are recorded' },
  ),
  OTEL_TRACES_SAMPLER_ARG: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Share of traces recorded by the traceidratio samplers' })),
  OTEL_SERVICE_NAME: Type.String({ minLength: 1, default: 'user-api', description: 'service.name of every span' }),
  // The SDK reads these itself; the service reads them too, to name the S3 endpoint in the web
  // page's Content-Security-Policy (web/content-security-policy.ts).
  AWS_ENDPOINT_URL: Type.Optional(Type.String({ description: 'Endpoint of every AWS service (emulators)' })),
  AWS_ENDPOINT_URL_S3: Type.Optional(Type.String({ description: 'Endpoint of S3 (emulators)' })),
  // Browsers: CORS and the web page (src/web); the cross-field rules live in web-config.ts.
  CORS_ALLOWED_ORIGINS: Type.Optional(Type.String({ description: 'Comma-separated browser origins allowed to call the API' })),
  WEB_PAGE_ENABLED: Type.Boolean({ default: true, description: 'Serve the web page at /' }),
  WEB_PAGE_OIDC_CLIENT_ID: Type.Optional(Type.String({ pattern: '^[\\x21-\\x7e]{1,255}$', description: 'Public client (Authorization Code with PKCE) the web page signs in with at OIDC_ISSUER' })),
  WEB_PAGE_API_KEY_SIGN_IN: Type.Boolean({ default: false, description: 'Offer a field for an API key on the web page (local stack)' }),
})

export type Environment = Static<typeof EnvironmentSchema>
