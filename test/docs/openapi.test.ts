// The OpenAPI document as clients and generators read it: stable operationIds, security on every
// operation, every status code, the response headers where they are sent, an example for every
// body, and errors documented as the application/problem+json the service sends.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { openApiDocument } from '../../src/openapi-document.js'
import { startTestStack, type TestStack } from '../support/test-stack.js'

interface MediaType {
  schema: { $ref?: string; properties?: Record<string, unknown> }
  example?: unknown
}
interface Response {
  description: string
  headers?: Record<string, { $ref: string }>
  content?: Record<string, MediaType>
}
interface Operation {
  operationId?: string
  security?: Record<string, string[]>[]
  requestBody?: { content: Record<string, MediaType> }
  responses: Record<string, Response>
}
interface Document {
  openapi: string
  info: { license?: { name: string } }
  servers?: { url: string }[]
  security?: Record<string, string[]>[]
  paths: Record<string, Record<string, Operation>>
  components: { securitySchemes: Record<string, unknown>; headers: Record<'Link' | 'X-Request-Id', { required: boolean }>; schemas: Record<string, unknown> }
}

const EXPECTED: Record<string, { operationId: string; statuses: string[]; open?: boolean; scope?: string }> = {
  'post /user': { operationId: 'registerUser', statuses: ['201', '400', '401', '403', '409', '413', '415', '429', '500', '503'], scope: 'users:write' },
  'get /users': { operationId: 'listUsers', statuses: ['200', '400', '401', '403', '429', '500', '503'], scope: 'users:read' },
  'get /users/{id}': { operationId: 'getUser', statuses: ['200', '400', '401', '403', '404', '429', '500', '503'], scope: 'users:read' },
  'delete /users/{id}': { operationId: 'deleteUser', statuses: ['204', '400', '401', '403', '404', '429', '500', '503'], scope: 'users:delete' },
  'post /users/{id}/avatar-upload': { operationId: 'renewAvatarUpload', statuses: ['201', '400', '401', '403', '404', '413', '415', '429', '500', '503'], scope: 'users:write' },
  'get /healthz': { operationId: 'getLiveness', statuses: ['200'], open: true },
  'get /readyz': { operationId: 'getReadiness', statuses: ['200', '503'], open: true },
}

const RATE_LIMIT_HEADERS = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']

function operations(document: Document): [key: string, operation: Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]): [string, Operation] => [`${method} ${path}`, operation]))
}

describe('the OpenAPI document', () => {
  let stack: TestStack
  let document: Document
  before(async () => {
    stack = await startTestStack({ DOCS_ENABLED: 'true' })
    document = (await stack.app.inject('/openapi.json')).json<Document>()
  })
  after(async () => {
    await stack.close()
  })

  it('is served at /openapi.json as the same document the build writes, with Swagger UI at /docs', async () => {
    assert.equal(document.openapi, '3.1.0')
    assert.deepEqual(document, await openApiDocument())
    assert.equal((await stack.app.inject('/docs/')).statusCode, 200)
  })

  it('names every operation with a stable operationId and documents every status it returns', () => {
    assert.deepEqual(operations(document).map(([key]) => key).sort(), Object.keys(EXPECTED).sort())
    for (const [key, operation] of operations(document)) {
      assert.equal(operation.operationId, EXPECTED[key]?.operationId, key)
      assert.deepEqual(Object.keys(operation.responses).sort(), EXPECTED[key]?.statuses.sort(), key)
    }
  })

  it('requires an API key or a bearer token with the operation scope, and says security: [] on the open operations', () => {
    assert.deepEqual(document.components.securitySchemes, {
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'One of the keys in API_KEYS or API_KEYS_FILE; full access to every operation' },
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An OAuth 2.0 access token from the issuer in OIDC_ISSUER, carrying the scope the operation lists' },
    })
    assert.deepEqual(document.security, [{ apiKey: [] }, { bearer: [] }])
    for (const [key, operation] of operations(document)) {
      const scope = EXPECTED[key]?.scope
      assert.deepEqual(operation.security, EXPECTED[key]?.open ? [] : [{ apiKey: [] }, { bearer: [scope] }], key)
    }
  })

  it('has a server that follows the request and a licence', () => {
    assert.deepEqual(document.servers?.map((server) => server.url), ['/'])
    assert.equal(document.info.license?.name, 'MIT')
  })

  it('documents every error as application/problem+json with the Problem schema, as the service sends it', () => {
    for (const [key, operation] of operations(document)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400 || key === 'get /readyz') continue
        assert.deepEqual(Object.keys(response.content ?? {}), ['application/problem+json'], `${key} ${status}`)
        assert.equal(response.content?.['application/problem+json']?.schema.$ref, '#/components/schemas/Problem', `${key} ${status}`)
      }
    }
  })

  it('documents X-Request-Id on every response and Location, Link, Retry-After, WWW-Authenticate and RateLimit-* where they are sent', () => {
    const headersOf = (key: string, status: string) => Object.keys(operations(document).find(([candidate]) => candidate === key)?.[1].responses[status]?.headers ?? {}).sort()
    for (const [key, operation] of operations(document)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        assert.ok(response.headers?.['X-Request-Id'], `${key} ${status}: X-Request-Id`)
        for (const header of Object.values(response.headers ?? {})) assert.match(header.$ref, /^#\/components\/headers\//)
        if (status === '401' || status === '403') assert.ok(response.headers['WWW-Authenticate'], `${key} ${status}: WWW-Authenticate`)
        if (status === '503' && key !== 'get /readyz') assert.ok(response.headers['Retry-After'], `${key} 503: Retry-After`)
        // Behind the rate limits: every response after the caller's limit was checked says where it stands.
        const limited = !EXPECTED[key]?.open && status !== '401' && status !== '403'
        for (const header of RATE_LIMIT_HEADERS) assert.equal(header in response.headers, limited, `${key} ${status}: ${header}`)
        if (status === '429') assert.ok(response.headers['Retry-After'], `${key} 429: Retry-After`)
      }
    }
    assert.deepEqual(headersOf('post /user', '201'), ['Location', ...RATE_LIMIT_HEADERS, 'X-Request-Id'])
    assert.deepEqual(headersOf('get /users', '200'), ['Link', ...RATE_LIMIT_HEADERS, 'X-Request-Id'])
    assert.deepEqual(headersOf('get /users', '429'), [...RATE_LIMIT_HEADERS, 'Retry-After', 'X-Request-Id'])
    assert.equal(document.components.headers.Link.required, false, 'the last page has no Link')
    assert.equal(document.components.headers['X-Request-Id'].required, true)
  })

  it('has an example for every request body and every response body', () => {
    for (const [key, operation] of operations(document)) {
      for (const [mediaType, media] of Object.entries(operation.requestBody?.content ?? {})) {
        assert.notEqual(media.example, undefined, `${key} request ${mediaType}`)
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const [mediaType, media] of Object.entries(response.content ?? {})) {
          assert.notEqual(media.example, undefined, `${key} ${status} ${mediaType}`)
        }
      }
    }
  })

  it('names the shared schemas, so generated clients get User, Registration, AvatarUpload and Problem types', () => {
    assert.deepEqual(Object.keys(document.components.schemas).sort(), ['AvatarUpload', 'Problem', 'Registration', 'Status', 'User'])
    const created = operations(document).find(([key]) => key === 'post /user')?.[1].responses['201']?.content?.['application/json']
    assert.equal(created?.schema.$ref, '#/components/schemas/Registration')
  })
})
