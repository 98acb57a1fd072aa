// A real OTLP/HTTP trace receiver on loopback, as small as an OpenTelemetry Collector's front door:
// it accepts POST /v1/traces in both encodings the service can send (protobuf, its default, and
// JSON), decodes every span, and answers as a collector does. The protobuf decoder reads only the
// fields of opentelemetry-proto's trace messages that the tests look at.
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedSpan {
  traceId: string
  spanId: string
  parentSpanId: string
  name: string
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client. */
  kind: number
  attributes: Record<string, unknown>
  events: { name: string; attributes: Record<string, unknown> }[]
  status: { code: number; message: string }
  resource: Record<string, unknown>
}

export interface OtlpReceiver {
  url: string
  spans: ReceivedSpan[]
  /** The content types of the requests received, e.g. application/x-protobuf. */
  contentTypes: string[]
  close(): Promise<void>
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = []
  const contentTypes: string[] = []
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks)
      const contentType = request.headers['content-type'] ?? ''
      contentTypes.push(contentType)
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end()
        return
      }
      const json = contentType.startsWith('application/json')
      spans.push(...(json ? spansFromJson(JSON.parse(body.toString('utf8')) as JsonExport) : spansFromProtobuf(body)))
      response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : Buffer.alloc(0))
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    contentTypes,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve()
        })
      }),
  }
}

// --- OTLP/JSON (ids are hex strings, integers may be strings) ---

interface JsonValue {
  stringValue?: string
  boolValue?: boolean
  intValue?: string | number
  doubleValue?: number
  arrayValue?: { values?: JsonValue[] }
}
interface JsonKeyValue {
  key: string
  value: JsonValue
}
interface JsonExport {
  resourceSpans?: {
    resource?: { attributes?: JsonKeyValue[] }
    scopeSpans?: {
      spans?: {
        traceId: string
        spanId: string
        parentSpanId?: string
        name: string
        kind: number
        attributes?: JsonKeyValue[]
        events?: { name: string; attributes?: JsonKeyValue[] }[]
        status?: { code?: number; message?: string }
      }[]
    }[]
  }[]
}

function jsonValue(value: JsonValue): unknown {
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(jsonValue)
  if (value.intValue !== undefined) return Number(value.intValue)
  return value.stringValue ?? value.boolValue ?? value.doubleValue
}
const jsonAttributes = (list: JsonKeyValue[] = []) => Object.fromEntries(list.map(({ key, value }) => [key, jsonValue(value)]))

function spansFromJson(body: JsonExport): ReceivedSpan[] {
  return (body.resourceSpans ?? []).flatMap((resourceSpans) =>
    (resourceSpans.scopeSpans ?? []).flatMap((scopeSpans) =>
      (scopeSpans.spans ?? []).map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        kind: span.kind,
        attributes: jsonAttributes(span.attributes),
        events: (span.events ?? []).map((event) => ({ name: event.name, attributes: jsonAttributes(event.attributes) })),
        status: { code: span.status?.code ?? 0, message: span.status?.message ?? '' },
        resource: jsonAttributes(resourceSpans.resource?.attributes),
      })),
    ),
  )
}

// --- OTLP/protobuf: the wire format (varints, length-delimited fields), decoded by field number ---

interface Field {
  number: number
  varint?: bigint
  bytes?: Buffer
  fixed64?: Buffer
}

function readVarint(buffer: Buffer, offset: number): [bigint, number] {
  let value = 0n
  let shift = 0n
  for (;;) {
    const byte = buffer[offset++]
    if (byte === undefined) throw new Error('truncated varint')
    value |= BigInt(byte & 0x7f) << shift
    if ((byte & 0x80) === 0) return [value, offset]
    shift += 7n
  }
}

function fields(buffer: Buffer): Field[] {
  const result: Field[] = []
  let offset = 0
  while (offset < buffer.length) {
    const [key, afterKey] = readVarint(buffer, offset)
    const number = Number(key >> 3n)
    const wireType = Number(key & 7n)
    offset = afterKey
    if (wireType === 0) {
      const [varint, next] = readVarint(buffer, offset)
      result.push({ number, varint })
      offset = next
    } else if (wireType === 1) {
      result.push({ number, fixed64: buffer.subarray(offset, offset + 8) })
      offset += 8
    } else if (wireType === 2) {
      const [length, start] = readVarint(buffer, offset)
      const end = start + Number(length)
      result.push({ number, bytes: buffer.subarray(start, end) })
      offset = end
    } else if (wireType === 5) {
      offset += 4
    } else {
      throw new Error(`unsupported wire type ${wireType}`)
    }
  }
  return result
}

const all = (list: Field[], number: number) => list.filter((field) => field.number === number)
const bytesOf = (list: Field[], number: number) => all(list, number)[0]?.bytes ?? Buffer.alloc(0)
const textOf = (list: Field[], number: number) => bytesOf(list, number).toString('utf8')
const varintOf = (list: Field[], number: number) => Number(all(list, number)[0]?.varint ?? 0n)

// AnyValue: string 1, bool 2, int 3, double 4, array 5 (ArrayValue: values 1).
function anyValue(buffer: Buffer): unknown {
  const value = fields(buffer)[0]
  if (!value) return undefined
  switch (value.number) {
    case 1:
      return value.bytes!.toString('utf8')
    case 2:
      return value.varint === 1n
    case 3:
      return Number(BigInt.asIntN(64, value.varint!))
    case 4:
      return value.fixed64!.readDoubleLE(0)
    case 5:
      return all(fields(value.bytes!), 1).map((item) => anyValue(item.bytes!))
    default:
      return `<field ${value.number}>`
  }
}

// KeyValue: key 1, value 2.
const protobufAttributes = (list: Field[]) =>
  Object.fromEntries(list.map((field) => fields(field.bytes!)).map((keyValue) => [textOf(keyValue, 1), anyValue(bytesOf(keyValue, 2))]))

// ExportTraceServiceRequest: resource_spans 1. ResourceSpans: resource 1 (attributes 1), scope_spans 2.
// ScopeSpans: spans 2. Span: trace_id 1, span_id 2, parent_span_id 4, name 5, kind 6,
// attributes 9, events 11 (name 2, attributes 3), status 15 (message 2, code 3).
function spansFromProtobuf(body: Buffer): ReceivedSpan[] {
  return all(fields(body), 1).flatMap((resourceSpansField) => {
    const resourceSpans = fields(resourceSpansField.bytes!)
    const resource = protobufAttributes(all(fields(bytesOf(resourceSpans, 1)), 1))
    return all(resourceSpans, 2).flatMap((scopeSpans) =>
      all(fields(scopeSpans.bytes!), 2).map((spanField) => {
        const span = fields(spanField.bytes!)
        const status = fields(bytesOf(span, 15))
        return {
          traceId: bytesOf(span, 1).toString('hex'),
          spanId: bytesOf(span, 2).toString('hex'),
          parentSpanId: bytesOf(span, 4).toString('hex'),
          name: textOf(span, 5),
          kind: varintOf(span, 6),
          attributes: protobufAttributes(all(span, 9)),
          events: all(span, 11).map((eventField) => {
            const event = fields(eventField.bytes!)
            return { name: textOf(event, 2), attributes: protobufAttributes(all(event, 3)) }
          }),
          status: { code: varintOf(status, 3), message: textOf(status, 2) },
          resource,
        }
      }),
    )
  })
}
