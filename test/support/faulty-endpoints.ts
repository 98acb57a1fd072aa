// Endpoints that misbehave the way a broken network or a failing AWS does: one that refuses
// connections (a port nobody listens on), one that accepts connections and then never answers,
// and a DynamoDB that answers chosen operations with an AWS error.
import { createServer as createHttpServer, request as httpRequest } from 'node:http'
import { createServer, type Server, type Socket } from 'node:net'

export async function refusingEndpoint(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => {
    resolve()
  }))
  return `http://127.0.0.1:${port}`
}

export async function stallingEndpoint(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => {
          resolve()
        })
      }),
  }
}

export interface AwsErrorReply {
  /** HTTP status DynamoDB answers with. */
  status: number
  /** The error's type, as DynamoDB names it in `__type` (the SDK turns it into the error's name). */
  type: string
  message: string
}

/**
 * A DynamoDB endpoint that answers the named operations (e.g. `PutItem`) with an AWS error in
 * DynamoDB's own wire format, so the real SDK parses, retries and classifies it, and forwards every
 * other call to the emulator at target().
 */
export async function dynamoDbAnsweringWithError(
  target: () => string,
  operations: readonly string[],
  reply: AwsErrorReply,
): Promise<{ url: string; answered: number; close(): Promise<void> }> {
  let answered = 0
  const server = createHttpServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const operation = String(request.headers['x-amz-target']).split('.').pop() ?? ''
      if (operations.includes(operation)) {
        answered++
        const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${reply.type}`, message: reply.message })
        response.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `request-${answered}` })
        response.end(body)
        return
      }
      const upstream = httpRequest(`${target()}${request.url ?? '/'}`, { method: request.method, headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(response)
      })
      upstream.on('error', () => response.destroy())
      upstream.end(Buffer.concat(chunks))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    get answered() {
      return answered
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}
