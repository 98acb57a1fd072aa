import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, DEFAULT_AWS_CALL_SETTINGS, loadConfig } from '../../src/config/config.js'

const key = (character: string) => character.repeat(40)
const minimal = { AWS_REGION: 'eu-west-1', DYNAMODB_TABLE: 'users', S3_BUCKET: 'user-avatars', API_KEYS: key('a') }
const noFiles = (path: string): string => {
  throw Object.assign(new Error(`unexpected read of ${path}`), { code: 'ENOENT' })
}

function problemsOf(env: NodeJS.ProcessEnv, readFile = noFiles): string[] {
  try {
    loadConfig(env, readFile)
  } catch (error) {
    assert.ok(error instanceof ConfigError)
    return [...error.problems]
  }
  assert.fail('expected a ConfigError')
}

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const config = loadConfig(minimal, noFiles)
    assert.equal(config.port, 8000)
    assert.equal(config.metricsPort, 9464)
    assert.equal(config.host, '0.0.0.0')
    assert.equal(config.docsEnabled, false)
    assert.equal(config.avatars.maxBytes, 5 * 1024 * 1024)
    assert.equal(config.avatars.uploadTtlSeconds, 900)
    assert.equal(config.avatars.kmsKeyId, undefined)
    assert.equal(config.logLevel, 'info')
    assert.deepEqual(config.shutdown, { drainSeconds: 5, timeoutSeconds: 10 })
    assert.deepEqual(config.aws, {
      region: 'eu-west-1',
      connectTimeoutMs: 1000,
      requestTimeoutMs: 3000,
      maxAttempts: 3,
      maxConnections: 50,
      queueTimeoutMs: 5000,
      s3ForcePathStyle: false,
      longestPresignedTtlSeconds: 3600,
    })
    assert.deepEqual({ ...DEFAULT_AWS_CALL_SETTINGS, region: 'eu-west-1', s3ForcePathStyle: false }, config.aws, 'the defaults tools start from are the same')
  })

  it('renews credentials for the longer of the two presigned TTLs', () => {
    assert.equal(loadConfig({ ...minimal, UPLOAD_URL_TTL_SECONDS: '7200', AVATAR_URL_TTL_SECONDS: '600' }, noFiles).aws.longestPresignedTtlSeconds, 7200)
    assert.equal(loadConfig({ ...minimal, UPLOAD_URL_TTL_SECONDS: '600', AVATAR_URL_TTL_SECONDS: '1800' }, noFiles).aws.longestPresignedTtlSeconds, 1800)
  })

  it('converts and validates numbers and booleans', () => {
    const config = loadConfig({ ...minimal, PORT: '9000', AVATAR_MAX_BYTES: '1024', S3_FORCE_PATH_STYLE: 'true', S3_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:000000000000:key/example' }, noFiles)
    assert.equal(config.port, 9000)
    assert.equal(config.avatars.maxBytes, 1024)
    assert.equal(config.aws.s3ForcePathStyle, true)
    assert.match(config.avatars.kmsKeyId ?? '', /^arn:aws:kms/)
  })

  it('takes the metrics port and the docs switch, and refuses a metrics port equal to the API port', () => {
    const config = loadConfig({ ...minimal, METRICS_PORT: '9100', DOCS_ENABLED: 'true' }, noFiles)
    assert.equal(config.metricsPort, 9100)
    assert.equal(config.docsEnabled, true)
    assert.deepEqual(problemsOf({ ...minimal, PORT: '9464' }), ['METRICS_PORT: must differ from PORT (both 9464)'])
    assert.match(problemsOf({ ...minimal, DOCS_ENABLED: 'sometimes' }).join(' | '), /^DOCS_ENABLED: /)
  })

  it('lists every problem at once, naming each variable', () => {
    const problems = problemsOf({ PORT: 'eighty', LOG_LEVEL: 'loud', S3_BUCKET: 'Bad_Bucket', AWS_MAX_ATTEMPTS: '0', SHUTDOWN_DRAIN_SECONDS: '-1' })
    assert.ok(problems.includes('LOG_LEVEL: must be one of: fatal, error, warn, info, debug, trace, silent (was "loud")'), problems.join(' | '))
    const variables = problems.map((problem) => problem.split(':')[0])
    for (const variable of ['PORT', 'LOG_LEVEL', 'S3_BUCKET', 'AWS_MAX_ATTEMPTS', 'SHUTDOWN_DRAIN_SECONDS', 'AWS_REGION', 'DYNAMODB_TABLE', 'API_KEYS or API_KEYS_FILE']) {
      assert.ok(variables.includes(variable), `${variable} in ${problems.join(' | ')}`)
    }
  })

  it('refuses keys shorter than 32 characters, naming the setting and without quoting them', () => {
    const shortKey = 'short-key-1234'
    const problems = problemsOf({ ...minimal, API_KEYS: `${key('b')},${shortKey}` })
    assert.deepEqual(problems, ['API_KEYS: 1 key(s) shorter than 32 characters'])
    assert.ok(!problems.join().includes(shortKey))
  })

  it('names API_KEYS_FILE when the short or unprintable key is in the file', () => {
    const file = `${key('c')}\nshort-key-1234\n${'x'.repeat(20)} ${'y'.repeat(20)}\n`
    const problems = problemsOf({ ...minimal, API_KEYS_FILE: '/run/secrets/api-keys' }, () => file)
    assert.deepEqual(problems, ['API_KEYS_FILE: 1 key(s) shorter than 32 characters', 'API_KEYS_FILE: keys must be printable ASCII without spaces'])
  })

  it('merges API_KEYS with API_KEYS_FILE, ignoring blank lines, comments and duplicates', () => {
    const file = `# rotated on deploy\n${key('c')}\n\n${key('d')}\r\n${key('a')}\n`
    const config = loadConfig({ ...minimal, API_KEYS_FILE: '/run/secrets/api-keys' }, (path) => {
      assert.equal(path, '/run/secrets/api-keys')
      return file
    })
    assert.deepEqual(config.apiKeys, [key('a'), key('c'), key('d')])
  })

  it('reports an unreadable key file', () => {
    const problems = problemsOf({ ...minimal, API_KEYS: undefined, API_KEYS_FILE: '/missing' })
    assert.deepEqual(problems, ['API_KEYS_FILE: cannot read /missing (ENOENT)'])
  })

  it('sets rate limits a normal client never meets, per pod, and trusts no proxy by default', () => {
    const config = loadConfig(minimal, noFiles)
    assert.equal(config.trustedProxyHops, 0)
    assert.deepEqual(config.rateLimits, { windowSeconds: 60, perCredential: { registration: 600, reads: 6000, deletes: 600 }, authFailuresPerAddress: 120 })
    const custom = loadConfig(
      { ...minimal, TRUSTED_PROXY_HOPS: '2', RATE_LIMIT_WINDOW_SECONDS: '10', RATE_LIMIT_REGISTRATION: '0', RATE_LIMIT_READS: '50', RATE_LIMIT_DELETES: '5', RATE_LIMIT_AUTH_FAILURES: '0' },
      noFiles,
    )
    assert.equal(custom.trustedProxyHops, 2)
    assert.deepEqual(custom.rateLimits, { windowSeconds: 10, perCredential: { registration: 0, reads: 50, deletes: 5 }, authFailuresPerAddress: 0 })
  })

  it('refuses rate-limit settings out of range, naming each', () => {
    const problems = problemsOf({ ...minimal, TRUSTED_PROXY_HOPS: '-1', RATE_LIMIT_WINDOW_SECONDS: '0', RATE_LIMIT_READS: 'many', RATE_LIMIT_AUTH_FAILURES: '-5' })
    assert.deepEqual(problems.map((problem) => problem.split(':')[0]).sort(), ['RATE_LIMIT_AUTH_FAILURES', 'RATE_LIMIT_READS', 'RATE_LIMIT_WINDOW_SECONDS', 'TRUSTED_PROXY_HOPS'])
    assert.deepEqual(problemsOf({ ...minimal, TRUSTED_PROXY_HOPS: '11' }).map((problem) => problem.split(':')[0]), ['TRUSTED_PROXY_HOPS'])
  })

  it('names a missing setting without a value to quote, and a bad one with what it was', () => {
    assert.deepEqual(problemsOf({ ...minimal, AWS_REGION: undefined }), ['AWS_REGION: is required'])
    assert.deepEqual(problemsOf({ ...minimal, PORT: '70000' }), ['PORT: must be <= 65535 (was 70000)'])
  })

  it('says every problem in one message, one line each', () => {
    const error = new ConfigError(['PORT: is required', 'HOST: is required'])
    assert.equal(error.message, 'Invalid configuration:\n  - PORT: is required\n  - HOST: is required')
    assert.equal(error.name, 'ConfigError')
  })

  it('needs at least one API key', () => {
    assert.deepEqual(problemsOf({ ...minimal, API_KEYS: undefined }), ['API_KEYS or API_KEYS_FILE: at least one API key is required, unless OIDC_ISSUER is set'])
    assert.deepEqual(problemsOf({ ...minimal, API_KEYS: ' , # only a comment' }), ['API_KEYS or API_KEYS_FILE: at least one API key is required, unless OIDC_ISSUER is set'])
  })

  it('accepts keys of exactly 32 characters, trimmed of surrounding spaces', () => {
    assert.deepEqual(loadConfig({ ...minimal, API_KEYS: ` ${key('e').slice(0, 32)} , ${key('f')}` }, noFiles).apiKeys, [key('e').slice(0, 32), key('f')])
    assert.deepEqual(problemsOf({ ...minimal, API_KEYS: key('g').slice(0, 31) }), ['API_KEYS: 1 key(s) shorter than 32 characters'])
  })

  it('refuses keys with spaces or characters outside printable ASCII, without quoting them', () => {
    for (const bad of [`${key('h')} inner space`, `${key('i')}é`, `${key('j')}\u0007`]) {
      assert.deepEqual(problemsOf({ ...minimal, API_KEYS: bad }), ['API_KEYS: keys must be printable ASCII without spaces'])
    }
  })

  it('reports a key file that cannot be read for a reason without a code', () => {
    const problems = problemsOf({ ...minimal, API_KEYS: undefined, API_KEYS_FILE: '/odd' }, () => {
      throw new Error('odd failure')
    })
    assert.deepEqual(problems, ['API_KEYS_FILE: cannot read /odd (error)'])
  })

  it('treats empty values as unset', () => {
    const config = loadConfig({ ...minimal, PORT: '', S3_KMS_KEY_ID: '  ' }, noFiles)
    assert.equal(config.port, 8000)
    assert.equal(config.avatars.kmsKeyId, undefined)
  })
})

