// RFC 9457 problem details: the body of every error response.
import { Type, type Static } from 'typebox'

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'URI reference identifying the problem type' }),
    title: Type.String({ description: 'Short summary of the problem type' }),
    status: Type.Integer({ description: 'HTTP status code' }),
    detail: Type.String({ description: 'Explanation of this occurrence' }),
    instance: Type.Optional(Type.String({ description: 'Request path' })),
    request_id: Type.Optional(Type.String({ description: 'Same as the X-Request-Id response header' })),
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

const problemResponse = (description: string) => ({ ...ProblemSchema, description })

// Reusable response entries, so every route documents the errors it can return.
export const ProblemResponses = {
  400: problemResponse('Invalid request: malformed JSON, invalid fields or a bad cursor'),
  401: problemResponse('Missing or invalid API key'),
  404: problemResponse('No such user'),
  409: problemResponse('Email address already registered'),
  413: problemResponse('Request body larger than 16 KiB'),
  415: problemResponse('Request body is not JSON'),
  500: problemResponse('Internal error; details are in the server log under the request id'),
  503: problemResponse('A backend is temporarily unavailable; retry after the Retry-After delay'),
}
