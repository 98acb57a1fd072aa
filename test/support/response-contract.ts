// The OpenAPI document as a contract the tests enforce: every response an app built by the test
// helpers sends on a documented operation is checked against the document for that operation and
// status (documented status, media type, required headers and their values, body schema), so the
// document cannot drift from what the service sends. A hook records what is wrong; `app.inject`
// then fails with it, and responses received over a socket fail the stack's close(). Tests that
// call a service in another process use contractFetch instead.
import type { FastifyInstance, FastifyReply, FastifyRequest, InjectOptions, LightMyRequestResponse } from 'fastify'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { openApiDocument } from '../../src/openapi-document.js'

type JsonObject = Record<string, unknown>

interface HeaderObject {
  required?: boolean
  schema: JsonObject
}

interface ResponseObject {
  headers?: Record<string, HeaderObject | { $ref: string }>
  content?: Record<string, { schema: JsonObject }>
}

interface Operation {
  responses: Record<string, ResponseObject>
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, JsonObject>; headers: Record<string, HeaderObject> }
}

type ResponseHeaders = Record<string, string | number | string[] | undefined>

const COMPONENTS_ID = 'urn:user-api:components'
// Statuses that never carry a body, whatever the handler passed to send().
const BODILESS_STATUSES = new Set([204, 304])

// Component references, rewritten to resolve against the schemas registered under COMPONENTS_ID.
function resolvable(schema: JsonObject): JsonObject {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${COMPONENTS_ID}#/$defs/`)) as JsonObject
}

export class ResponseContractError extends Error {
  constructor(readonly violations: readonly string[]) {
    super(`responses differ from the OpenAPI document:\n${violations.map((violation) => `  - ${violation}`).join('\n')}`)
    this.name = 'ResponseContractError'
  }
}

export class ResponseContract {
  private readonly ajv = new Ajv2020({ allErrors: true, strict: true })
  private readonly validators = new Map<string, ValidateFunction>()

  constructor(private readonly document: OpenApiDocument) {
    // `as unknown as`: ajv-formats is CommonJS whose types describe an ES default export.
    ;(addFormats as unknown as (ajv: Ajv2020) => void)(this.ajv)
    this.ajv.addSchema({ $id: COMPONENTS_ID, $defs: resolvable(document.components.schemas) })
  }

  /** The route, in Fastify's form, of the documented path a concrete one matches (`/users/:id` for `/users/abc`). */
  routeOf(path: string): string | undefined {
    const templates = Object.keys(this.document.paths)
    const template = templates.includes(path) ? path : templates.find((candidate) => new RegExp(`^${candidate.replace(/\{\w+\}/g, '[^/]+')}$`).test(path))
    return template?.replace(/\{(\w+)\}/g, ':$1')
  }

  /** Everything that differs between a response and its documented operation; [] for undocumented routes. */
  violations(method: string, routeUrl: string | undefined, status: number, headers: ResponseHeaders, body: string | undefined): string[] {
    if (routeUrl === undefined) return []
    const path = routeUrl.replace(/:(\w+)/g, '{$1}')
    const operation = this.document.paths[path]?.[method.toLowerCase()]
    if (!operation) return []
    const where = `${method} ${path} → ${status}`
    const documented = operation.responses[String(status)] ?? operation.responses[`${String(status).charAt(0)}XX`] ?? operation.responses.default
    if (!documented) return [`${where}: status not documented (documented: ${Object.keys(operation.responses).join(', ')})`]
    return [...this.headerViolations(where, documented, headers), ...this.bodyViolations(where, documented, status, headers['content-type'], body)]
  }

  private headerViolations(where: string, documented: ResponseObject, headers: ResponseHeaders): string[] {
    return Object.entries(documented.headers ?? {}).flatMap(([name, entry]) => {
      const header = '$ref' in entry ? this.document.components.headers[entry.$ref.split('/').pop() ?? ''] : entry
      if (!header) return [`${where}: header ${name} refers to a missing definition`]
      const value = headers[name.toLowerCase()]
      if (value === undefined) return header.required ? [`${where}: required header ${name} is missing`] : []
      const text = Array.isArray(value) ? value.join(', ') : String(value)
      const typed = header.schema.type === 'integer' && /^-?\d+$/.test(text) ? Number(text) : text
      const errors = this.validate(`header ${JSON.stringify(header.schema)}`, header.schema, typed)
      return errors.map((error) => `${where}: header ${name}: ${JSON.stringify(text)} ${error}`)
    })
  }

