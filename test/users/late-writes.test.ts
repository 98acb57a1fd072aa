// A write whose caller gave up may still be applied by DynamoDB later, after the undo that followed
// it (a timed-out request the server was still processing, a request held up in the network). Here
// the network is the only stand-in: the repository talks to the real table on dynalite, and one
// chosen write is held back, reported to the repository as timed out, and delivered for real once
// the undo is done. It must change nothing: no user without its claim, no address left taken.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import pino from 'pino'
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js'
import { BackgroundRetries } from '../../src/lifecycle/background-retries.js'
import { UserRepository, isConditionalCheckFailed, userKey, type UserRecord } from '../../src/users/user-repository.js'
import { startTestStack, TEST_CREDENTIALS, type TestStack } from '../support/test-stack.js'

interface Held {
  command: PutItemCommand
}

/** The real DynamoDB client, except that the first PutItem of a `pk` matching is held back and fails as timed out. */
function holdingBack(dynamo: DynamoDBClient, matching: (pk: string | undefined) => boolean): { dynamo: DynamoDBClient; held: Held[] } {
  const held: Held[] = []
  const send = async (command: unknown, options?: unknown) => {
    if (command instanceof PutItemCommand && held.length === 0 && matching(command.input.Item?.pk?.S)) {
      held.push({ command })
      throw Object.assign(new Error('the request timed out'), { name: 'TimeoutError', $metadata: {} })
    }
    return dynamo.send(command as never, options as never)
  }
  return { dynamo: { send } as unknown as DynamoDBClient, held }
}

describe('writes that land after their undo', () => {
  let stack: TestStack
  let direct: AwsClients
  const log = pino({ level: 'silent' })

  before(async () => {
    stack = await startTestStack()
    direct = createAwsClients(stack.config.aws, undefined, { dynamodbEndpoint: stack.emulators.dynamoEndpoint, credentials: TEST_CREDENTIALS })
  })
  after(async () => {
    direct.destroy()
    await stack.close()
  })

  function repository(dynamo: DynamoDBClient): { users: UserRepository; cleanups: BackgroundRetries } {
    const cleanups = new BackgroundRetries(log, { maxPending: 10, firstDelayMs: 10, maxDelayMs: 50, giveUpAfterMs: 5000 })
    return { users: new UserRepository(dynamo, stack.config.table, log, 180, cleanups), cleanups }
  }

  function newUser(email: string): UserRecord {
    const id = randomUUID()
    return {
      pk: userKey(id),
      user_id: id,
      name: 'Late Writer',
      email,
      email_normalized: email.toLowerCase(),
      created_at: new Date().toISOString(),
      avatar_key: `avatars/${id}`,
      avatar_content_type: 'image/png',
      avatar_upload_expires_at: new Date(Date.now() + 900_000).toISOString(),
    }
  }

  const item = async (pk: string) =>
    (await direct.documents.send(new GetCommand({ TableName: stack.config.table, Key: { pk }, ConsistentRead: true }))).Item

  async function deliverLate(held: Held[]): Promise<'applied' | 'refused'> {
    assert.equal(held.length, 1, 'the write was held back')
    try {
      await direct.dynamo.send(held[0]!.command)
      return 'applied'
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'refused'
      throw error
    }
  }

  it('a user record written after its registration was undone is refused, and the address stays free', async () => {
    const user = newUser('late-user@example.com')
    const { dynamo, held } = holdingBack(direct.dynamo, (pk) => pk === user.pk)
    const { users, cleanups } = repository(dynamo)
    await assert.rejects(users.register(user), { name: 'TimeoutError' })
    await cleanups.close()

    assert.equal(await deliverLate(held), 'refused')
    assert.equal(await users.findById(user.user_id), undefined, 'no user came back')
    const marker = await item(user.pk)
    assert.deepEqual(Object.keys(marker ?? {}).sort(), ['expires_at', 'pk', 'undone_at'], 'the marker holds no personal data')

    const again = newUser('late-user@example.com')
    await repository(direct.dynamo).users.register(again)
    assert.equal((await item('EMAIL#late-user@example.com'))?.claimed_by, again.user_id, 'the address registers again')
  })

  it('a claim written after its registration was undone is refused, and the address stays free', async () => {
    const user = newUser('late-claim@example.com')
    const { dynamo, held } = holdingBack(direct.dynamo, (pk) => pk === 'EMAIL#late-claim@example.com')
    const { users, cleanups } = repository(dynamo)
    await assert.rejects(users.register(user), { name: 'TimeoutError' })
    await cleanups.close()

    assert.equal(await deliverLate(held), 'refused')
    assert.equal((await item('EMAIL#late-claim@example.com'))?.claimed_by, undefined, 'nobody holds the address')
    const again = newUser('late-claim@example.com')
    await repository(direct.dynamo).users.register(again)
    assert.equal((await item('EMAIL#late-claim@example.com'))?.claimed_by, again.user_id, 'another registration takes it at once')
  })

  it('a released claim does not keep other registrations out, and a deleted user frees the address', async () => {
    const first = newUser('released@example.com')
    const { users } = repository(direct.dynamo)
    await users.register(first)
    await users.delete(first)
    assert.ok((await item('EMAIL#released@example.com'))?.undone_at, 'the claim became a marker')
    const second = newUser('released@example.com')
    await users.register(second)
    assert.equal((await item('EMAIL#released@example.com'))?.claimed_by, second.user_id)
    assert.equal((await item('EMAIL#released@example.com'))?.undone_at, undefined, 'the new claim replaced the marker')
  })

  it('a marker is not a user: it cannot be renewed or given an avatar', async () => {
    const user = newUser('marker-only@example.com')
    await direct.documents.send(new PutCommand({ TableName: stack.config.table, Item: { pk: user.pk, undone_at: new Date().toISOString(), expires_at: 1 } }))
    const { users } = repository(direct.dynamo)
    assert.equal(await users.findById(user.user_id), undefined)
    assert.equal(await users.renewAvatarUpload(user.user_id, 'image/png', new Date().toISOString()), undefined)
    await users.recordAvatarUploaded(user.user_id, new Date())
    assert.equal((await item(user.pk))?.avatar_uploaded_at, undefined)
  })
})
