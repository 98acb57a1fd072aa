// The web page as the service serves it: index.html revalidated on every load under a strict
// Content-Security-Policy naming the bucket (and the issuer's token endpoint once known), hashed
// assets cached for a year and sent compressed, /page-config.json with the avatar rules and the
// sign-in options, nothing of it in the API contract, and the page off or unbuilt handled.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import pino from 'pino'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config/config.js'
import type { PageConfig } from '../../src/web/page-config.js'
import { PageNotBuiltError } from '../../src/web/page-files.js'
import { TestIssuer } from '../support/oidc-issuer.js'
import { startTestStack, testEnvironment, type TestStack } from '../support/test-stack.js'
import { builtWebPage } from '../support/web-page.js'

const PAGE = { WEB_PAGE_ENABLED: 'true' }

describe('the web page with API keys', () => {
  let stack: TestStack
  let directory: string
  let files: string[]
  const lines: Record<string, unknown>[] = []
  before(async () => {
    const page = await builtWebPage()
    directory = page.directory
    files = page.files
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
        done()
      },
    })
    stack = await startTestStack({ ...PAGE, WEB_PAGE_API_KEY_SIGN_IN: 'true', AVATAR_MAX_BYTES: '123456', DOCS_ENABLED: 'true' }, { webPageDirectory: directory, loggerInstance: pino({ level: 'info' }, stream) })
  })
  after(() => stack.close())

  it('serves index.html at / under a strict Content-Security-Policy naming the bucket, revalidated on every load', async () => {
    const response = await stack.app.inject({ method: 'GET', url: '/' })
    assert.equal(response.statusCode, 200)
    assert.equal(response.headers['content-type'], 'text/html; charset=utf-8')
    assert.equal(response.headers['cache-control'], 'no-cache')
    assert.match(response.body, /<script type="module" src="\/assets\/main-[A-Z0-9]+\.js"><\/script>/)
    const s3 = stack.emulators.s3Endpoint
    assert.equal(
      response.headers['content-security-policy'],
      `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' ${s3}; connect-src 'self' ${s3}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    )
    assert.equal(response.headers['x-content-type-options'], 'nosniff')
    assert.equal(response.headers['referrer-policy'], 'no-referrer')
    const etag = String(response.headers.etag)
    const again = await stack.app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': etag } })
    assert.equal(again.statusCode, 304)
    assert.equal(again.body, '')
  })

  it('serves every hashed asset for a year, compressed for clients that accept it', async () => {
    const assets = files.filter((file) => file.startsWith('/assets/'))
    assert.deepEqual(assets.map((file) => file.replace(/-[A-Z0-9]+\./, '-<hash>.')).sort(), ['/assets/icon-<hash>.svg', '/assets/main-<hash>.js', '/assets/style-<hash>.css'])
    for (const asset of assets) {
      const plain = await stack.app.inject({ method: 'GET', url: asset })
      assert.equal(plain.statusCode, 200, asset)
      assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable')
      assert.equal(plain.headers['content-encoding'], undefined)
      assert.equal(plain.headers.vary, 'Accept-Encoding')
    }
    const script = assets.find((file) => file.endsWith('.js'))!
    const plain = await stack.app.inject({ method: 'GET', url: script })
    assert.equal(plain.headers['content-type'], 'text/javascript; charset=utf-8')
    const brotli = await stack.app.inject({ method: 'GET', url: script, headers: { 'accept-encoding': 'gzip, deflate, br' } })
    assert.equal(brotli.headers['content-encoding'], 'br')
    assert.equal(brotliDecompressSync(brotli.rawPayload).toString(), plain.body)
    const gzip = await stack.app.inject({ method: 'GET', url: script, headers: { 'accept-encoding': 'gzip' } })
    assert.equal(gzip.headers['content-encoding'], 'gzip')
    assert.equal(gunzipSync(gzip.rawPayload).toString(), plain.body)
    assert.ok(brotli.rawPayload.length < plain.rawPayload.length / 2, `${brotli.rawPayload.length} of ${plain.rawPayload.length} bytes`)
  })

  it('answers an unknown asset and /index.html with a 404 problem', async () => {
    for (const url of ['/assets/main-0000000000.js', '/assets/../index.html', '/index.html', '/assets/']) {
      const response = await stack.app.inject({ method: 'GET', url })
      assert.equal(response.statusCode, 404, url)
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/, url)
    }
  })

  it('tells the page the avatar rules and offers the API key, no issuer', async () => {
    const response = await stack.app.inject({ method: 'GET', url: '/page-config.json' })
    assert.equal(response.statusCode, 200)
    assert.equal(response.headers['cache-control'], 'no-store')
    assert.deepEqual(response.json(), {
      avatar: { content_types: ['image/png', 'image/jpeg', 'image/webp'], max_bytes: 123456 },
      sign_in: { api_key: true, issuer: null },
    })
  })

  it('leaves the page out of the API contract and needs no credentials for it', async () => {
    const document = (await stack.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, unknown> }>()
    assert.deepEqual(Object.keys(document.paths).filter((path) => path === '/' || path.startsWith('/assets') || path.startsWith('/page-config')), [])
  })

  it('logs the path of / without its query, where a sign-in code arrives', async () => {
    await stack.app.inject({ method: 'GET', url: '/?code=secret-looking-code&state=abc' })
    const line = lines.find((entry) => entry.msg === 'request completed' && entry.route === '/')
    assert.equal(line?.url, '/')
    assert.ok(!JSON.stringify(lines).includes('secret-looking-code'))
  })
})

describe('the web page with an issuer', () => {
  let issuer: TestIssuer
  before(async () => {
    issuer = await TestIssuer.start()
  })
  after(() => issuer.close())

  it('names the issuer\'s token endpoint in connect-src and hands the page the sign-in endpoints and scopes', async () => {
    const { directory } = await builtWebPage()
    const stack = await startTestStack({ ...PAGE, API_KEYS: '', ...issuer.environment({ OIDC_SCOPE_PREFIX: 'user-api/' }), WEB_PAGE_OIDC_CLIENT_ID: 'web-page-client' }, { webPageDirectory: directory })
    try {
      const page = await stack.app.inject({ method: 'GET', url: '/' })
      assert.match(String(page.headers['content-security-policy']), new RegExp(`; connect-src 'self' ${stack.emulators.s3Endpoint} ${issuer.url};`))
      const config = (await stack.app.inject({ method: 'GET', url: '/page-config.json' })).json<PageConfig>()
      assert.deepEqual(config.sign_in, {
        api_key: false,
        issuer: {
          issuer: issuer.url,
          client_id: 'web-page-client',
          scope: 'user-api/users:read user-api/users:write user-api/users:delete',
          authorization_endpoint: `${issuer.url}/authorize`,
          token_endpoint: `${issuer.url}/token`,
        },
      })
    } finally {
      await stack.close()
    }
  })

  it('starts while the issuer is unreachable, says so to the page, and takes the endpoints once it answers', async () => {
    const { directory } = await builtWebPage()
    issuer.behaviour = 'down'
    const stack = await startTestStack(
      { ...PAGE, ...issuer.environment(), WEB_PAGE_OIDC_CLIENT_ID: 'web-page-client' },
      { webPageDirectory: directory, issuerTimings: { fetchTimeoutMs: 1000, retryAfterMs: 200 } },
    )
    try {
      const before = (await stack.app.inject({ method: 'GET', url: '/page-config.json' })).json<PageConfig>()
      assert.equal(before.sign_in.issuer?.token_endpoint, null)
      assert.doesNotMatch(String((await stack.app.inject({ method: 'GET', url: '/' })).headers['content-security-policy']), new RegExp(issuer.url))
      issuer.behaviour = 'normal'
      // Retried every 200 ms; allow many times that on a busy machine.
      let after = before
      for (const deadline = Date.now() + 10_000; after.sign_in.issuer?.token_endpoint == null && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        after = (await stack.app.inject({ method: 'GET', url: '/page-config.json' })).json<PageConfig>()
      }
      assert.equal(after.sign_in.issuer?.token_endpoint, `${issuer.url}/token`)
      assert.match(String((await stack.app.inject({ method: 'GET', url: '/' })).headers['content-security-policy']), new RegExp(`connect-src 'self' \\S+ ${issuer.url};`))
    } finally {
      issuer.behaviour = 'normal'
      await stack.close()
    }
  })
})

describe('the web page switched off or not built', () => {
  it('is not served with WEB_PAGE_ENABLED=false', async () => {
    const stack = await startTestStack({ WEB_PAGE_ENABLED: 'false' })
    try {
      for (const url of ['/', '/page-config.json']) assert.equal((await stack.app.inject({ method: 'GET', url })).statusCode, 404, url)
    } finally {
      await stack.close()
    }
  })

  it('stops the start-up with a clear error when it is enabled but was never built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'user-api-no-page-'))
    try {
      const config = loadConfig(testEnvironment({ ...PAGE, API_KEYS: 'k'.repeat(40) }))
      await assert.rejects(buildApp(config, { logger: false, webPageDirectory: empty, aws: { s3Endpoint: 'http://127.0.0.1:9', dynamodbEndpoint: 'http://127.0.0.1:9' } }), (error: unknown) => {
        assert.ok(error instanceof PageNotBuiltError)
        assert.match(error.message, /index\.html is missing\. Run `npm run build` .* or set WEB_PAGE_ENABLED=false/)
        return true
      })
    } finally {
      rmSync(empty, { recursive: true, force: true })
    }
  })
})
