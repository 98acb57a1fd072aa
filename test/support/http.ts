// Small helpers shared by the HTTP tests.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'

export interface RegisteredUser {
  user: { id: string; name: string; email: string; avatar_url: string | null; created_at: string }
  avatar_upload: { method: 'POST'; url: string; fields: Record<string, string>; max_bytes: number; expires_at: string }
}

export function authed(app: FastifyInstance, apiKey: string) {
  const headers = { 'x-api-key': apiKey }
  return {
    get: (url: string) => app.inject({ method: 'GET', url, headers }),
    delete: (url: string) => app.inject({ method: 'DELETE', url, headers }),
    post: (url: string, payload: object) => app.inject({ method: 'POST', url, headers, payload }),
    async register(name: string, email: string): Promise<RegisteredUser> {
      const response = await app.inject({ method: 'POST', url: '/user', headers, payload: { name, email } })
      if (response.statusCode !== 201) throw new Error(`registration failed: ${response.statusCode} ${response.body}`)
      return response.json<RegisteredUser>()
    },
  }
}

// Uploads through a presigned POST exactly as a browser form would: the fields, then the file.
export async function uploadAvatar(upload: RegisteredUser['avatar_upload'], bytes: Buffer, contentType = upload.fields['Content-Type']): Promise<Response> {
  const form = new FormData()
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value)
  form.append('file', new Blob([new Uint8Array(bytes)], { type: contentType ?? 'application/octet-stream' }))
  return fetch(upload.url, { method: 'POST', body: form })
}

export function nextLink(response: LightMyRequestResponse): string | undefined {
  const link = response.headers.link
  if (typeof link !== 'string') return undefined
  return /<([^>]+)>;\s*rel="next"/.exec(link)?.[1]
}

export function assertProblem(response: LightMyRequestResponse, status: number): { title: string; detail: string; errors?: { field: string; message: string }[] } {
  if (response.statusCode !== status) throw new Error(`expected ${status}, got ${response.statusCode}: ${response.body}`)
  const contentType = String(response.headers['content-type'])
  if (!contentType.startsWith('application/problem+json')) throw new Error(`expected problem details, got ${contentType}`)
  const body = response.json<{ status: number; title: string; detail: string; type: string; errors?: { field: string; message: string }[] }>()
  if (body.status !== status || typeof body.type !== 'string' || typeof body.title !== 'string' || typeof body.detail !== 'string') {
    throw new Error(`malformed problem details: ${response.body}`)
  }
  return body
}
