import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { assertProblem, authed, uploadAvatar, type RegisteredUser } from '../support/http.js'
import { startTestStack, type TestStack } from '../support/test-stack.js'

describe('GET and DELETE /users/{id}', () => {
  let stack: TestStack
  let client: ReturnType<typeof authed>
  before(async () => {
    stack = await startTestStack()
    client = authed(stack.app, stack.apiKey)
  })
  after(async () => {
    await stack.close()
  })

  it('finds a user right after registration', async () => {
    const { user } = await client.register('Katherine Johnson', 'katherine@example.com')
    const response = await client.get(`/users/${user.id}`)
    assert.equal(response.statusCode, 200)
    assert.deepEqual(response.json(), user)
  })

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    assertProblem(await client.get(`/users/${randomUUID()}`), 404)
    const problem = assertProblem(await client.get('/users/not-a-uuid'), 400)
    assert.equal(problem.errors?.[0]?.field, '/path/id')
  })

  it('deletes the user and the avatar, and frees the address', async () => {
    const registered = await client.register('Dorothy Vaughan', 'dorothy@example.com')
    const upload = await uploadAvatar(registered.avatar_upload, Buffer.from('png bytes'))
    assert.ok(upload.ok)
    const withAvatar = (await client.get(`/users/${registered.user.id}`)).json<{ avatar_url: string }>()
    assert.equal((await fetch(withAvatar.avatar_url)).status, 200)

    const deleted = await client.delete(`/users/${registered.user.id}`)
    assert.equal(deleted.statusCode, 204)
    assert.equal(deleted.body, '')
    assertProblem(await client.get(`/users/${registered.user.id}`), 404)
    assert.equal((await fetch(withAvatar.avatar_url)).status, 404, 'the avatar object is gone')
    assertProblem(await client.delete(`/users/${registered.user.id}`), 404)
    const listed = (await client.get('/users?limit=1000')).json<{ id: string }[]>()
    assert.ok(!listed.some((user) => user.id === registered.user.id))

    const again = await client.post('/user', { name: 'Dorothy', email: 'Dorothy@example.com' })
    assert.equal(again.statusCode, 201, 'the address can be registered again')
  })

  it('shows the avatar in the list once uploaded, without any call from the client', async () => {
    const registered = await client.register('Mary Jackson', 'mary@example.com')
    const byId = (users: { id: string; avatar_url: string | null }[]) => users.find((user) => user.id === registered.user.id)
    assert.equal(byId((await client.get('/users?limit=1000')).json())?.avatar_url, null)
    assert.ok((await uploadAvatar(registered.avatar_upload, Buffer.from('image'))).ok)
    const avatarUrl = byId((await client.get('/users?limit=1000')).json())?.avatar_url
    assert.ok(avatarUrl)
    assert.equal(Buffer.from(await (await fetch(avatarUrl)).arrayBuffer()).toString(), 'image')
  })

  it('issues a fresh upload form for an existing user only', async () => {
    const registered = await client.register('Annie Easley', 'annie@example.com')
    const renewed = await client.post(`/users/${registered.user.id}/avatar-upload`, { avatar_content_type: 'image/webp' })
    assert.equal(renewed.statusCode, 201, renewed.body)
    const upload = renewed.json<RegisteredUser['avatar_upload']>()
    assert.equal(upload.fields['Content-Type'], 'image/webp')
    assert.ok((await uploadAvatar(upload, Buffer.from('webp'))).ok)
    assert.ok((await client.get(`/users/${registered.user.id}`)).json<{ avatar_url: string | null }>().avatar_url)
    assertProblem(await client.post(`/users/${randomUUID()}/avatar-upload`, {}), 404)
  })
})
