// The typed client of user-api, for the web page, scripts and other services: openapi-fetch over
// the types generated from the OpenAPI document (schema.ts), so a call that does not match the API
// fails to compile. It runs in browsers and in Node 20+ and imports nothing from the service.
import createClient, { type Client, type ClientOptions } from 'openapi-fetch'
import type { components, paths } from './schema.js'

export type { components, paths } from './schema.js'
export type User = components['schemas']['User']
export type Registration = components['schemas']['Registration']
export type AvatarUpload = components['schemas']['AvatarUpload']
/** RFC 9457 problem details: the body of every error response (application/problem+json). */
export type Problem = components['schemas']['Problem']

export type UserApiClient = Client<paths>

export interface UserApiClientOptions extends ClientOptions {
  /** Sent as X-API-Key on every request. */
  apiKey?: string
  /**
   * An OAuth 2.0 access token, sent as `Authorization: Bearer` on every request; a function is
   * asked before each request, so it can hand out a refreshed token. Not together with apiKey:
   * the service refuses two credentials in one request.
   */
  accessToken?: string | (() => string | Promise<string>)
}

export function createUserApiClient({ apiKey, accessToken, ...options }: UserApiClientOptions = {}): UserApiClient {
  if (apiKey !== undefined && accessToken !== undefined) throw new Error('createUserApiClient: pass apiKey or accessToken, not both')
  const client = createClient<paths>(options)
  if (apiKey !== undefined) {
    client.use({
      onRequest({ request }) {
        request.headers.set('X-API-Key', apiKey)
      },
    })
  }
  if (accessToken !== undefined) {
    client.use({
      async onRequest({ request }) {
        request.headers.set('Authorization', `Bearer ${typeof accessToken === 'string' ? accessToken : await accessToken()}`)
      },
    })
  }
  return client
}

/** The cursor of the next page from a list response's Link header (rel="next"); undefined on the last page. */
export function nextCursor(response: Response): string | undefined {
  const target = /<([^>]*)>\s*;\s*rel="?next"?/.exec(response.headers.get('Link') ?? '')?.[1]
  if (target === undefined) return undefined
  return new URL(target, 'http://relative.invalid').searchParams.get('cursor') ?? undefined
}

/**
 * Uploads an avatar straight to S3 with the form from registerUser or renewAvatarUpload: every
 * field as given, then the file last. S3 answers 204 on success and enforces size and type.
 */
export function uploadAvatar(upload: AvatarUpload, file: Blob, fetchImplementation: typeof fetch = fetch): Promise<Response> {
  const form = new FormData()
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value)
  form.append('file', file)
  return fetchImplementation(upload.url, { method: upload.method, body: form })
}
