// RFC 9457 problem details: the body of every error response.
import { Type, type Static } from 'typebox'

/** The media type of every error response; clients tell errors from data by it. */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json'

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'URI reference identifying the problem type' }),
    title: Type.String({ description: 'Short summary of the problem type' }),
    status: Type.Integer({ description: 'HTTP status code' }),
    detail: Type.String({ description: 'Explanation of this occurrence' }),
    instance: Type.Optional(Type.String({ description: 'Request path' })),
    request_id: Type.Optional(Type.String({ description: 'Same as the X-Request-Id response header' })),
    trace_id: Type.Optional(
      Type.String({ pattern: '^[0-9a-f]{32}$', description: 'W3C trace id of the request, when the service traces; quote it with the request id' }),
    ),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          field: Type.String({ description: 'JSON pointer to the invalid value, e.g. /email' }),
          message: Type.String(),
        }),
        { description: 'Every invalid field, for validation problems' },
      ),
    ),
  },
  { title: 'Problem' },
)

export type Problem = Static<typeof ProblemSchema>
