// The one place where failures become HTTP responses: RFC 9457 problem details for every error.
// Clients get a clear, safe message; the log gets the details (AWS error code and request id,
// stack) under the same request id the client sees.
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fastifyPlugin from 'fastify-plugin'
import { awsErrorCode, awsRequestId, isAwsSdkError, isTemporaryAwsFailure } from '../aws/aws-errors.js'
import { describeValidationErrors, type ValidationIssue } from '../validation/validation-errors.js'
import { PROBLEM_MEDIA_TYPE, type Problem } from './problem-schema.js'
import { HttpProblem, RETRY_AFTER_SECONDS } from './problems.js'
import { RAW_SECURITY_HEADER_LINES, setSecurityHeaders } from './security-headers.js'
import { withoutQuery } from './url-path.js'

const PROBLEM_CONTENT_TYPE = `${PROBLEM_MEDIA_TYPE}; charset=utf-8`

const PATTERN_MESSAGES = { '/name': 'must be 1-100 characters after trimming, without control characters' }

function validationErrors(issues: readonly ValidationIssue[], context: string | undefined): NonNullable<Problem['errors']> {
  const prefix = context === 'querystring' ? '/query' : context === 'params' ? '/path' : ''
  return describeValidationErrors(issues, PATTERN_MESSAGES).map(({ field, message }) => ({ field: `${prefix}${field}` || '/', message }))
}

function problemFor(status: number, title: string, detail: string, request: FastifyRequest, traceId?: string): Problem {
  return {
    type: 'about:blank',
    title,
    status,
    detail,
    instance: withoutQuery(request.url),
    request_id: request.id,
    ...(traceId === undefined ? {} : { trace_id: traceId }),
  }
}

function send(reply: FastifyReply, body: Problem, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(body.status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(body)
}

// Fastify's own request errors that are the client's fault, with the status they deserve.
const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'Unsupported Media Type', 'Send the body as application/json.'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'Content Too Large', 'The request body is larger than 16 KiB.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'Bad Request', 'The JSON body is empty.'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'Bad Request', 'The body is not valid JSON.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'Bad Request', 'The Content-Length header does not match the body.'],
}

// Errors Fastify answers before any hook runs (a malformed escape in the URL, an overlong path
// parameter): same problem details, and the request id set by hand since no hook has run.
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  setSecurityHeaders(request.raw, reply.raw)
  const status = error.statusCode ?? 400
  const detail = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path segment is too long.' : 'The URL is malformed.'
  void send(reply, problemFor(status, STATUS_CODES[status] ?? 'Client Error', detail, request), { 'X-Request-Id': request.id })
}

const CLIENT_ERROR_STATUS: Record<string, number> = { HPE_HEADER_OVERFLOW: 431, ERR_HTTP_REQUEST_TIMEOUT: 408 }

// Errors of the HTTP parser itself (malformed request, headers too large, a client too slow to
// send its request): there is no request object, only the socket. The raw bytes of the request
// are never logged, as they may hold a key.
export function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) return
  // Stryker disable next-line StringLiteral: equivalent; a missing code finds no status, whatever placeholder stands in for it
  const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? 400
  // Stryker disable next-line StringLiteral: equivalent; Node names 400, 408 and 431, the only statuses here
  const title = STATUS_CODES[status] ?? 'Bad Request'
  this.log.debug({ error_code: error.code }, 'client error')
  const body = JSON.stringify({ type: 'about:blank', title, status, detail: 'The server could not read the request.' })
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${RAW_SECURITY_HEADER_LINES}Connection: close\r\n\r\n${body}`,
  )
}

export const problemDetails = fastifyPlugin(
  async (app: FastifyInstance, { traceId: activeTraceId }: { traceId?: (() => string | undefined) | undefined }) => {
    // With tracing on, every problem names its trace, so the person who reports it can quote it.
    const problem = (status: number, title: string, detail: string, request: FastifyRequest) =>
      problemFor(status, title, detail, request, activeTraceId?.())
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof HttpProblem) {
        return send(reply, problem(error.status, error.title, error.detail, request), error.headers)
      }
      if (error.validation) {
        const body = problem(400, 'Bad Request', 'The request is invalid; see errors for every invalid field.', request)
        body.errors = validationErrors(error.validation, error.validationContext)
        return send(reply, body)
      }
      const known = CLIENT_ERRORS[error.code]
      if (known) return send(reply, problem(known[0], known[1], known[2], request))
      if (error instanceof SyntaxError) {
        return send(reply, problem(400, 'Bad Request', 'The body is not valid JSON.', request))
      }
      if (isAwsSdkError(error) || isTemporaryAwsFailure(error)) {
        const aws = { aws_error_code: awsErrorCode(error), aws_request_id: awsRequestId(error) }
        if (isTemporaryAwsFailure(error)) {
          request.log.warn({ err: error, ...aws }, 'AWS temporarily unavailable')
          return send(reply, problem(503, 'Service Unavailable', 'A storage backend is temporarily unavailable. Please retry.', request), {
            'Retry-After': String(RETRY_AFTER_SECONDS),
          })
        }
        request.log.error({ err: error, ...aws }, 'AWS call failed')
      } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        // Another client error raised by Fastify itself; its message is written for clients.
        return send(reply, problem(error.statusCode, STATUS_CODES[error.statusCode] ?? 'Client Error', error.message, request))
      } else {
        request.log.error({ err: error }, 'unhandled error')
      }
      return send(reply, problem(500, 'Internal Server Error', 'Something went wrong on our side. Quote the request id when reporting it.', request))
    })

    app.setNotFoundHandler((request, reply) =>
      send(reply, problem(404, 'Not Found', `No route for ${request.method} ${withoutQuery(request.url)}.`, request)),
    )
  },
  // Stryker disable next-line ObjectLiteral,StringLiteral: equivalent; the name only labels the plugin, no plugin depends on it
  { name: 'problem-details' },
)
