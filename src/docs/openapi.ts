// OpenAPI 3.1 generated from the route schemas, served at /openapi.json, with Swagger UI at /docs.
// The document is a contract for linters, generated clients and the breaking-change check, so it
// is finished here rather than left as the route schemas spell it: schemas with a title become
// named components (User, Problem...), and response headers refer to one definition each.
import { isDeepStrictEqual } from 'node:util'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fastifyPlugin from 'fastify-plugin'
import { RESPONSE_HEADERS, type ResponseHeaderName } from './responses.js'
import { AUTHENTICATED, operationSecurity, securitySchemes, type TokenIssuer } from './security.js'

type JsonObject = Record<string, unknown>

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value)

// Replaces every titled object schema under `node` by a reference to components.schemas[title].
// Examples are data, not schemas, and are left alone.
function hoistNamedSchemas(node: unknown, schemas: JsonObject): unknown {
  if (Array.isArray(node)) return node.map((item) => hoistNamedSchemas(item, schemas))
  if (!isObject(node)) return node
  const copy = Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, key === 'example' || key === 'examples' ? value : hoistNamedSchemas(value, schemas)]),
  )
  if (typeof copy.title !== 'string' || copy.type !== 'object' || !isObject(copy.properties)) return copy
  const existing = schemas[copy.title]
  if (existing !== undefined && !isDeepStrictEqual(existing, copy)) {
    throw new Error(`OpenAPI: two different schemas are titled ${copy.title}; give one another title`)
  }
  schemas[copy.title] = copy
  return { $ref: `#/components/schemas/${copy.title}` }
}

function referToSharedHeaders(paths: JsonObject): Set<ResponseHeaderName> {
  const used = new Set<ResponseHeaderName>()
  for (const operation of Object.values(paths).flatMap((item) => (isObject(item) ? Object.values(item) : []))) {
    if (!isObject(operation) || !isObject(operation.responses)) continue
    for (const response of Object.values(operation.responses)) {
      if (!isObject(response) || !isObject(response.headers)) continue
      for (const name of Object.keys(response.headers)) {
        if (!(name in RESPONSE_HEADERS)) throw new Error(`OpenAPI: response header ${name} has no definition in docs/responses.ts`)
        used.add(name as ResponseHeaderName)
        response.headers[name] = { $ref: `#/components/headers/${name}` }
      }
    }
  }
  return used
}

function finishDocument(document: JsonObject): JsonObject {
  const components = isObject(document.components) ? document.components : {}
  const schemas: JsonObject = { ...(isObject(components.schemas) ? components.schemas : {}) }
  const paths = hoistNamedSchemas(document.paths, schemas) as JsonObject
  const used = referToSharedHeaders(paths)
  const headers = Object.fromEntries([...used].sort().map((name) => [name, RESPONSE_HEADERS[name]]))
  const sortedSchemas = Object.fromEntries(Object.keys(schemas).sort().map((name) => [name, schemas[name]]))
  return { ...document, paths, components: { ...components, schemas: sortedSchemas, headers } }
}

/**
 * The Content-Security-Policy of Swagger UI at /docs (page and assets), in place of the API's
 * default-src 'none' (http/security-headers.ts): its scripts, styles and images come from this
 * service, its inline styles are Swagger UI's own, it fetches the document from here and, with a
 * token issuer, the issuer's discovery document for Authorize. It sends nothing elsewhere (no
 * validator badge) and cannot be framed. test/docs/swagger-ui.test.ts renders it in Chromium.
 */
export function docsContentSecurityPolicy(tokenIssuer: TokenIssuer | undefined): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    'connect-src': ["'self'", ...(tokenIssuer ? [new URL(tokenIssuer.issuer).origin] : [])],
    'font-src': ["'self'", 'data:'],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    'img-src': ["'self'", 'data:'],
    'object-src': ["'none'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'", "'unsafe-inline'"],
  }
}

export const openApi = fastifyPlugin(
  async (app: FastifyInstance, { version, tokenIssuer }: { version: string; tokenIssuer: TokenIssuer | undefined }) => {
    // A route behind authentication declares the scope it needs (config.scope); its security
    // requirement follows from it, so the two cannot disagree.
    app.addHook('onRoute', (route) => {
      const scope = route.config?.scope
      if (scope !== undefined) route.schema = { ...route.schema, security: operationSecurity(scope, tokenIssuer) }
    })
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'user-api',
          version,
          description: 'Register users, list them, and upload avatars straight to S3 with presigned forms.',
          license: { name: 'MIT', identifier: 'MIT' },
        },
        // Relative: the API is wherever this document was fetched from, behind any proxy or port.
        servers: [{ url: '/', description: 'The service that serves this document' }],
        tags: [
          { name: 'users', description: 'User registration and lookup; requires an API key or an access token with the scope each operation lists' },
          { name: 'operations', description: 'Health and readiness; no key needed (metrics are on a port of their own)' },
        ],
        components: { securitySchemes: securitySchemes(tokenIssuer) },
        // Secure by default: an operation is documented as open only where it says security: [].
        security: AUTHENTICATED,
      },
      transformObject: (documentObject) => finishDocument('openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject),
    })
    await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: docsContentSecurityPolicy(tokenIssuer) })
    app.get('/openapi.json', { schema: { hide: true }, logLevel: 'warn' }, async () => app.swagger())
  },
  { name: 'openapi' },
)
