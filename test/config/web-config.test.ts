// The browser settings: CORS origins as browsers compare them (exact, no wildcard, no path), the
// web page's switches and what each of them needs.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, loadConfig } from '../../src/config/config.js'
import { corsOriginProblem } from '../../src/config/web-config.js'

const minimal = { AWS_REGION: 'eu-west-1', DYNAMODB_TABLE: 'users', S3_BUCKET: 'user-avatars', API_KEYS: 'k'.repeat(40) }
const issuer = { OIDC_ISSUER: 'https://issuer.example.com', OIDC_AUDIENCE: 'user-api', CURSOR_SECRET: 'c'.repeat(40) }

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env)
  } catch (error) {
    assert.ok(error instanceof ConfigError)
    return [...error.problems]
  }
  assert.fail('expected a ConfigError')
}

describe('browser settings', () => {
  it('default to no CORS, the page on, no sign-in options on it', () => {
    const { web, aws } = loadConfig(minimal)
    assert.deepEqual(web, { corsAllowedOrigins: [], page: { enabled: true, oidcClientId: undefined, apiKeySignIn: false } })
    assert.equal(aws.s3Endpoint, undefined)
  })

  it('read a list of origins, trimmed and without duplicates', () => {
    const { web } = loadConfig({ ...minimal, CORS_ALLOWED_ORIGINS: ' https://app.example.com, http://localhost:5173,https://app.example.com ,https://[2001:db8::1]:8443' })
    assert.deepEqual(web.corsAllowedOrigins, ['https://app.example.com', 'http://localhost:5173', 'https://[2001:db8::1]:8443'])
  })

  it('refuse what is not exactly an origin, wildcards and plain http off loopback, naming each', () => {
    for (const [origin, reason] of [
      ['*', /wildcards/],
      ['https://*.example.com', /wildcards/],
      ['https://app.example.com/', /without path or trailing slash/],
      ['https://app.example.com/app', /without path/],
      ['https://APP.example.com', /without path or trailing slash \(https:\/\/app\.example\.com\)/],
      ['http://app.example.com', /must be https/],
      ['ftp://files.example.com', /must be https/],
      ['app.example.com', /must be an origin/],
      ['null', /must be an origin/],
    ] as const) {
      assert.match(corsOriginProblem(origin) ?? 'accepted', reason, origin)
    }
    for (const origin of ['https://app.example.com', 'https://app.example.com:8443', 'http://localhost:3000', 'http://127.0.0.1:8000', 'http://[::1]:8000']) {
      assert.equal(corsOriginProblem(origin), undefined, origin)
    }
    assert.deepEqual(problemsOf({ ...minimal, CORS_ALLOWED_ORIGINS: 'https://ok.example.com,*,http://evil.example' }), [
      'CORS_ALLOWED_ORIGINS: "*" wildcards are not allowed; list each origin',
      'CORS_ALLOWED_ORIGINS: "http://evil.example" must be https (plain http only on localhost, 127.0.0.1 or [::1])',
    ])
  })

  it('turn the page off and offer sign-in with the issuer or an API key on it', () => {
    assert.equal(loadConfig({ ...minimal, WEB_PAGE_ENABLED: 'false' }).web.page.enabled, false)
    const { page } = loadConfig({ ...minimal, ...issuer, WEB_PAGE_OIDC_CLIENT_ID: 'web-client', WEB_PAGE_API_KEY_SIGN_IN: 'true' }).web
    assert.deepEqual(page, { enabled: true, oidcClientId: 'web-client', apiKeySignIn: true })
  })

  it('refuse a sign-in client without an issuer, a key field without keys, and a bad switch', () => {
    const problems = problemsOf({ AWS_REGION: 'eu-west-1', DYNAMODB_TABLE: 'users', S3_BUCKET: 'user-avatars', ...issuer, OIDC_ISSUER: undefined, CURSOR_SECRET: undefined, OIDC_AUDIENCE: undefined, WEB_PAGE_OIDC_CLIENT_ID: 'web-client', WEB_PAGE_API_KEY_SIGN_IN: 'true', WEB_PAGE_ENABLED: 'maybe' })
    assert.ok(problems.includes('WEB_PAGE_OIDC_CLIENT_ID: the page signs in at OIDC_ISSUER; set OIDC_ISSUER or remove it'), problems.join(' | '))
    assert.ok(problems.includes('WEB_PAGE_API_KEY_SIGN_IN: no API keys are configured (API_KEYS or API_KEYS_FILE)'), problems.join(' | '))
    assert.ok(problems.some((problem) => problem.startsWith('WEB_PAGE_ENABLED:')), problems.join(' | '))
    assert.ok(problemsOf({ ...minimal, ...issuer, WEB_PAGE_OIDC_CLIENT_ID: 'has space' }).some((problem) => problem.startsWith('WEB_PAGE_OIDC_CLIENT_ID:')))
  })

  it('take the S3 endpoint from AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, and refuse one that is no URL', () => {
    assert.equal(loadConfig({ ...minimal, AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }).aws.s3Endpoint, 'http://127.0.0.1:4566')
    assert.equal(loadConfig({ ...minimal, AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' }).aws.s3Endpoint, 'http://127.0.0.1:9000')
    assert.deepEqual(problemsOf({ ...minimal, AWS_ENDPOINT_URL_S3: 'not a url', AWS_ENDPOINT_URL: 'file:///tmp' }), [
      'AWS_ENDPOINT_URL: must be an http(s) URL (was "file:///tmp")',
      'AWS_ENDPOINT_URL_S3: must be an absolute URL (was "not a url")',
    ])
  })
})
