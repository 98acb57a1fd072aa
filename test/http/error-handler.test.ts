// Problem details for every kind of failure, on a bare Fastify app with only the error handling
// of src/http: the status, title, detail, headers and log line each kind of error gets, and that
// nothing an operator needs (AWS codes, request ids) is lost while nothing internal reaches the
// client. The suites under test/security and test/http exercise the same handler through the
// whole app on emulators.
import assert from 'node:assert/strict'
import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import { Writable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import { pino } from 'pino'
import { Type } from 'typebox'
import { BackendBusyError } from '../../src/aws/call-queue.js'
import { clientErrorHandler, frameworkErrors, problemDetails } from '../../src/http/error-handler.js'
import { badRequest, conflict, HttpProblem, notFound, RETRY_AFTER_SECONDS, unavailable } from '../../src/http/problems.js'
import { requestIdFrom } from '../../src/http/request-context.js'
import { validatorCompiler } from '../../src/http/validator-compiler.js'

interface Body {
  type: string
  title: string
  status: number
  detail: string
  instance?: string
  request_id?: string
  errors?: { field: string; message: string }[]
}

const GENERIC_500 = 'Something went wrong on our side. Quote the request id when reporting it.'
const GENERIC_503 = 'A storage backend is temporarily unavailable. Please retry.'

function awsError(name: string, httpStatusCode: number): Error {
  return Object.assign(new Error(`${name}: the internal message`), { name, $metadata: { httpStatusCode, requestId: 'AWSREQ1' } })
}

function problemOf(response: LightMyRequestResponse, status: number): Body {
  assert.equal(response.statusCode, status, response.body)
  assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8')
  const body = response.json<Body>()
  assert.equal(body.type, 'about:blank')
  assert.equal(body.status, status)
  return body
}

describe('problem details', () => {
  let app: FastifyInstance
  const logLines: Record<string, unknown>[] = []
  let thrown: unknown

  before(async () => {
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
        done()
      },
    })
    const logger: FastifyBaseLogger = pino({ level: 'debug' }, logStream)
    app = Fastify({ loggerInstance: logger, genReqId: requestIdFrom, bodyLimit: 64, frameworkErrors, maxParamLength: 20 })
    app.setValidatorCompiler(validatorCompiler)
    app.removeContentTypeParser('text/plain')
    await app.register(problemDetails)
    app.get('/throw', async () => {
      throw thrown
    })
    app.post(
      '/items/:id',
      {
        schema: {
          params: Type.Object({ id: Type.String({ maxLength: 5 }) }),
          querystring: Type.Object({ limit: Type.Optional(Type.Integer({ maximum: 10 })) }),
          body: Type.Object({ title: Type.String({ pattern: '^x+$' }) }, { additionalProperties: false }),
        },
      },
      async () => ({ ok: true }),
    )
    app.post('/anything', { schema: { body: Type.Object({ name: Type.String() }) } }, async () => ({ ok: true }))
    await app.ready()
  })
  after(() => app.close())

  async function throwing(error: unknown): Promise<LightMyRequestResponse> {
    thrown = error
    logLines.length = 0
    return app.inject({ method: 'GET', url: '/throw?secret=1', headers: { 'x-request-id': 'req-1' } })
  }

  it('answers a domain problem with its own status, title, detail and headers', async () => {
    const response = await throwing(new HttpProblem(429, 'Too Many', 'Slow down.', { 'X-Custom': 'yes' }))
    assert.deepEqual(problemOf(response, 429), { type: 'about:blank', title: 'Too Many', status: 429, detail: 'Slow down.', instance: '/throw', request_id: 'req-1' })
    assert.equal(response.headers['x-custom'], 'yes')
  })

  it('has a constructor for each problem the domain raises', async () => {
    assert.deepEqual(problemOf(await throwing(notFound('No user.')), 404).title, 'Not Found')
    assert.deepEqual(problemOf(await throwing(conflict('Taken.')), 409).title, 'Conflict')
    const bad = problemOf(await throwing(badRequest('Bad cursor.')), 400)
    assert.deepEqual([bad.title, bad.detail], ['Bad Request', 'Bad cursor.'])
    const busy = await throwing(unavailable('Busy.'))
    assert.equal(problemOf(busy, 503).title, 'Service Unavailable')
    assert.equal(busy.headers['retry-after'], String(RETRY_AFTER_SECONDS))
    assert.equal(RETRY_AFTER_SECONDS, 2)
    const problem = new HttpProblem(400, 'Bad Request', 'detail text')
    assert.equal(problem.name, 'HttpProblem')
    assert.equal(problem.message, 'detail text')
    assert.deepEqual(problem.headers, {})
  })

  it('lists every invalid field, with the query and path parameters named as such', async () => {
    const response = await app.inject({ method: 'POST', url: '/items/abc?limit=99', payload: { title: 'x' } })
    assert.deepEqual(problemOf(response, 400).errors, [{ field: '/query/limit', message: 'must be <= 10' }])
    const path = await app.inject({ method: 'POST', url: '/items/abcdefg', payload: { title: 'x' } })
    assert.deepEqual(problemOf(path, 400).errors, [{ field: '/path/id', message: 'must not have more than 5 characters' }])
    const body = await app.inject({ method: 'POST', url: '/items/abc', payload: { title: 'y', extra: 1 } })
    const problem = problemOf(body, 400)
    assert.equal(problem.detail, 'The request is invalid; see errors for every invalid field.')
    assert.equal(problem.title, 'Bad Request')
    assert.deepEqual(problem.errors, [
      { field: '/extra', message: 'is not an allowed field' },
      { field: '/title', message: 'must match pattern "^x+$"' },
    ])
    const whole = await app.inject({ method: 'POST', url: '/anything', payload: [] })
    assert.deepEqual(problemOf(whole, 400).errors, [{ field: '/', message: 'must be object' }])
  })

  it('explains the name pattern in words', async () => {
    thrown = Object.assign(new Error('invalid'), {
      validation: [{ instancePath: '/name', keyword: 'pattern', message: 'must match pattern "^.+$"' }],
      validationContext: 'body',
    })
    assert.deepEqual(problemOf(await throwing(thrown), 400).errors, [
      { field: '/name', message: 'must be 1-100 characters after trimming, without control characters' },
    ])
  })

  it('maps the body errors of the client to 400, 413 and 415', async () => {
    const post = (payload: string, contentType: string) =>
      app.inject({ method: 'POST', url: '/anything', payload, headers: { 'content-type': contentType } })
    assert.equal(problemOf(await post('{"name": "x"}', 'text/plain'), 415).detail, 'Send the body as application/json.')
    assert.equal(problemOf(await post('{"name": "x"}', 'text/plain'), 415).title, 'Unsupported Media Type')
    const tooLarge = problemOf(await post(JSON.stringify({ name: 'x'.repeat(100) }), 'application/json'), 413)
    assert.deepEqual([tooLarge.title, tooLarge.detail], ['Content Too Large', 'The request body is larger than 16 KiB.'])
    const titleAndDetail = (body: Body) => [body.title, body.detail]
    assert.deepEqual(titleAndDetail(problemOf(await post('', 'application/json'), 400)), ['Bad Request', 'The JSON body is empty.'])
    assert.deepEqual(titleAndDetail(problemOf(await post('{"name":', 'application/json'), 400)), ['Bad Request', 'The body is not valid JSON.'])
    assert.deepEqual(titleAndDetail(problemOf(await throwing(new SyntaxError('Unexpected token')), 400)), ['Bad Request', 'The body is not valid JSON.'])
    const mismatch = Object.assign(new Error('length'), { code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH', statusCode: 400 })
    assert.deepEqual(titleAndDetail(problemOf(await throwing(mismatch), 400)), ['Bad Request', 'The Content-Length header does not match the body.'])
  })

  it('answers a temporary AWS failure with 503 and Retry-After, and logs its code and request id', async () => {
    const response = await throwing(awsError('ThrottlingException', 400))
    const problem = problemOf(response, 503)
    assert.deepEqual([problem.title, problem.detail], ['Service Unavailable', GENERIC_503])
    assert.equal(response.headers['retry-after'], String(RETRY_AFTER_SECONDS))
    const line = logLines.find((entry) => entry.msg === 'AWS temporarily unavailable')
    assert.ok(line, JSON.stringify(logLines))
    assert.equal(line.level, 40)
    assert.deepEqual([line.aws_error_code, line.aws_request_id], ['ThrottlingException', 'AWSREQ1'])
    assert.equal(problemOf(await throwing(new BackendBusyError('no connection')), 503).detail, GENERIC_503)
  })

  it('answers a permanent AWS failure with a generic 500 and logs what an operator needs', async () => {
    const response = await throwing(awsError('AccessDeniedException', 400))
    const problem = problemOf(response, 500)
    assert.deepEqual([problem.title, problem.detail], ['Internal Server Error', GENERIC_500])
    assert.ok(!response.body.includes('AccessDenied') && !response.body.includes('internal message'))
    const line = logLines.find((entry) => entry.msg === 'AWS call failed')
    assert.ok(line, JSON.stringify(logLines))
    assert.equal(line.level, 50)
    assert.deepEqual([line.aws_error_code, line.aws_request_id], ['AccessDeniedException', 'AWSREQ1'])
    assert.equal(response.headers['retry-after'], undefined)
  })

  it('passes on the message of other client errors Fastify raises, and hides everything else', async () => {
    const teapot = problemOf(await throwing(Object.assign(new Error('I refuse.'), { statusCode: 418 })), 418)
    assert.deepEqual([teapot.title, teapot.detail], ["I'm a Teapot", 'I refuse.'])
    assert.equal(problemOf(await throwing(Object.assign(new Error('Odd.'), { statusCode: 499 })), 499).title, 'Client Error')
    assert.equal(problemOf(await throwing(Object.assign(new Error('Lowest.'), { statusCode: 400 })), 400).detail, 'Lowest.')
    for (const error of [new Error('database password is hunter2'), Object.assign(new Error('internal'), { statusCode: 500 }), Object.assign(new Error('redirect'), { statusCode: 399 })]) {
      const response = await throwing(error)
      assert.equal(problemOf(response, 500).detail, GENERIC_500)
      assert.ok(!response.body.includes(error.message))
      const line = logLines.find((entry) => entry.msg === 'unhandled error')
      assert.ok(line, JSON.stringify(logLines))
      assert.equal(line.level, 50)
      assert.equal((line.err as { message?: string } | undefined)?.message, error.message, 'the log keeps what the client does not see')
    }
  })

  it('answers an unknown route with 404 naming the method and path, without the query', async () => {
    const response = await app.inject({ method: 'DELETE', url: '/nowhere?key=secret' })
    const problem = problemOf(response, 404)
    assert.deepEqual([problem.title, problem.detail, problem.instance], ['Not Found', 'No route for DELETE /nowhere.', '/nowhere'])
  })

  it('answers errors Fastify raises before routing, with the request id set by hand', async () => {
    const malformed = await app.inject({ method: 'POST', url: '/items/%zz', payload: { title: 'x' }, headers: { 'x-request-id': 'req-2' } })
    const problem = problemOf(malformed, 400)
    assert.deepEqual([problem.title, problem.detail, problem.request_id], ['Bad Request', 'The URL is malformed.', 'req-2'])
    assert.equal(malformed.headers['x-request-id'], 'req-2')
    const long = await app.inject({ method: 'POST', url: `/items/${'a'.repeat(50)}`, payload: { title: 'x' } })
    assert.equal(problemOf(long, 414).detail, 'A path segment is too long.')
    assert.equal(problemOf(long, 414).title, 'URI Too Long')
  })
})

