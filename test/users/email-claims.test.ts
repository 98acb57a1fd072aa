// What a registration does when it meets an email claim that has no user record: the owner may
// still be writing it, or may have failed and left the claim behind. Claims are written straight
// into the table here, to set up each case exactly.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import type { FastifyInstance } from 'fastify'
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js'
import { loadConfig } from '../../src/config/config.js'
import { staleClaimSeconds } from '../../src/users/user-repository.js'
import { assertProblem, authed } from '../support/http.js'
import { buildTestApp, startTestStack, TEST_CREDENTIALS, testEnvironment, type TestStack } from '../support/test-stack.js'

describe('email claims without a user record', () => {
  let stack: TestStack
  let direct: AwsClients
  let client: ReturnType<typeof authed>
  let staleAgeSeconds: number

  before(async () => {
    stack = await startTestStack()
    client = authed(stack.app, stack.apiKey)
    direct = createAwsClients(stack.config.aws, undefined, { dynamodbEndpoint: stack.emulators.dynamoEndpoint, credentials: TEST_CREDENTIALS })
    staleAgeSeconds = staleClaimSeconds(stack.config.aws)
  })
  after(async () => {
    direct.destroy()
    await stack.close()
  })

  const put = (item: Record<string, unknown>) => direct.documents.send(new PutCommand({ TableName: stack.config.table, Item: item }))
  const claimOf = async (address: string) =>
    (await direct.documents.send(new GetCommand({ TableName: stack.config.table, Key: { pk: `EMAIL#${address}` }, ConsistentRead: true }))).Item
  const leaveClaim = (address: string, ageSeconds: number) =>
    put({ pk: `EMAIL#${address}`, claimed_by: randomUUID(), claimed_at: new Date(Date.now() - ageSeconds * 1000).toISOString() })

  it('answers 503 with Retry-After, not 409, while a fresh claim has no user', async () => {
    const address = 'fresh-orphan@example.com'
    await leaveClaim(address, 1)
    const started = performance.now()
    const response = await client.post('/user', { name: 'Fresh', email: address })
    assertProblem(response, 503)
    assert.equal(response.headers['retry-after'], '2')
    assert.ok(performance.now() - started >= 1000, 'it waited for the owner to finish first')
    assert.ok(await claimOf(address), 'a claim that may still be in use is left alone')
  })

  it('answers 409 once the owner of the claim writes its user record during the wait', async () => {
    const address = 'slow-owner@example.com'
    const owner = randomUUID()
    await put({ pk: `EMAIL#${address}`, claimed_by: owner, claimed_at: new Date().toISOString() })
    const registering = client.post('/user', { name: 'Second', email: address })
    await sleep(200)
    await put({ pk: `USER#${owner}`, user_id: owner, name: 'First', email: address, email_normalized: address, created_at: new Date().toISOString() })
    assertProblem(await registering, 409)
  })

  it('registers the address when the claim is released during the wait', async () => {
    const address = 'released@example.com'
    await leaveClaim(address, 1)
    const registering = client.post('/user', { name: 'Patient', email: address })
    await sleep(200)
    await direct.documents.send(new DeleteCommand({ TableName: stack.config.table, Key: { pk: `EMAIL#${address}` } }))
    const response = await registering
    assert.equal(response.statusCode, 201, response.body)
    assert.equal((await claimOf(address))?.claimed_by, response.json<{ user: { id: string } }>().user.id)
  })

  it('takes over a claim older than the stale-claim age and points it at the new user', async () => {
    const address = 'stale-orphan@example.com'
    await leaveClaim(address, staleAgeSeconds + 5)
    const response = await client.post('/user', { name: 'Heir', email: address })
    assert.equal(response.statusCode, 201, response.body)
    assert.equal((await claimOf(address))?.claimed_by, response.json<{ user: { id: string } }>().user.id)
    assertProblem(await client.post('/user', { name: 'Too Late', email: address }), 409)
  })

  it('never takes over a stale claim whose user exists', async () => {
    const address = 'long-standing@example.com'
    const { user } = await client.register('Long Standing', address)
    let later: FastifyInstance | undefined
    try {
      later = await buildTestApp(loadConfig(testEnvironment({ API_KEYS: stack.apiKey })), {
        now: () => new Date(Date.now() + (staleAgeSeconds + 60) * 1000),
        aws: { dynamodbEndpoint: stack.emulators.dynamoEndpoint, s3Endpoint: stack.emulators.s3Endpoint, credentials: TEST_CREDENTIALS },
      })
      assertProblem(await authed(later, stack.apiKey).post('/user', { name: 'Usurper', email: address }), 409)
    } finally {
      await later?.close()
    }
    assert.equal((await claimOf(address))?.claimed_by, user.id)
  })
})
