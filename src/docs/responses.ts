// Response entries for the route schemas, so that the OpenAPI document says exactly what the
// service sends: the media type (problem details for every error), an example, and the response
// headers. Fastify serializes each response with the schema under its media type, so the document
// and the bytes on the wire come from the same entry.
import type { TSchema } from 'typebox'
import { API_KEY_CHALLENGE, BEARER_CHALLENGE } from '../auth/authentication.js'
import { PROBLEM_MEDIA_TYPE, ProblemSchema, type Problem } from '../http/problem-schema.js'
import { RETRY_AFTER_SECONDS } from '../http/problems.js'

const EXAMPLE_REQUEST_ID = '5f0c6e1a-3b7d-4d2e-9a41-8c2b7e9f1d30'
/** The user id of every example, so that examples refer to one another. */
export const EXAMPLE_USER_ID = '0b6f4c1e-8a53-4c1a-9d1e-2f1f6a7c9b10'

// OpenAPI Header objects. A route names the headers it sends; the document refers to these
// definitions (components.headers), so a header is described once however many responses carry it.
export const RESPONSE_HEADERS = {
  'X-Request-Id': {
    description: 'Identifies the request in the service log; a valid incoming X-Request-Id is kept. Quote it when reporting a problem.',
    required: true,
    schema: { type: 'string', maxLength: 128 },
    example: EXAMPLE_REQUEST_ID,
  },
  'Retry-After': {
    description: 'Seconds to wait before retrying',
    required: true,
    schema: { type: 'integer', minimum: 1 },
    example: RETRY_AFTER_SECONDS,
  },
  'WWW-Authenticate': {
    description: 'RFC 6750 challenges: the credentials the operation accepts, or why a token was refused (invalid_token, insufficient_scope with the scope to ask for)',
    required: true,
    schema: { type: 'string' },
    example: `${API_KEY_CHALLENGE}, ${BEARER_CHALLENGE}`,
  },
  'RateLimit-Limit': {
    description: 'Requests per window that the limit checked for this request allows: the caller\'s limit for this route group, or, on a 429 for failed authentication, the failures allowed per client address (per server instance)',
    required: false,
    schema: { type: 'integer', minimum: 1 },
    example: 6000,
  },
  'RateLimit-Remaining': {
    description: 'Requests left in the current window of that limit',
    required: false,
    schema: { type: 'integer', minimum: 0 },
    example: 5999,
  },
  'RateLimit-Reset': {
    description: 'Seconds until the current window of that limit ends',
    required: false,
    schema: { type: 'integer', minimum: 1 },
    example: 42,
  },
  Location: {
    description: 'Path of the new user',
    required: true,
    schema: { type: 'string', format: 'uri-reference' },
    example: `/users/${EXAMPLE_USER_ID}`,
  },
  Link: {
    description: 'RFC 8288 link to the next page (rel="next"); absent on the last page',
    required: false,
    schema: { type: 'string' },
    example: '</users?limit=2&cursor=v1.eyJwayI6IlVTRVIjMGI2ZiJ9.c2lnbmF0dXJl>; rel="next"',
  },
} as const

export type ResponseHeaderName = keyof typeof RESPONSE_HEADERS

// Every response carries X-Request-Id (http/request-context.ts). The values here are only
// placeholders for Fastify: docs/openapi.ts replaces each by a reference to RESPONSE_HEADERS.
function headers(names: readonly ResponseHeaderName[]): Record<string, { type: 'string' }> {
  return Object.fromEntries(['X-Request-Id', ...names].map((name) => [name, { type: 'string' }]))
}

export function jsonResponse<T extends TSchema>(
  schema: T,
  { description, example, headers: names = [] }: { description: string; example: unknown; headers?: ResponseHeaderName[] },
) {
  return { description, headers: headers(names), content: { 'application/json': { schema, example } } }
}

export function noContentResponse(description: string) {
  return { type: 'null', description, headers: headers([]) } as const
}

