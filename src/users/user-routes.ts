// The users API: registration, lookup, listing, erasure and fresh avatar uploads, all behind the
// API key. Each route's schema is its validation, its serialization and its OpenAPI operation.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { apiKeyAuth, authenticatedCaller } from '../auth/api-key-auth.js'
import { jsonResponse, noContentResponse, ProblemResponses as Problems } from '../docs/responses.js'
import { AUTHENTICATED as security } from '../docs/security.js'
import {
  AVATAR_UPLOAD_EXAMPLE,
  AvatarUploadRequestSchema,
  AvatarUploadSchema,
  CreateUserBodySchema,
  DEFAULT_PAGE_SIZE,
  ListUsersQuerySchema,
  REGISTRATION_EXAMPLE,
  RegistrationSchema,
  USER_EXAMPLE,
  UserIdParamsSchema,
  UserListSchema,
  UserSchema,
} from './user-schemas.js'
import type { UserService } from './user-service.js'

const tags = ['users']

export const userRoutes: FastifyPluginAsyncTypebox<{ users: UserService; apiKeys: readonly string[] }> = async (app, { users, apiKeys }) => {
  await app.register(apiKeyAuth, { keys: apiKeys })

  app.post(
    '/user',
    {
      schema: {
        operationId: 'registerUser',
        tags,
        security,
        summary: 'Register a user and get a presigned avatar upload',
        body: CreateUserBodySchema,
        response: {
          201: jsonResponse(RegistrationSchema, {
            description: 'Registered; upload the avatar with avatar_upload',
            example: REGISTRATION_EXAMPLE,
            headers: ['Location'],
          }),
          400: Problems[400], 401: Problems[401], 409: Problems[409], 413: Problems[413], 415: Problems[415], 500: Problems[500], 503: Problems[503],
        },
      },
    },
    async (request, reply) => {
      const registration = await users.register(request.body)
      return reply.code(201).header('Location', `/users/${registration.user.id}`).send(registration)
    },
  )

  app.get(
    '/users',
    {
      schema: {
        operationId: 'listUsers',
        tags,
        security,
        summary: 'List users, one page at a time',
        description: 'When more users remain, the Link header carries the URL of the next page (rel="next").',
        querystring: ListUsersQuerySchema,
        response: {
          200: jsonResponse(UserListSchema, { description: 'A page of users', example: [USER_EXAMPLE], headers: ['Link'] }),
          400: Problems[400], 401: Problems[401], 500: Problems[500], 503: Problems[503],
        },
      },
    },
    async (request, reply) => {
      const { limit = DEFAULT_PAGE_SIZE, cursor } = request.query
      const page = await users.list(limit, cursor, authenticatedCaller(request).cursorKey)
      if (page.nextCursor !== undefined) {
        const next = new URLSearchParams({ limit: String(limit), cursor: page.nextCursor })
        reply.header('Link', `</users?${next.toString()}>; rel="next"`)
      }
      return page.users
    },
  )

  app.get(
    '/users/:id',
    {
      schema: {
        operationId: 'getUser',
        tags,
        security,
        summary: 'Get one user',
        params: UserIdParamsSchema,
        response: { 200: jsonResponse(UserSchema, { description: 'The user', example: USER_EXAMPLE }), 400: Problems[400], 401: Problems[401], 404: Problems[404], 500: Problems[500], 503: Problems[503] },
      },
    },
    async (request) => users.get(request.params.id),
  )

  app.delete(
    '/users/:id',
    {
      schema: {
        operationId: 'deleteUser',
        tags,
        security,
        summary: 'Delete a user and their avatar (erasure on request)',
        params: UserIdParamsSchema,
        response: {
          204: noContentResponse('Deleted'),
          400: Problems[400], 401: Problems[401], 404: Problems[404], 500: Problems[500], 503: Problems[503],
        },
      },
    },
    async (request, reply) => {
      await users.remove(request.params.id)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/users/:id/avatar-upload',
    {
      schema: {
        operationId: 'renewAvatarUpload',
        tags,
        security,
        summary: 'Get a fresh avatar upload for an existing user',
        params: UserIdParamsSchema,
        body: AvatarUploadRequestSchema,
        response: {
          201: jsonResponse(AvatarUploadSchema, { description: 'Upload the avatar with this form', example: AVATAR_UPLOAD_EXAMPLE }),
          400: Problems[400], 401: Problems[401], 404: Problems[404], 413: Problems[413], 415: Problems[415], 500: Problems[500], 503: Problems[503],
        },
      },
    },
    async (request, reply) => {
      const upload = await users.renewAvatarUpload(request.params.id, request.body.avatar_content_type ?? 'image/png')
      return reply.code(201).send(upload)
    },
  )
}
