// Where the traced bench service sends its spans: an OTLP/HTTP endpoint on 127.0.0.1 that accepts
// every export and only counts it. Decoding is the tracing test's job (test/support/otlp-receiver.ts);
// here the receiver must cost the machine as little as possible, since it shares the cores with the
// service being measured.
import { createServer as createHttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface OtlpSink {
  /** The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string
  exports(): { requests: number; bytes: number }
  stop(): Promise<void>
}

export async function startOtlpSink(): Promise<OtlpSink> {
  let requests = 0
  let bytes = 0
  const server = createHttpServer((request, response) => {
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length
    })
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/traces') requests++
      // An empty body is an empty ExportTraceServiceResponse: everything accepted.
      response.writeHead(request.url === '/v1/traces' ? 200 : 404, { 'content-type': 'application/x-protobuf' }).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${String(port)}`,
    exports: () => ({ requests, bytes }),
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}