describe('loadConfig: OpenID Connect settings', () => {
  const secret = 's'.repeat(40)
  const oidc = { ...minimal, OIDC_ISSUER: 'https://issuer.example/realms/main', OIDC_AUDIENCE: 'user-api', CURSOR_SECRET: secret }

  it('is off without OIDC_ISSUER, and reads every setting with its default when on', () => {
    assert.equal(loadConfig(minimal, noFiles).oidc, undefined)
    assert.deepEqual(loadConfig(oidc, noFiles).oidc, {
      issuer: 'https://issuer.example/realms/main',
      jwksUri: undefined,
      audiences: ['user-api'],
      algorithms: ['RS256', 'ES256'],
      clockToleranceSeconds: 30,
      scopePrefix: '',
      cursorSecret: secret,
    })
    const custom = loadConfig(
      { ...oidc, OIDC_AUDIENCE: 'a, b ,,c', OIDC_ALGORITHMS: 'PS256, EdDSA', OIDC_CLOCK_TOLERANCE_SECONDS: '5', OIDC_SCOPE_PREFIX: 'user-api/', OIDC_JWKS_URI: 'https://issuer.example/keys?p=policy' },
      noFiles,
    ).oidc
    assert.ok(custom)
    assert.deepEqual(custom.audiences, ['a', 'b', 'c'])
    assert.deepEqual(custom.algorithms, ['PS256', 'EdDSA'])
    assert.equal(custom.clockToleranceSeconds, 5)
    assert.equal(custom.scopePrefix, 'user-api/')
    assert.equal(custom.jwksUri, 'https://issuer.example/keys?p=policy')
  })

  it('turns API keys off when only OIDC_ISSUER is set, and needs one of the two', () => {
    assert.deepEqual(loadConfig({ ...oidc, API_KEYS: undefined }, noFiles).apiKeys, [])
    assert.deepEqual(problemsOf({ ...minimal, API_KEYS: undefined }), ['API_KEYS or API_KEYS_FILE: at least one API key is required, unless OIDC_ISSUER is set'])
  })

  it('refuses none, HS* and unknown algorithms, naming them', () => {
    for (const algorithms of ['none', 'HS256', 'RS256,HS512', 'RS1', ' , ']) {
      const problems = problemsOf({ ...oidc, OIDC_ALGORITHMS: algorithms })
      assert.equal(problems.length, 1, algorithms)
      assert.match(problems[0] ?? '', /^OIDC_ALGORITHMS: only asymmetric algorithms are accepted/)
    }
    assert.match(problemsOf({ ...oidc, OIDC_ALGORITHMS: 'RS256,HS512,none' })[0] ?? '', /refused: HS512, none$/)
  })

  it('needs https URLs (plain http only on loopback) without query or credentials for the issuer', () => {
    for (const issuer of ['http://issuer.example', 'ftp://issuer.example', 'issuer.example', 'https://issuer.example/?tenant=1', 'https://user:pass@issuer.example', 'https://issuer.example/#x']) {
      const problems = problemsOf({ ...oidc, OIDC_ISSUER: issuer })
      assert.equal(problems.length, 1, issuer)
      assert.match(problems[0] ?? '', /^OIDC_ISSUER: /)
    }
    for (const issuer of ['http://127.0.0.1:9000', 'http://localhost:9000/realms/x', 'http://[::1]:9000', 'https://issuer.example/']) {
      assert.equal(loadConfig({ ...oidc, OIDC_ISSUER: issuer }, noFiles).oidc?.issuer, issuer, 'kept exactly as given: tokens must match it')
    }
    assert.match(problemsOf({ ...oidc, OIDC_JWKS_URI: 'http://keys.example/jwks' })[0] ?? '', /^OIDC_JWKS_URI: must be an https URL/)
  })

  it('needs an audience and a cursor secret of 32 characters with the issuer, from the environment or a file, never quoted', () => {
    const problems = problemsOf({ ...oidc, OIDC_AUDIENCE: ' , ', CURSOR_SECRET: undefined })
    assert.deepEqual(problems.map((problem) => problem.split(':')[0]), ['OIDC_AUDIENCE', 'CURSOR_SECRET or CURSOR_SECRET_FILE'])
    const short = 'short-secret'
    const tooShort = problemsOf({ ...oidc, CURSOR_SECRET: short })
    assert.deepEqual(tooShort, ['CURSOR_SECRET: shorter than 32 characters'])
    const fromFile = loadConfig({ ...oidc, CURSOR_SECRET: undefined, CURSOR_SECRET_FILE: '/run/secrets/cursor' }, () => `${secret}\n`)
    assert.equal(fromFile.oidc?.cursorSecret, secret)
    assert.deepEqual(problemsOf({ ...oidc, CURSOR_SECRET_FILE: '/run/secrets/cursor' }, () => secret), ['CURSOR_SECRET and CURSOR_SECRET_FILE: set one of them, not both'])
    assert.deepEqual(problemsOf({ ...oidc, CURSOR_SECRET: undefined, CURSOR_SECRET_FILE: '/missing' }), ['CURSOR_SECRET_FILE: cannot read /missing (ENOENT)'])
  })

  it('refuses OIDC settings without OIDC_ISSUER, so a typo in its name does not silently turn tokens off', () => {
    const problems = problemsOf({ ...minimal, OIDC_AUDIENCE: 'user-api', OIDC_ALGORITHMS: 'RS256', CURSOR_SECRET: secret })
    assert.deepEqual(problems.map((problem) => problem.split(':')[0]).sort(), ['CURSOR_SECRET', 'OIDC_ALGORITHMS', 'OIDC_AUDIENCE'])
  })

  it('bounds the clock tolerance', () => {
    assert.match(problemsOf({ ...oidc, OIDC_CLOCK_TOLERANCE_SECONDS: '301' })[0] ?? '', /^OIDC_CLOCK_TOLERANCE_SECONDS/)
  })
})

