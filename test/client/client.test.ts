// The typed client (client/): its generated files match the app's document, it works against a
// real service (register, typed errors, pages through Link, avatar upload, delete), and the README's
// TypeScript example is client/example.ts word for word and runs.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createUserApiClient, nextCursor, uploadAvatar, type UserApiClient } from '../../client/index.js'
import { CLIENT_DIRECTORY, generateClientFiles } from '../../scripts/generate-client.js'
import { TestIssuer } from '../support/oidc-issuer.js'
import { startTestStack, type TestStack } from '../support/test-stack.js'

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

describe('the generated client', () => {
  it('is up to date with the OpenAPI document (else: npm run generate:client)', async () => {
    for (const [name, expected] of Object.entries(await generateClientFiles())) {
      const actual = await readFile(join(CLIENT_DIRECTORY, name), 'utf8')
      assert.ok(actual === expected, `client/${name} is out of date with the routes: run npm run generate:client and commit the result`)
    }
  })
})

describe('the typed client against the service', () => {
  let stack: TestStack
  let baseUrl: string
  let api: UserApiClient
  before(async () => {
    stack = await startTestStack()
    await stack.app.listen({ port: 0, host: '127.0.0.1' })
    baseUrl = `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}`
    api = createUserApiClient({ baseUrl, apiKey: stack.apiKey })
  })
  after(async () => {
    await stack.close()
  })

  it('registers, uploads the avatar, reads, pages through the list, deletes, and types every error as a Problem', async () => {
    const registered = await api.POST('/user', { body: { name: 'Grace Hopper', email: 'grace@example.com' } })
    assert.equal(registered.response.status, 201)
    assert.ok(registered.data)
    const { user, avatar_upload } = registered.data
    assert.equal(registered.response.headers.get('Location'), `/users/${user.id}`)
    assert.equal((await uploadAvatar(avatar_upload, new Blob([PNG], { type: 'image/png' }))).ok, true)

    const again = await api.POST('/user', { body: { name: 'Grace Hopper', email: 'GRACE@example.com' } })
    assert.equal(again.error?.status, 409)
    assert.equal(again.error.title, 'Conflict')

    const fetched = await api.GET('/users/{id}', { params: { path: { id: user.id } } })
    assert.match(fetched.data?.avatar_url ?? '', /^http/, 'the uploaded avatar shows up')

    await api.POST('/user', { body: { name: 'Alan Turing', email: 'alan@example.com' } })
    const seen: string[] = []
    let cursor: string | undefined
    do {
      const page = await api.GET('/users', { params: { query: { limit: 1, cursor } } })
      assert.ok(page.data, JSON.stringify(page.error))
      seen.push(...page.data.map((listed) => listed.email))
      cursor = nextCursor(page.response)
    } while (cursor !== undefined)
    assert.deepEqual(seen.sort(), ['alan@example.com', 'grace@example.com'])

    const deleted = await api.DELETE('/users/{id}', { params: { path: { id: user.id } } })
    assert.equal(deleted.response.status, 204)
    const gone = await api.GET('/users/{id}', { params: { path: { id: user.id } } })
    assert.equal(gone.error?.status, 404)
    assert.equal(gone.response.headers.get('Content-Type'), 'application/problem+json; charset=utf-8')
  })

  it('gets 401 with the challenge without a key', async () => {
    const anonymous = await createUserApiClient({ baseUrl }).GET('/users')
    assert.equal(anonymous.error?.status, 401)
    assert.match(anonymous.response.headers.get('WWW-Authenticate') ?? '', /X-API-Key/)
  })

  it('refuses an API key and an access token together, as the service would', () => {
    assert.throws(() => createUserApiClient({ baseUrl, apiKey: stack.apiKey, accessToken: 'token' }), /not both/)
  })

  it('runs the README example, which is client/example.ts verbatim', async () => {
    const example = await readFile(join(CLIENT_DIRECTORY, 'example.ts'), 'utf8')
    const readme = await readFile(join(CLIENT_DIRECTORY, '..', 'README.md'), 'utf8')
    assert.ok(readme.includes(`\`\`\`ts\n${example}\`\`\``), 'README.md shows client/example.ts exactly, in a ts code block')
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', join(CLIENT_DIRECTORY, 'example.ts')],
        { env: { ...process.env, USER_API_URL: baseUrl, USER_API_KEY: stack.apiKey } },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`the example failed: ${stderr}`, { cause: error }))
          else resolve(stdout)
        },
      )
    })
    assert.match(output, /^registered [0-9a-f-]{36}; upload the avatar to http/m)
    assert.match(output, /ada\.\d+@example\.com/)
  })
})

describe('the typed client with access tokens', () => {
  let issuer: TestIssuer
  let stack: TestStack
  let baseUrl: string
  before(async () => {
    issuer = await TestIssuer.start()
    stack = await startTestStack(issuer.environment())
    await stack.app.listen({ port: 0, host: '127.0.0.1' })
    baseUrl = `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}`
  })
  after(async () => {
    await stack.close()
    await issuer.close()
  })

  it('sends the token, asks a token function before each request, and types a missing scope as a 403 Problem', async () => {
    let asked = 0
    const writer = createUserApiClient({
      baseUrl,
      accessToken: () => {
        asked++
        return issuer.token({ scope: 'users:read users:write' })
      },
    })
    const registered = await writer.POST('/user', { body: { name: 'Token Holder', email: 'token-holder@example.com' } })
    assert.equal(registered.response.status, 201, JSON.stringify(registered.error))
    assert.equal((await writer.GET('/users')).response.status, 200)
    assert.equal(asked, 2)
    const reader = createUserApiClient({ baseUrl, accessToken: await issuer.token({ scope: 'users:read' }) })
    const refused = await reader.DELETE('/users/{id}', { params: { path: { id: registered.data?.user.id ?? '' } } })
    assert.equal(refused.error?.status, 403)
    assert.match(refused.response.headers.get('WWW-Authenticate') ?? '', /insufficient_scope", scope="users:delete"/)
  })
})
