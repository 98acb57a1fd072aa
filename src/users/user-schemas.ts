// Route schemas: the single source for validation, response serialization, TypeScript types and
// the OpenAPI document.
import { Type, type Static } from 'typebox'
import { AVATAR_CONTENT_TYPES } from '../avatars/avatar-storage.js'

// Names are trimmed before they are stored; the pattern accepts 1-100 characters between any
// surrounding white space and rejects control characters anywhere.
export const NAME_PATTERN = '^(?![\\s\\S]*[\\u0000-\\u001f\\u007f-\\u009f])\\s*\\S(?:[\\s\\S]{0,98}\\S)?\\s*$'

export const UserSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'Opaque user id' }),
    name: Type.String({ examples: ['Ada Lovelace'] }),
    email: Type.String({ format: 'email', examples: ['ada@example.com'] }),
    avatar_url: Type.Union([Type.String({ format: 'uri' }), Type.Null()], {
      description: 'Short-lived presigned download URL once the avatar has been uploaded, else null',
    }),
    created_at: Type.String({ format: 'date-time' }),
  },
  { title: 'User', additionalProperties: false },
)
export type User = Static<typeof UserSchema>

export const AvatarContentTypeSchema = Type.Union(
  [Type.Literal('image/png'), Type.Literal('image/jpeg'), Type.Literal('image/webp')],
  { default: 'image/png', description: `Content type of the avatar the client will upload: ${AVATAR_CONTENT_TYPES.join(', ')}` },
)

export const CreateUserBodySchema = Type.Object(
  {
    name: Type.String({ pattern: NAME_PATTERN, description: '1-100 characters after trimming, no control characters', examples: ['Ada Lovelace'] }),
    email: Type.String({ format: 'email', maxLength: 254, description: 'Unique, compared case-insensitively', examples: ['ada@example.com'] }),
    avatar_content_type: Type.Optional(AvatarContentTypeSchema),
  },
  { additionalProperties: false },
)
export type CreateUserBody = Static<typeof CreateUserBodySchema>

export const AvatarUploadSchema = Type.Object(
  {
    method: Type.Literal('POST', { description: 'Send a multipart/form-data POST to url with fields, then the file last as "file"' }),
    url: Type.String({ format: 'uri' }),
    fields: Type.Record(Type.String(), Type.String(), { description: 'Form fields to send before the file, exactly as given' }),
    max_bytes: Type.Integer({ description: 'Largest file S3 will accept' }),
    expires_at: Type.String({ format: 'date-time', description: 'The form is refused after this instant' }),
  },
  { title: 'AvatarUpload', additionalProperties: false },
)

export const RegistrationSchema = Type.Object(
  { user: UserSchema, avatar_upload: AvatarUploadSchema },
  { additionalProperties: false },
)

export const AvatarUploadRequestSchema = Type.Object(
  { avatar_content_type: Type.Optional(AvatarContentTypeSchema) },
  { additionalProperties: false },
)

export const UserIdParamsSchema = Type.Object({
  id: Type.String({ format: 'uuid', description: 'User id' }),
})

export const ListUsersQuerySchema = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Page size' }),
  cursor: Type.Optional(Type.String({ maxLength: 2048, description: 'Opaque cursor from a previous Link rel="next"' })),
})

export const UserListSchema = Type.Array(UserSchema)
