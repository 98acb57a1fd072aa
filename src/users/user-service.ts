// Registration, lookup, listing and erasure of users, and how avatars become visible.
//
// Avatar visibility: the service checks S3 itself. While a user's upload form can still be used
// (until it expires, plus a grace period for uploads that started just before), reading that user
// asks S3 whether the object exists (HeadObject). The first time it does, the fact is recorded in
// DynamoDB, so later reads presign a download URL without asking S3 again. This needs no event
// plumbing (S3 notifications, queues, functions), behaves the same on the local stack and on AWS,
// and costs at most one HeadObject per pending user per read, only during its upload window.
import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { AvatarContentType, AvatarStorage, AvatarUpload } from '../avatars/avatar-storage.js'
import { notFound } from '../http/problems.js'
import { decodeCursor, encodeCursor } from './cursor.js'
import type { CreateUserBody, User } from './user-schemas.js'
import { userKey, type UserRecord, type UserRepository } from './user-repository.js'

export const UPLOAD_GRACE_SECONDS = 300
// Object keys carry no personal data: only the random user id.
const avatarKeyOf = (id: string) => `avatars/${id}`

export interface UserServiceDependencies {
  repository: UserRepository
  avatars: AvatarStorage
  log: FastifyBaseLogger
  now?: () => Date
}

export class UserService {
  private readonly now: () => Date

  constructor(private readonly deps: UserServiceDependencies) {
    this.now = deps.now ?? (() => new Date())
  }

  async register(body: CreateUserBody): Promise<{ user: User; avatar_upload: AvatarUpload }> {
    const id = randomUUID()
    const now = this.now()
    const contentType = body.avatar_content_type ?? 'image/png'
    const avatarKey = avatarKeyOf(id)
    // Presign before writing, so a signing failure leaves nothing behind.
    const upload = await this.deps.avatars.createUpload(avatarKey, contentType)
    const email = body.email.trim()
    const record: UserRecord = {
      pk: userKey(id),
      user_id: id,
      name: body.name.trim(),
      email,
      email_normalized: email.toLowerCase(),
      created_at: now.toISOString(),
      avatar_key: avatarKey,
      avatar_content_type: contentType,
      avatar_upload_expires_at: upload.expires_at,
    }
    await this.deps.repository.register(record)
    return { user: toUser(record, null), avatar_upload: upload }
  }

  async get(id: string): Promise<User> {
    const record = await this.deps.repository.findById(id)
    if (!record) throw notFound(`No user with id ${id}.`)
    return toUser(record, await this.avatarUrl(record))
  }

  async list(limit: number, cursor: string | undefined, cursorKey: Buffer): Promise<{ users: User[]; nextCursor: string | undefined }> {
    const startKey = cursor === undefined ? undefined : decodeCursor(cursor, cursorKey)
    const { users, next } = await this.deps.repository.list(limit, startKey)
    const avatarUrls = await Promise.all(users.map((record) => this.avatarUrl(record)))
    return {
      users: users.map((record, index) => toUser(record, avatarUrls[index] ?? null)),
      nextCursor: next && encodeCursor(next, cursorKey),
    }
  }

  // A fresh upload form, for a user who missed the first one or wants a new avatar.
  async renewAvatarUpload(id: string, contentType: AvatarContentType): Promise<AvatarUpload> {
    const upload = await this.deps.avatars.createUpload(avatarKeyOf(id), contentType)
    const updated = await this.deps.repository.renewAvatarUpload(id, contentType, upload.expires_at)
    if (!updated) throw notFound(`No user with id ${id}.`)
    return upload
  }

  // Erasure on request: the avatar object first, so a failure never leaves an image without an
  // owner record to retry the deletion from.
  async remove(id: string): Promise<void> {
    const record = await this.deps.repository.findById(id)
    if (!record) throw notFound(`No user with id ${id}.`)
    await this.deps.avatars.delete(record.avatar_key)
    await this.deps.repository.delete(record)
  }

  private async avatarUrl(record: UserRecord): Promise<string | null> {
    if (record.avatar_uploaded_at !== undefined) return this.deps.avatars.downloadUrl(record.avatar_key)
    const now = this.now()
    const windowEnds = Date.parse(record.avatar_upload_expires_at) + UPLOAD_GRACE_SECONDS * 1000
    if (now.getTime() > windowEnds) return null
    try {
      if (!(await this.deps.avatars.exists(record.avatar_key))) return null
    } catch (error) {
      // A user list stays available while S3 is not; the avatar shows up on a later read.
      this.deps.log.warn({ err: error, user_id: record.user_id }, 'avatar check failed; reporting no avatar')
      return null
    }
    try {
      await this.deps.repository.recordAvatarUploaded(record.user_id, now)
    } catch (error) {
      this.deps.log.warn({ err: error, user_id: record.user_id }, 'could not record the avatar upload; will check again')
    }
    return this.deps.avatars.downloadUrl(record.avatar_key)
  }
}

function toUser(record: UserRecord, avatarUrl: string | null): User {
  return { id: record.user_id, name: record.name, email: record.email, avatar_url: avatarUrl, created_at: record.created_at }
}
