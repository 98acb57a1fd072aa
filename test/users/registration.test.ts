import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestStack, type TestStack } from '../support/test-stack.js'

describe('POST /user', () => {
  let stack: TestStack
  before(async () => {
    stack = await startTestStack()
  })
  after(async () => {
    await stack.close()
  })

  const register = (body: unknown, headers: Record<string, string> = {}) =>
    stack.app.inject({ method: 'POST', url: '/user', headers: { 'x-api-key': stack.apiKey, ...headers }, payload: body as object })

  it('registers a user and returns a presigned upload that S3 accepts', async () => {
    const response = await register({ name: '  Ada Lovelace ', email: 'Ada@Example.com', avatar_content_type: 'image/jpeg' })
    assert.equal(response.statusCode, 201, response.body)
    const body = response.json<{ user: { id: string; name: string; email: string; avatar_url: null; created_at: string }; avatar_upload: { method: string; url: string; fields: Record<string, string>; max_bytes: number; expires_at: string } }>()
    assert.equal(response.headers.location, `/users/${body.user.id}`)
    assert.equal(body.user.name, 'Ada Lovelace')
    assert.equal(body.user.email, 'Ada@Example.com')
    assert.equal(body.user.avatar_url, null)
    assert.equal(body.avatar_upload.method, 'POST')
    assert.equal(body.avatar_upload.max_bytes, 5 * 1024 * 1024)
    assert.equal(body.avatar_upload.fields['Content-Type'], 'image/jpeg')
    assert.equal(body.avatar_upload.fields.key, `avatars/${body.user.id}`)
    assert.ok(!body.avatar_upload.fields.key.includes('ada'), 'object keys carry no personal data')

    const form = new FormData()
    for (const [name, value] of Object.entries(body.avatar_upload.fields)) form.append(name, value)
    const image = Buffer.from('fake jpeg bytes')
    form.append('file', new Blob([image], { type: 'image/jpeg' }))
    const upload = await fetch(body.avatar_upload.url, { method: 'POST', body: form })
    assert.ok(upload.status === 204 || upload.status === 201 || upload.status === 200, `upload status ${upload.status}`)

    const fetched = await stack.app.inject({ method: 'GET', url: `/users/${body.user.id}`, headers: { 'x-api-key': stack.apiKey } })
    assert.equal(fetched.statusCode, 200)
    const avatarUrl = fetched.json<{ avatar_url: string | null }>().avatar_url
    assert.ok(avatarUrl, 'avatar_url is set after the upload')
    const download = await fetch(avatarUrl)
    assert.equal(download.status, 200)
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), image)
  })

  it('rejects a second registration of the same address in any case', async () => {
    const first = await register({ name: 'Grace', email: 'grace@example.com' })
    assert.equal(first.statusCode, 201)
    const second = await register({ name: 'Grace Again', email: 'GRACE@example.COM' })
    assert.equal(second.statusCode, 409)
    assert.match(String(second.headers['content-type']), /^application\/problem\+json/)
    assert.equal(second.json<{ status: number }>().status, 409)
  })

  it('gives exactly one 201 for 50 simultaneous registrations of one address', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, index) => register({ name: `Racer ${index}`, email: `race${index % 2 ? 'R' : 'r'}@example.com` })),
    )
    const statuses = responses.map((response) => response.statusCode)
    assert.equal(statuses.filter((status) => status === 201).length, 1, statuses.join(','))
    assert.equal(statuses.filter((status) => status === 409).length, 49)
  })

  it('lists every invalid field', async () => {
    const response = await register({ name: '   ', email: 'not-an-email', avatar_content_type: 'image/gif', admin: true })
    assert.equal(response.statusCode, 400)
    const fields = response.json<{ errors: { field: string }[] }>().errors.map((error) => error.field).sort()
    assert.deepEqual(fields, ['/admin', '/avatar_content_type', '/email', '/name'])
  })

  it('rejects names with control characters or longer than 100 characters after trimming', async () => {
    for (const name of ['a\u0000b', 'tab\there', 'x'.repeat(101), '']) {
      const response = await register({ name, email: 'ctrl@example.com' })
      assert.equal(response.statusCode, 400, JSON.stringify(name))
    }
    const ok = await register({ name: `  ${'y'.repeat(100)}  `, email: 'hundred@example.com' })
    assert.equal(ok.statusCode, 201)
  })

  it('answers malformed JSON with 400, non-JSON with 415 and large bodies with 413', async () => {
    const malformed = await stack.app.inject({ method: 'POST', url: '/user', headers: { 'x-api-key': stack.apiKey, 'content-type': 'application/json' }, payload: '{"name":' })
    assert.equal(malformed.statusCode, 400)
    const text = await stack.app.inject({ method: 'POST', url: '/user', headers: { 'x-api-key': stack.apiKey, 'content-type': 'text/plain' }, payload: 'hello' })
    assert.equal(text.statusCode, 415)
    const large = await register({ name: 'Big', email: 'big@example.com', padding: 'x'.repeat(17 * 1024) })
    assert.equal(large.statusCode, 413)
    for (const response of [malformed, text, large]) {
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/)
    }
  })
})