describe('framework errors without a status', () => {
  it('default to 400 and a generic title for a status Node has no name for', () => {
    const sent: { status?: number; body?: Body; headers?: Record<string, string> } = {}
    const raw = new IncomingMessage(new Socket())
    const reply = {
      raw: new ServerResponse(raw),
      code(status: number) {
        sent.status = status
        return reply
      },
      headers(headers: Record<string, string>) {
        sent.headers = headers
        return reply
      },
      type: () => reply,
      send(body: Body) {
        sent.body = body
        return reply
      },
    }
    const request = { url: '/x?y=1', id: 'req-3', raw }
    const call = (error: Partial<FastifyError>) => {
      frameworkErrors(error as FastifyError, request as never, reply as never)
    }
    call({ code: 'FST_ERR_BAD_URL' })
    assert.equal(sent.status, 400)
    assert.deepEqual(sent.body, { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'The URL is malformed.', instance: '/x', request_id: 'req-3' })
    assert.deepEqual(sent.headers, { 'X-Request-Id': 'req-3' })
    // No hook has run, so the security headers are set here too.
    assert.equal(reply.raw.getHeader('Cache-Control'), 'no-store')
    call({ code: 'FST_ERR_BAD_URL', statusCode: 499 })
    assert.equal(sent.status, 499)
    assert.deepEqual(sent.body, { type: 'about:blank', title: 'Client Error', status: 499, detail: 'The URL is malformed.', instance: '/x', request_id: 'req-3' })
  })
})

