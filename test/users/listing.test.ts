import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertProblem, authed, nextLink } from '../support/http.js'
import { newApiKey, startTestStack, type TestStack } from '../support/test-stack.js'

describe('GET /users', () => {
  let stack: TestStack
  let client: ReturnType<typeof authed>
  const registeredIds = new Set<string>()

  before(async () => {
    stack = await startTestStack()
    client = authed(stack.app, stack.apiKey)
    for (let index = 0; index < 23; index++) {
      const { user } = await client.register(`User ${index}`, `user${index}@example.com`)
      registeredIds.add(user.id)
    }
  })
  after(async () => {
    await stack.close()
  })

  it('returns every user exactly once when following rel="next" links', async () => {
    const seen: string[] = []
    let url: string | undefined = '/users?limit=5'
    let pages = 0
    while (url) {
      const response = await client.get(url)
      assert.equal(response.statusCode, 200, response.body)
      const page = response.json<{ id: string; avatar_url: null }[]>()
      assert.ok(page.length <= 5)
      seen.push(...page.map((user) => user.id))
      url = nextLink(response)
      pages++
      assert.ok(pages < 20, 'pagination terminates')
    }
    assert.ok(pages >= 5)
    assert.equal(seen.length, registeredIds.size)
    assert.deepEqual(new Set(seen), registeredIds)
  })

  it('defaults to 100 per page and omits the link on the last page', async () => {
    const response = await client.get('/users')
    assert.equal(response.statusCode, 200)
    assert.equal(response.json<unknown[]>().length, registeredIds.size)
    assert.equal(response.headers.link, undefined)
  })

  it('lists only users, with the public fields and nothing internal', async () => {
    const [first] = (await client.get('/users?limit=1')).json<Record<string, unknown>[]>()
    assert.deepEqual(Object.keys(first ?? {}).sort(), ['avatar_url', 'created_at', 'email', 'id', 'name'])
  })

  it('rejects a limit outside 1-1000', async () => {
    for (const limit of ['0', '1001', 'ten', '-1', '1.5']) {
      const problem = assertProblem(await client.get(`/users?limit=${limit}`), 400)
      assert.equal(problem.errors?.[0]?.field, '/query/limit')
    }
  })

  it('rejects a tampered cursor, a garbage cursor and a cursor issued to another key', async () => {
    const first = await client.get('/users?limit=2')
    const next = nextLink(first)
    assert.ok(next)
    const cursor = new URL(next, 'http://x').searchParams.get('cursor')!
    const flipped = cursor.slice(0, -2) + (cursor.endsWith('AA') ? 'BB' : 'AA')
    assertProblem(await client.get(`/users?cursor=${encodeURIComponent(flipped)}`), 400)
    assertProblem(await client.get('/users?cursor=not-a-cursor'), 400)

    const otherKey = newApiKey()
    const other = await startTestStack({ API_KEYS: `${stack.apiKey},${otherKey}` })
    try {
      const otherClient = authed(other.app, otherKey)
      assertProblem(await otherClient.get(`/users?cursor=${encodeURIComponent(cursor)}`), 400)
    } finally {
      await other.close()
    }
  })
})