describe('loadConfig: tracing (OpenTelemetry variables)', () => {
  it('is off by default, and off with OTEL_SDK_DISABLED or the none exporter whatever else is set', () => {
    assert.equal(loadConfig(minimal, noFiles).tracing, undefined)
    assert.equal(loadConfig({ ...minimal, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }, noFiles).tracing, undefined)
    assert.equal(loadConfig({ ...minimal, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }, noFiles).tracing, undefined)
  })

  it('turns on with an OTLP endpoint, with the specification defaults', () => {
    assert.deepEqual(loadConfig({ ...minimal, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability:4318/' }, noFiles).tracing, {
      exporter: 'otlp',
      otlpTracesUrl: 'http://otel-collector.observability:4318/v1/traces',
      protocol: 'http/protobuf',
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      serviceName: 'user-api',
    })
  })

  it('takes the traces endpoint as it is, the protocol, the sampler and its ratio, the service name', () => {
    const tracing = loadConfig(
      {
        ...minimal,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example.com/custom/traces',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
        OTEL_SERVICE_NAME: 'user-api-eu',
      },
      noFiles,
    ).tracing
    assert.deepEqual(tracing, {
      exporter: 'otlp',
      otlpTracesUrl: 'https://collector.example.com/custom/traces',
      protocol: 'http/json',
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.1,
      serviceName: 'user-api-eu',
    })
    assert.equal(loadConfig({ ...minimal, OTEL_TRACES_EXPORTER: 'console' }, noFiles).tracing?.exporter, 'console')
  })

  it('refuses what the SDK would only warn about: a bad sampler, ratio, protocol or endpoint, credentials in the URL', () => {
    const problems = problemsOf({
      ...minimal,
      OTEL_TRACES_SAMPLER: 'sometimes',
      OTEL_TRACES_SAMPLER_ARG: 'O.1',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_TRACES_EXPORTER: 'zipkin',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://user:secret-password@collector.example.com/v1/traces',
    })
    assert.deepEqual(problems.map((problem) => problem.split(':')[0]).sort(), [
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_EXPORTER_OTLP_PROTOCOL',
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
      'OTEL_TRACES_EXPORTER',
      'OTEL_TRACES_SAMPLER',
      'OTEL_TRACES_SAMPLER_ARG',
    ])
    assert.ok(!problems.join('\n').includes('secret-password'), 'a password in a URL is never quoted')
    assert.deepEqual(problemsOf({ ...minimal, OTEL_TRACES_SAMPLER_ARG: '1.5' }).map((problem) => problem.split(':')[0]), ['OTEL_TRACES_SAMPLER_ARG'])
  })
})
