// The service's DynamoDB client resolves each command's middleware stack once (cacheMiddleware),
// which makes every call after the first share one resolved handler and its context. These tests
// prove that this holds, that concurrent calls with different inputs still each get their own
// answer, that the shared context does not grow call after call, and that the document client
// tools use still works beside it.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { GetItemCommand, PutItemCommand, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/client-dynamodb'
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import type { InitializeMiddleware } from '@smithy/types'
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js'
import { startTestStack, TEST_CREDENTIALS, type TestStack } from '../support/test-stack.js'

const CALLS = 200

describe('AWS clients', () => {
  let stack: TestStack
  let clients: AwsClients
  const resolutions: string[] = []
  const contexts = new Set<Record<string, unknown>>()

  before(async () => {
    stack = await startTestStack()
    clients = createAwsClients(stack.config.aws, undefined, { dynamodbEndpoint: stack.emulators.dynamoEndpoint, credentials: TEST_CREDENTIALS })
    // Called each time a stack is resolved into a handler: once per command class when cached.
    const counting: InitializeMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next, context) => {
      resolutions.push(context.commandName ?? '?')
      contexts.add(context)
      return (args) => next(args)
    }
    clients.dynamo.middlewareStack.add(counting, { step: 'initialize', name: 'countResolutions' })
  })
  after(async () => {
    clients.destroy()
    await stack.close()
  })

  const table = () => stack.config.table
  // The size of what a context holds, each object counted once (it refers to the client's config).
  const sizeOf = (context: object) => {
    const seen = new WeakSet<object>()
    return JSON.stringify(context, (key, value: unknown) => {
      if (key === 'commandInstance' || typeof value === 'function') return undefined
      if (typeof value === 'object' && value !== null) {
        if (seen.has(value)) return undefined
        seen.add(value)
      }
      return value
    }).length
  }
  const sizeOfContexts = () => [...contexts].map(sizeOf)

  it('resolves the DynamoDB middleware once per command, and concurrent calls keep their own input and output', async () => {
    const keys = Array.from({ length: CALLS }, (_, index) => `CACHE#${index}`)
    await Promise.all(keys.map((pk, index) => clients.dynamo.send(new PutItemCommand({ TableName: table(), Item: { pk: { S: pk }, n: { N: String(index) } } }))))
    const sizes = sizeOfContexts()
    const read = await Promise.all(keys.map((pk) => clients.dynamo.send(new GetItemCommand({ TableName: table(), Key: { pk: { S: pk } }, ConsistentRead: true }))))
    assert.deepEqual(
      read.map(({ Item }) => Item?.n?.N),
      keys.map((_, index) => String(index)),
    )
    for (let batch = 0; batch < 5; batch++) {
      await Promise.all(keys.map((pk) => clients.dynamo.send(new PutItemCommand({ TableName: table(), Item: { pk: { S: pk }, n: { N: '0' } } }))))
    }
    assert.deepEqual(resolutions, ['PutItemCommand', 'GetItemCommand'])
    // It holds the client's whole configuration, whose state moves by a few hundred bytes (up to
    // 1.2 KB seen in CI); a record of every call would hold at least its input, 60 bytes or more
    // per call. The bound, 10 bytes per call, sits well apart from both.
    const grownBy = sizeOfContexts()[0]! - sizes[0]!
    assert.ok(grownBy < 10 * 5 * CALLS, `the shared context of PutItem grew by ${grownBy} bytes in ${5 * CALLS} calls`)
  })

  it('gives tools a document client of its own beside the cached client', async () => {
    await clients.documents.send(new PutCommand({ TableName: table(), Item: { pk: 'DOC#1', value: 'one' } }))
    await clients.documents.send(new PutCommand({ TableName: table(), Item: { pk: 'DOC#2', value: 'two' } }))
    const { Item } = await clients.documents.send(new GetCommand({ TableName: table(), Key: { pk: 'DOC#2' } }))
    assert.equal(Item?.value, 'two')
    const first = await clients.dynamo.send(new GetItemCommand({ TableName: table(), Key: { pk: { S: 'DOC#1' } } }))
    assert.equal(first.Item?.value?.S, 'one')
  })
})