  private bodyViolations(where: string, documented: ResponseObject, status: number, contentType: ResponseHeaders[string], body: string | undefined): string[] {
    if (BODILESS_STATUSES.has(status)) return []
    if (!documented.content) return body ? [`${where}: a body is sent, none is documented`] : []
    const mediaType = String(contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
    const media = documented.content[mediaType]
    if (!media) return [`${where}: content type ${JSON.stringify(contentType)} not documented (documented: ${Object.keys(documented.content).join(', ')})`]
    let value: unknown = body ?? ''
    if (mediaType.endsWith('json')) {
      try {
        value = JSON.parse(body ?? '')
      } catch {
        return [`${where}: the body is not JSON: ${(body ?? '').slice(0, 200)}`]
      }
    }
    return this.validate(`${where} ${mediaType}`, media.schema, value).map((error) => `${where}: body ${error}`)
  }

  private validate(key: string, schema: JsonObject, value: unknown): string[] {
    let validator = this.validators.get(key)
    if (!validator) {
      validator = this.ajv.compile(resolvable(schema))
      this.validators.set(key, validator)
    }
    if (validator(value)) return []
    return (validator.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}${error.params.additionalProperty ? ` (${String(error.params.additionalProperty)})` : ''}`)
  }
}

let contract: Promise<ResponseContract> | undefined

/** The contract of the app as it is built now, made once per test process. */
export function responseContract(): Promise<ResponseContract> {
  contract ??= openApiDocument().then((document) => new ResponseContract(document as unknown as OpenApiDocument))
  return contract
}

function bodyText(payload: unknown): string | undefined {
  if (typeof payload === 'string') return payload
  if (Buffer.isBuffer(payload)) return payload.toString('utf8')
  return undefined
}

export interface EnforcedContract {
  /** Violations of responses not yet reported through app.inject; emptied by the call. */
  takeUnreported(): string[]
}

/** Checks every response of `app` from now on. Call before app.ready(). */
export async function enforceResponseContract(app: FastifyInstance): Promise<EnforcedContract> {
  const checker = await responseContract()
  const pending = new Map<string, string[]>()
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    let found: string[]
    try {
      found = checker.violations(request.method, request.routeOptions.url, reply.statusCode, reply.getHeaders(), bodyText(payload))
    } catch (error) {
      // A fault of the checker must fail the test, not turn into the app's own 500.
      found = [`${request.method} ${request.url}: the check itself failed: ${String(error)}`]
    }
    if (found.length > 0) pending.set(request.id, [...(pending.get(request.id) ?? []), ...found])
    return payload
  })
  const inject = app.inject.bind(app) as (options: InjectOptions | string) => Promise<LightMyRequestResponse>
  const checkedInject = async (options: InjectOptions | string): Promise<LightMyRequestResponse> => {
    const response = await inject(options)
    const requestId = String(response.headers['x-request-id'])
    const found = pending.get(requestId)
    if (found) {
      pending.delete(requestId)
      throw new ResponseContractError(found)
    }
    return response
  }
  app.inject = checkedInject as FastifyInstance['inject']
  return {
    takeUnreported() {
      const all = [...pending.values()].flat()
      pending.clear()
      return all
    },
  }
}

function headersOf(response: Response): ResponseHeaders {
  const headers: ResponseHeaders = {}
  response.headers.forEach((value, name) => {
    headers[name] = value
  })
  return headers
}

/** What differs from the document in a response fetched from `url`, read into `body`. */
export function fetchedResponseViolations(checker: ResponseContract, method: string, url: string | URL, response: Response, body: string): string[] {
  return checker.violations(method, checker.routeOf(new URL(String(url)).pathname), response.status, headersOf(response), body)
}

/**
 * fetch() for tests that call a service in another process (src/server.ts, npm start), where no
 * hook can see the responses: the response is checked against the document and returned with
 * its body still readable; a violation rejects with a ResponseContractError.
 */
export async function contractFetch(input: string | URL, init?: RequestInit): Promise<Response> {
  const checker = await responseContract()
  const response = await fetch(input, init)
  const body = await response.text()
  const found = fetchedResponseViolations(checker, init?.method ?? 'GET', input, response, body)
  if (found.length > 0) throw new ResponseContractError(found)
  return new Response(BODILESS_STATUSES.has(response.status) ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers })
}
