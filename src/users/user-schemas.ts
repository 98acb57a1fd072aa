// Route schemas: the single source for validation, response serialization, TypeScript types and
// the OpenAPI document.
import { Type, type Static } from 'typebox'
import { AVATAR_CONTENT_TYPES } from '../avatars/avatar-storage.js'
import { EXAMPLE_USER_ID } from '../docs/responses.js'

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
  // A top-level example becomes the request body's example in the OpenAPI document.
  { additionalProperties: false, examples: [{ name: 'Ada Lovelace', email: 'ada@example.com', avatar_content_type: 'image/png' }] },
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
export type AvatarUpload = Static<typeof AvatarUploadSchema>

export const RegistrationSchema = Type.Object(
  { user: UserSchema, avatar_upload: AvatarUploadSchema },
  { title: 'Registration', additionalProperties: false },
)
export type Registration = Static<typeof RegistrationSchema>

export const AvatarUploadRequestSchema = Type.Object(
  { avatar_content_type: Type.Optional(AvatarContentTypeSchema) },
  { additionalProperties: false, examples: [{ avatar_content_type: 'image/jpeg' }] },
)

export const UserIdParamsSchema = Type.Object({
  id: Type.String({ format: 'uuid', description: 'User id' }),
})

export const DEFAULT_PAGE_SIZE = 100

export const ListUsersQuerySchema = Type.Object({
  // Optional for clients; request validation fills in the default.
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: DEFAULT_PAGE_SIZE, description: 'Page size' })),
  cursor: Type.Optional(Type.String({ maxLength: 2048, description: 'Opaque cursor from a previous Link rel="next"' })),
})

export const UserListSchema = Type.Array(UserSchema)

// Examples for the OpenAPI document, typed so that they cannot drift from the schemas. The upload
// form's signature fields are placeholders: a real form carries the values S3 signed.
export const USER_EXAMPLE: User = {
  id: EXAMPLE_USER_ID,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  avatar_url: null,
  created_at: '2026-11-30T09:15:00.000Z',
}

export const AVATAR_UPLOAD_EXAMPLE: AvatarUpload = {
  method: 'POST',
  url: 'https://user-api-avatars.s3.eu-west-1.amazonaws.com/',
  fields: {
    'Content-Type': 'image/png',
    bucket: 'user-api-avatars',
    key: `avatars/${EXAMPLE_USER_ID}`,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': '<access key id>/20261130/eu-west-1/s3/aws4_request',
    'X-Amz-Date': '20261130T091500Z',
    Policy: '<base64 policy document>',
    'X-Amz-Signature': '<signature>',
  },
  max_bytes: 5_242_880,
  expires_at: '2026-11-30T09:30:00.000Z',
}

export const REGISTRATION_EXAMPLE: Registration = { user: USER_EXAMPLE, avatar_upload: AVATAR_UPLOAD_EXAMPLE }
