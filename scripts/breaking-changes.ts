// Compares two OpenAPI documents and lists what breaks existing clients: an operation, a
// parameter, a request or response field, a status code, a media type, a response header or an
// enum value that is gone, or a request field or parameter that clients must now send. No kept
// tool does this offline from npm for OpenAPI 3.1 with these rules, so this is a small one; the
// pipeline runs it on every pull request against the target branch's client/openapi.json.
//   tsx scripts/breaking-changes.ts <base.json> <head.json>
// Exit 0: nothing breaks; 3: something breaks (listed); anything else: the comparison failed.
import { readFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'

type Json = Record<string, unknown>

export const BREAKING_EXIT_CODE = 3

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)
const asObject = (value: unknown): Json => (isObject(value) ? value : {})
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? (value as unknown[]) : [])

/** Follows local references (#/components/...) until a plain object. */
function resolve(document: Json, node: unknown, depth = 0): Json {
  const object = asObject(node)
  if (typeof object.$ref !== 'string' || depth > 32) return object
  const target = object.$ref
    .replace(/^#\//, '')
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((current, part) => asObject(current)[part], document)
  return resolve(document, target, depth + 1)
}

/** What a schema promises, flattened: field paths (/user/name, /items[]/id), required ones, enum values by path. */
interface SchemaFacts {
  fields: Set<string>
  required: Set<string>
  enums: Map<string, Set<string>>
}

function schemaFacts(document: Json, schema: unknown): SchemaFacts {
  const facts: SchemaFacts = { fields: new Set(), required: new Set(), enums: new Map() }
  const visit = (node: unknown, path: string, references: readonly string[]) => {
    const reference = asObject(node).$ref
    // A recursive schema is described once per path it can be reached by.
    if (typeof reference === 'string' && references.includes(reference)) return
    const seen = typeof reference === 'string' ? [...references, reference] : references
    const resolved = resolve(document, node)
    const required = asArray(resolved.required)
    for (const [name, property] of Object.entries(asObject(resolved.properties))) {
      facts.fields.add(`${path}/${name}`)
      if (required.includes(name)) facts.required.add(`${path}/${name}`)
      visit(property, `${path}/${name}`, seen)
    }
    if (isObject(resolved.items)) visit(resolved.items, `${path}[]`, seen)
    if (isObject(resolved.additionalProperties)) visit(resolved.additionalProperties, `${path}/*`, seen)
    for (const keyword of ['anyOf', 'oneOf', 'allOf']) {
      for (const member of asArray(resolved[keyword])) visit(member, path, seen)
    }
    const values = [...asArray(resolved.enum), ...('const' in resolved ? [resolved.const] : [])]
    if (values.length > 0) {
      const known = facts.enums.get(path) ?? new Set<string>()
      for (const value of values) known.add(JSON.stringify(value))
      facts.enums.set(path, known)
    }
  }
  visit(schema, '', [])
  return facts
}

interface Operation {
  label: string
  operation: Json
  parameters: Map<string, Json>
}

// Path parameter names do not matter to clients: /users/{id} and /users/{userId} are one path.
function operations(document: Json): Map<string, Operation> {
  const found = new Map<string, Operation>()
  for (const [path, item] of Object.entries(asObject(document.paths))) {
    const pathItem = resolve(document, item)
    for (const method of METHODS) {
      if (!isObject(pathItem[method])) continue
      const operation = pathItem[method]
      const parameters = new Map<string, Json>()
      const templateNames = [...path.matchAll(/\{([^}]*)\}/g)].map((match) => match[1])
      for (const entry of [...asArray(pathItem.parameters), ...asArray(operation.parameters)]) {
        const parameter = resolve(document, entry)
        const name = String(parameter.name)
        // Path parameters by position, header names case-insensitively, the rest by name.
        const key = parameter.in === 'path' ? `#${templateNames.indexOf(name) + 1}` : parameter.in === 'header' ? name.toLowerCase() : name
        parameters.set(`${String(parameter.in)} ${key}`, parameter)
      }
      found.set(`${method} ${path.replace(/\{[^}]*\}/g, '{}')}`, { label: `${method.toUpperCase()} ${path}`, operation, parameters })
    }
  }
  return found
}

const removedEnumValues = (base: SchemaFacts, head: SchemaFacts) =>
  [...base.enums].flatMap(([path, values]) => {
    const now = head.enums.get(path)
    return now ? [...values].filter((value) => !now.has(value)).map((value) => ({ path: path || '/', value })) : []
  })

function compareRequestSchemas(where: string, document: { base: Json; head: Json }, base: unknown, head: unknown): string[] {
  const before = schemaFacts(document.base, base)
  const after = schemaFacts(document.head, head)
  return [
    ...[...before.fields].filter((field) => !after.fields.has(field)).map((field) => `${where}: field ${field} removed`),
    ...[...after.required]
      .filter((field) => !before.required.has(field))
      .map((field) => (before.fields.has(field) ? `${where}: optional field ${field} is now required` : `${where}: new required field ${field}`)),
    ...removedEnumValues(before, after).map(({ path, value }) => `${where}: enum value ${value} removed from ${path}`),
  ]
}

