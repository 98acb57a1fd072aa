// CORS on the API: the origins in CORS_ALLOWED_ORIGINS, and only they, get the headers a browser
// needs to call the API and read the answer (preflights before authentication, cached; Link,
// Location, X-Request-Id and Retry-After readable); without the setting there is no CORS at all.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { PREFLIGHT_MAX_AGE_SECONDS } from '../../src/http/cors.js'
import { startTestStack, type TestStack } from '../support/test-stack.js'

const APP = 'https://app.example.com'
const LOCAL_APP = 'http://localhost:5173'
const FOREIGN = 'https://foreign.example.com'

const preflight = (stack: TestStack, origin: string, method = 'POST', headers = 'content-type,x-api-key', url = '/user') =>
  stack.app.inject({ method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers } })

describe('CORS with CORS_ALLOWED_ORIGINS', () => {
  let stack: TestStack
  before(async () => {
    stack = await startTestStack({ CORS_ALLOWED_ORIGINS: `${APP},${LOCAL_APP}` })
  })
  after(() => stack.close())

  it('answers a listed origin\'s preflight without credentials, for the methods and headers the API uses, cached', async () => {
    for (const origin of [APP, LOCAL_APP]) {
      const response = await preflight(stack, origin)
      assert.equal(response.statusCode, 204, response.body)
      assert.equal(response.headers['access-control-allow-origin'], origin)
      assert.equal(response.headers['access-control-allow-methods'], 'GET, HEAD, POST, DELETE')
      assert.equal(response.headers['access-control-allow-headers'], 'Authorization, Content-Type, X-API-Key, X-Request-Id')
      assert.equal(response.headers['access-control-max-age'], String(PREFLIGHT_MAX_AGE_SECONDS))
      assert.equal(response.headers['access-control-allow-credentials'], undefined, 'credentials travel in headers, never cookies')
      assert.match(String(response.headers.vary), /Origin/)
    }
    assert.equal((await preflight(stack, APP, 'DELETE', 'authorization', '/users/00000000-0000-4000-8000-000000000000')).statusCode, 204)
  })

  it('lets a listed origin read the answer and the headers it needs: Location, X-Request-Id, Link, Retry-After', async () => {
    const headers = { origin: APP, 'x-api-key': stack.apiKey }
    const registered = await stack.app.inject({ method: 'POST', url: '/user', headers, payload: { name: 'Cross Origin', email: 'cross@example.com' } })
    assert.equal(registered.statusCode, 201)
    assert.equal(registered.headers['access-control-allow-origin'], APP)
    assert.deepEqual(String(registered.headers['access-control-expose-headers']).split(/,\s*/), ['Link', 'Location', 'X-Request-Id', 'Retry-After', 'WWW-Authenticate'])
    await stack.app.inject({ method: 'POST', url: '/user', headers, payload: { name: 'Second', email: 'second@example.com' } })
    const page = await stack.app.inject({ method: 'GET', url: '/users?limit=1', headers })
    assert.equal(page.headers['access-control-allow-origin'], APP)
    assert.match(String(page.headers.link), /rel="next"/)
  })

  it('gives an error answer CORS headers too, so the page can show the problem', async () => {
    const refused = await stack.app.inject({ method: 'GET', url: '/users', headers: { origin: APP } })
    assert.equal(refused.statusCode, 401)
    assert.equal(refused.headers['access-control-allow-origin'], APP)
  })

  it('gives an origin that is not listed no Access-Control-Allow-Origin, so its browser withholds every answer', async () => {
    for (const origin of [FOREIGN, 'https://app.example.com.evil.example', 'http://app.example.com', 'null']) {
      const response = await preflight(stack, origin)
      // Without Access-Control-Allow-Origin the browser fails the preflight and sends nothing (the
      // library still lists methods and exposed headers, which grant nothing on their own).
      assert.equal(response.headers['access-control-allow-origin'], undefined, origin)
      const listed = await stack.app.inject({ method: 'GET', url: '/users', headers: { origin, 'x-api-key': stack.apiKey } })
      assert.equal(listed.headers['access-control-allow-origin'], undefined, origin)
    }
  })
})

describe('CORS by default', () => {
  let stack: TestStack
  before(async () => {
    stack = await startTestStack()
  })
  after(() => stack.close())

  it('is off: no origin gets a CORS header, and a preflight is not answered', async () => {
    const response = await preflight(stack, APP)
    assert.equal(response.statusCode, 404)
    assert.equal(response.headers['access-control-allow-origin'], undefined)
    const listed = await stack.app.inject({ method: 'GET', url: '/users', headers: { origin: APP, 'x-api-key': stack.apiKey } })
    assert.equal(listed.statusCode, 200)
    assert.equal(listed.headers['access-control-allow-origin'], undefined)
  })
})
