// The AWS clients' body collector: one copy of a body at most, the same bytes as the SDK's own,
// and everything that is not a node:http stream left to the SDK.
import assert from 'node:assert/strict'
import { PassThrough, Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb'
import { createAwsClients } from '../../src/aws/clients.js'
import { collectResponseBody } from '../../src/aws/response-body.js'
import { startTestStack, TEST_CREDENTIALS } from '../support/test-stack.js'

const bytes = (text: string) => Buffer.from(text, 'utf8')

describe('collectResponseBody', () => {
  it('keeps a body that arrived in one chunk as it is, without copying it', async () => {
    const chunk = bytes('{"Items":[]}')
    const body = await collectResponseBody(Readable.from([chunk], { objectMode: false }))
    assert.equal(body, chunk)
  })

  it('joins a body that arrived in several chunks, in order', async () => {
    const chunks = ['{"Items":[{"id":', '{"S":"ü-1"}', '}],"Count":1}'].map(bytes)
    const body = await collectResponseBody(Readable.from(chunks, { objectMode: false }))
    assert.equal(Buffer.from(body).toString('utf8'), '{"Items":[{"id":{"S":"ü-1"}}],"Count":1}')
    assert.equal(body.byteLength, chunks.reduce((sum, chunk) => sum + chunk.length, 0))
  })

  it('gives an empty body as zero bytes', async () => {
    const body = await collectResponseBody(Readable.from([], { objectMode: false }))
    assert.ok(body instanceof Uint8Array)
    assert.equal(body.byteLength, 0)
  })

  it('fails when the stream fails, with the error of the stream', async () => {
    const stream = new PassThrough()
    const collected = collectResponseBody(stream)
    stream.write(bytes('{"Items":'))
    stream.destroy(new Error('socket hang up'))
    await assert.rejects(collected, /socket hang up/)
  })

  it('fails when the stream closes before its end, as a cut connection does', async () => {
    const stream = new PassThrough()
    const collected = collectResponseBody(stream)
    stream.write(bytes('{"Items":'))
    stream.destroy()
    await assert.rejects(collected, { code: 'ERR_STREAM_PREMATURE_CLOSE' })
  })

  it('leaves web streams to the SDK collector', async () => {
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes('ab'))
        controller.enqueue(bytes('cd'))
        controller.close()
      },
    })
    assert.equal(Buffer.from(await collectResponseBody(web)).toString(), 'abcd')
  })

  it('is what both service clients read their answers with, against a real DynamoDB wire protocol', async () => {
    const stack = await startTestStack()
    const clients = createAwsClients(stack.config.aws, undefined, { dynamodbEndpoint: stack.emulators.dynamoEndpoint, credentials: TEST_CREDENTIALS })
    try {
      assert.equal(clients.dynamo.config.streamCollector, collectResponseBody)
      assert.equal(clients.s3.config.streamCollector, collectResponseBody)
      const { Table } = await clients.dynamo.send(new DescribeTableCommand({ TableName: stack.config.table }))
      assert.equal(Table?.TableName, stack.config.table)
    } finally {
      clients.destroy()
      await stack.close()
    }
  })
})