function compareResponseSchemas(where: string, document: { base: Json; head: Json }, base: unknown, head: unknown): string[] {
  const before = schemaFacts(document.base, base)
  const after = schemaFacts(document.head, head)
  return [
    ...[...before.fields].filter((field) => !after.fields.has(field)).map((field) => `${where}: field ${field} removed`),
    ...[...before.required].filter((field) => after.fields.has(field) && !after.required.has(field)).map((field) => `${where}: field ${field} is no longer always sent`),
    ...removedEnumValues(before, after).map(({ path, value }) => `${where}: enum value ${value} removed from ${path}`),
  ]
}

function compareParameters(label: string, document: { base: Json; head: Json }, base: Operation, head: Operation): string[] {
  const breaks: string[] = []
  for (const [key, parameter] of base.parameters) {
    const now = head.parameters.get(key)
    if (!now) breaks.push(`${label}: parameter ${key} removed`)
    else if (now.required === true && parameter.required !== true) breaks.push(`${label}: optional parameter ${key} is now required`)
    else {
      const removed = removedEnumValues(schemaFacts(document.base, parameter.schema), schemaFacts(document.head, now.schema))
      breaks.push(...removed.map(({ value }) => `${label}: enum value ${value} removed from parameter ${key}`))
    }
  }
  for (const [key, parameter] of head.parameters) {
    if (!base.parameters.has(key) && parameter.required === true) breaks.push(`${label}: new required parameter ${key}`)
  }
  return breaks
}

function compareRequestBodies(label: string, document: { base: Json; head: Json }, base: Json, head: Json): string[] {
  const before = resolve(document.base, base.requestBody)
  const after = resolve(document.head, head.requestBody)
  if (!isObject(base.requestBody)) return isObject(head.requestBody) && after.required === true ? [`${label}: a request body is now required`] : []
  if (!isObject(head.requestBody)) return [`${label}: request body removed`]
  const breaks = after.required === true && before.required !== true ? [`${label}: the request body is now required`] : []
  for (const [mediaType, media] of Object.entries(asObject(before.content))) {
    const now = asObject(after.content)[mediaType]
    if (!isObject(now)) breaks.push(`${label}: request media type ${mediaType} removed`)
    else breaks.push(...compareRequestSchemas(`${label} request ${mediaType}`, document, asObject(media).schema, now.schema))
  }
  return breaks
}

function compareResponses(label: string, document: { base: Json; head: Json }, base: Json, head: Json): string[] {
  const breaks: string[] = []
  const headResponses = asObject(head.responses)
  for (const [status, entry] of Object.entries(asObject(base.responses))) {
    if (!(status in headResponses)) {
      breaks.push(`${label}: status ${status} removed`)
      continue
    }
    const before = resolve(document.base, entry)
    const after = resolve(document.head, headResponses[status])
    const where = `${label} → ${status}`
    const headHeaders = new Map(Object.entries(asObject(after.headers)).map(([name, header]) => [name.toLowerCase(), resolve(document.head, header)]))
    for (const [name, header] of Object.entries(asObject(before.headers))) {
      const now = headHeaders.get(name.toLowerCase())
      if (!now) breaks.push(`${where}: header ${name} removed`)
      else if (resolve(document.base, header).required === true && now.required !== true) breaks.push(`${where}: header ${name} is no longer always sent`)
    }
    for (const [mediaType, media] of Object.entries(asObject(before.content))) {
      const now = asObject(after.content)[mediaType]
      if (!isObject(now)) breaks.push(`${where}: media type ${mediaType} removed`)
      else breaks.push(...compareResponseSchemas(`${where} ${mediaType}`, document, asObject(media).schema, now.schema))
    }
  }
  return breaks
}

/** Every change from `base` to `head` that breaks a client written against `base`; [] when none. */
export function breakingChanges(base: Json, head: Json): string[] {
  const document = { base, head }
  const headOperations = operations(head)
  return [...operations(base)].flatMap(([key, before]) => {
    const after = headOperations.get(key)
    if (!after) return [`${before.label}: operation removed`]
    return [
      ...compareParameters(before.label, document, before, after),
      ...compareRequestBodies(before.label, document, before.operation, after.operation),
      ...compareResponses(before.label, document, before.operation, after.operation),
    ]
  })
}

const entryPoint = process.argv[1]
if (entryPoint !== undefined && import.meta.url === pathToFileURL(entryPoint).href) {
  const [basePath, headPath] = process.argv.slice(2)
  if (basePath === undefined || headPath === undefined) {
    process.stderr.write('usage: tsx scripts/breaking-changes.ts <base.json> <head.json>\n')
    process.exit(2)
  }
  const [base, head] = await Promise.all([basePath, headPath].map(async (path) => JSON.parse(await readFile(path, 'utf8')) as Json))
  const breaks = breakingChanges(base!, head!)
  if (breaks.length === 0) {
    process.stdout.write('No breaking change to the API.\n')
  } else {
    process.stdout.write(`${breaks.length} breaking change(s) to the API:\n${breaks.map((line) => `  - ${line}`).join('\n')}\n`)
    process.exitCode = BREAKING_EXIT_CODE
  }
}
