// The users API: registration, lookup, listing, erasure and fresh avatar uploads, all behind the
// authentication hook. Each route's schema is its validation, its serialization and its OpenAPI
// operation; its config.scope is what a bearer token needs (API keys have every scope), which the
// hook enforces and the OpenAPI document lists as the operation's security. The scope also picks
// the route group whose rate limit applies (rate-limits/).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { authentication, authenticatedCaller, type Authenticator } from '../auth/authentication.js'
import { SCOPES } from '../auth/caller.js'
import type { RateLimitSettings } from '../config/config.js'
import { jsonResponse, noContentResponse, ProblemResponses as Problems, rateLimited } from '../docs/responses.js'
import type { Metrics } from '../metrics/metrics.js'
import { rateLimits } from '../rate-limits/rate-limits.js'
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

export interface UserRoutesOptions {
  users: UserService
  authenticator: Authenticator
  rateLimits: { settings: RateLimitSettings; metrics: Metrics }
}

export const userRoutes: FastifyPluginAsyncTypebox<UserRoutesOptions> = async (app, { users, authenticator, rateLimits: limits }) => {
  // In this order: a client address over its authentication failures is refused before its
  // credentials are checked, and a caller's own limit applies once authentication has named it.
  await app.register(rateLimits, limits)
  await app.register(authentication, { authenticator })

  app.post(
    '/user',
    {
      config: { scope: SCOPES.write },
      schema: {
        operationId: 'registerUser',
        tags,
        summary: 'Register a user and get a presigned avatar upload',
        body: CreateUserBodySchema,
        response: rateLimited({
          201: jsonResponse(RegistrationSchema, {
            description: 'Registered; upload the avatar with avatar_upload',
            example: REGISTRATION_EXAMPLE,
            headers: ['Location'],
          }),
          400: Problems[400], 401: Problems[401], 403: Problems[403], 409: Problems[409], 413: Problems[413], 415: Problems[415], 500: Problems[500], 503: Problems[503],
        }),
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
      config: { scope: SCOPES.read },
      schema: {
        operationId: 'listUsers',
        tags,
        summary: 'List users, one page at a time',
        description: 'When more users remain, the Link header carries the URL of the next page (rel="next").',
        querystring: ListUsersQuerySchema,
        response: rateLimited({
          200: jsonResponse(UserListSchema, { description: 'A page of users', example: [USER_EXAMPLE], headers: ['Link'] }),
          400: Problems[400], 401: Problems[401], 403: Problems[403], 500: Problems[500], 503: Problems[503],
        }),
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
      config: { scope: SCOPES.read },
      schema: {
        operationId: 'getUser',
        tags,
        summary: 'Get one user',
        params: UserIdParamsSchema,
        response: rateLimited({
          200: jsonResponse(UserSchema, { description: 'The user', example: USER_EXAMPLE }),
          400: Problems[400], 401: Problems[401], 403: Problems[403], 404: Problems[404], 500: Problems[500], 503: Problems[503],
        }),
      },
    },
    async (request) => users.get(request.params.id),
  )

  app.delete(
    '/users/:id',
    {
      config: { scope: SCOPES.delete },
      schema: {
        operationId: 'deleteUser',
        tags,
        summary: 'Delete a user and their avatar (erasure on request)',
        params: UserIdParamsSchema,
        response: rateLimited({
          204: noContentResponse('Deleted'),
          400: Problems[400], 401: Problems[401], 403: Problems[403], 404: Problems[404], 500: Problems[500], 503: Problems[503],
        }),
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
      config: { scope: SCOPES.write },
      schema: {
        operationId: 'renewAvatarUpload',
        tags,
        summary: 'Get a fresh avatar upload for an existing user',
        params: UserIdParamsSchema,
        body: AvatarUploadRequestSchema,
        response: rateLimited({
          201: jsonResponse(AvatarUploadSchema, { description: 'Upload the avatar with this form', example: AVATAR_UPLOAD_EXAMPLE }),
          400: Problems[400], 401: Problems[401], 403: Problems[403], 404: Problems[404], 413: Problems[413], 415: Problems[415], 500: Problems[500], 503: Problems[503],
        }),
      },
    },
    async (request, reply) => {
      const upload = await users.renewAvatarUpload(request.params.id, request.body.avatar_content_type ?? 'image/png')
      return reply.code(201).send(upload)
    },
  )
}
