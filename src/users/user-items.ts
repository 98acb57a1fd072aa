// The table's items in DynamoDB's own attribute-value form, converted by hand. Every attribute of
// a user record and of an email claim is a string (markers add a number and a string set), so a
// direct conversion is all it takes; the document client (lib-dynamodb) would walk each item with
// a generic marshaller and resolve a middleware stack of its own on every call, and it cannot use
// the resolved-once handlers of the service's DynamoDB client (aws/clients.ts).
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { EXPIRES_AT_ATTRIBUTE, PARTITION_KEY, USER_ID_ATTRIBUTE } from './table-definition.js'

export type Item = Record<string, AttributeValue>

export interface UserRecord {
  pk: string
  user_id: string
  name: string
  email: string
  email_normalized: string
  created_at: string
  avatar_key: string
  avatar_content_type: string
  avatar_upload_expires_at: string
  avatar_uploaded_at?: string
}

export interface EmailClaim {
  pk: string
  claimed_by: string
  claimed_at: string
}

export const text = (value: string): AttributeValue.SMember => ({ S: value })
export const number = (value: number): AttributeValue.NMember => ({ N: String(value) })

const textOf = (item: Item, name: string): string | undefined => item[name]?.S

export function userItem(user: UserRecord): Item {
  const item: Item = {
    pk: text(user.pk),
    user_id: text(user.user_id),
    name: text(user.name),
    email: text(user.email),
    email_normalized: text(user.email_normalized),
    created_at: text(user.created_at),
    avatar_key: text(user.avatar_key),
    avatar_content_type: text(user.avatar_content_type),
    avatar_upload_expires_at: text(user.avatar_upload_expires_at),
  }
  if (user.avatar_uploaded_at !== undefined) item.avatar_uploaded_at = text(user.avatar_uploaded_at)
  return item
}

/** The user an item holds, or undefined for any other item (a claim, a marker, nothing). */
export function userFromItem(item: Item | undefined): UserRecord | undefined {
  const userId = item && textOf(item, USER_ID_ATTRIBUTE)
  if (!item || userId === undefined) return undefined
  const user: UserRecord = {
    pk: textOf(item, PARTITION_KEY) ?? '',
    user_id: userId,
    name: textOf(item, 'name') ?? '',
    email: textOf(item, 'email') ?? '',
    email_normalized: textOf(item, 'email_normalized') ?? '',
    created_at: textOf(item, 'created_at') ?? '',
    avatar_key: textOf(item, 'avatar_key') ?? '',
    avatar_content_type: textOf(item, 'avatar_content_type') ?? '',
    avatar_upload_expires_at: textOf(item, 'avatar_upload_expires_at') ?? '',
  }
  const uploadedAt = textOf(item, 'avatar_uploaded_at')
  if (uploadedAt !== undefined) user.avatar_uploaded_at = uploadedAt
  return user
}

export function claimItem(claim: EmailClaim): Item {
  return { pk: text(claim.pk), claimed_by: text(claim.claimed_by), claimed_at: text(claim.claimed_at) }
}

/** The live claim an item holds, or undefined for a released one (a marker) or none. */
export function claimFromItem(item: Item | undefined): EmailClaim | undefined {
  const claimedBy = item && textOf(item, 'claimed_by')
  if (!item || claimedBy === undefined) return undefined
  return { pk: textOf(item, PARTITION_KEY) ?? '', claimed_by: claimedBy, claimed_at: textOf(item, 'claimed_at') ?? '' }
}

/** What an undone user record leaves under its key: when, and until when (the TTL attribute). */
export function userMarkerItem(pk: string, undoneAt: string, expiresAt: number): Item {
  return { pk: text(pk), undone_at: text(undoneAt), [EXPIRES_AT_ATTRIBUTE]: number(expiresAt) }
}

export const keyItem = (pk: string): Item => ({ [PARTITION_KEY]: text(pk) })