describe('errors of the HTTP parser', () => {
  const debugLines: unknown[][] = []

  function parserError(code: string | undefined, writable = true): string | undefined {
    let written: string | undefined
    const socket = { writable, end: (text: string) => (written = text) } as unknown as Socket
    const fakeApp = { log: { debug: (...args: unknown[]) => debugLines.push(args) } } as unknown as FastifyInstance
    debugLines.length = 0
    clientErrorHandler.call(fakeApp, Object.assign(new Error('parse'), code === undefined ? {} : { code }), socket)
    return written
  }

  function statusLine(raw: string | undefined): string | undefined {
    return raw?.split('\r\n')[0]
  }

  it('answers a malformed request with 400 problem details and closes the connection', () => {
    const raw = parserError('HPE_INVALID_METHOD')
    assert.equal(statusLine(raw), 'HTTP/1.1 400 Bad Request')
    const [head, body] = (raw ?? '').split('\r\n\r\n') as [string, string]
    assert.match(head, /\r\nContent-Type: application\/problem\+json; charset=utf-8\r\n/)
    assert.match(head, new RegExp(`\\r\\nContent-Length: ${Buffer.byteLength(body)}\\r\\n`))
    assert.match(head, /\r\nConnection: close$/)
    assert.deepEqual(JSON.parse(body), { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'The server could not read the request.' })
    assert.deepEqual(debugLines, [[{ error_code: 'HPE_INVALID_METHOD' }, 'client error']], 'the code is logged, never the raw request')
    assert.equal(statusLine(parserError(undefined)), 'HTTP/1.1 400 Bad Request')
  })

  it('answers oversized headers with 431 and a slow client with 408', () => {
    assert.equal(statusLine(parserError('HPE_HEADER_OVERFLOW')), 'HTTP/1.1 431 Request Header Fields Too Large')
    assert.equal(statusLine(parserError('ERR_HTTP_REQUEST_TIMEOUT')), 'HTTP/1.1 408 Request Timeout')
  })

  it('writes nothing to a connection the client reset or that cannot be written', () => {
    assert.equal(parserError('ECONNRESET'), undefined)
    assert.equal(parserError('HPE_INVALID_METHOD', false), undefined)
  })
})