const RATE_LIMIT_HEADERS = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'] as const satisfies ResponseHeaderName[]

function problemResponse(status: number, description: string, example: Pick<Problem, 'title' | 'detail' | 'errors'>) {
  const names: ResponseHeaderName[] =
    status === 401 || status === 403 ? ['WWW-Authenticate'] : status === 503 ? ['Retry-After'] : status === 429 ? ['Retry-After', ...RATE_LIMIT_HEADERS] : []
  return {
    description,
    headers: headers(names),
    content: {
      [PROBLEM_MEDIA_TYPE]: {
        schema: ProblemSchema,
        example: { type: 'about:blank', status, ...example, request_id: EXAMPLE_REQUEST_ID } satisfies Problem,
      },
    },
  }
}

// The error responses routes pick from, each with the media type, headers and body the error
// handler (http/error-handler.ts) really sends. The examples leave out `instance`, the request
// path, which differs from route to route.
export const ProblemResponses = {
  400: problemResponse(400, 'Invalid request: malformed JSON, invalid fields, a bad cursor, or an API key and a token at once', {
    title: 'Bad Request',
    detail: 'The request is invalid; see errors for every invalid field.',
    errors: [{ field: '/email', message: 'must match format "email"' }],
  }),
  401: problemResponse(401, 'Missing or invalid credentials: no API key or access token, or one that is not valid (WWW-Authenticate says which)', {
    title: 'Unauthorized',
    detail: 'The access token has expired.',
  }),
  403: problemResponse(403, 'The access token lacks the scope this operation requires (WWW-Authenticate names it)', {
    title: 'Forbidden',
    detail: 'The access token lacks the scope users:write, which this operation requires.',
  }),
  404: problemResponse(404, 'No such user', {
    title: 'Not Found',
    detail: `No user with id ${EXAMPLE_USER_ID}.`,
  }),
  409: problemResponse(409, 'Email address already registered', {
    title: 'Conflict',
    detail: 'A user with this email address is already registered.',
  }),
  413: problemResponse(413, 'Request body larger than 16 KiB', {
    title: 'Content Too Large',
    detail: 'The request body is larger than 16 KiB.',
  }),
  415: problemResponse(415, 'Request body is not JSON', {
    title: 'Unsupported Media Type',
    detail: 'Send the body as application/json.',
  }),
  429: problemResponse(429, 'Rate limit reached: the caller\'s limit for this route group, or too many requests with failed authentication from the client address; retry after the Retry-After delay', {
    title: 'Too Many Requests',
    detail: 'This credential has used up its 600 registration requests per 60 s. Retry after 42 s.',
  }),
  500: problemResponse(500, 'Internal error; details are in the server log under the request id', {
    title: 'Internal Server Error',
    detail: 'Something went wrong on our side. Quote the request id when reporting it.',
  }),
  503: problemResponse(503, 'A backend, or the token issuer for a token no cached key fits, is temporarily unavailable; retry after the Retry-After delay', {
    title: 'Service Unavailable',
    detail: 'A storage backend is temporarily unavailable. Please retry.',
  }),
}

interface ResponseEntry {
  headers: Record<string, { type: 'string' }>
}

/**
 * The responses of an operation behind the rate limits (src/rate-limits/): the RateLimit-* headers
 * on every response sent after the caller's limit was checked (all but the refusals of
 * authentication), and the 429.
 */
export function rateLimited<Responses extends Record<number, ResponseEntry>>(responses: Responses): Responses & { 429: (typeof ProblemResponses)[429] } {
  const withHeaders = Object.fromEntries(
    Object.entries(responses).map(([status, response]: [string, ResponseEntry]) => [
      status,
      status === '401' || status === '403' ? response : { ...response, headers: { ...response.headers, ...headers(RATE_LIMIT_HEADERS) } },
    ]),
  )
  return { ...withHeaders, 429: ProblemResponses[429] } as Responses & { 429: (typeof ProblemResponses)[429] }
}
