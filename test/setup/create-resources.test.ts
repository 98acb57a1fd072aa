// Creating the table and the bucket where they are missing (src/setup/create-resources.ts), on the
// emulators: made once, left alone afterwards with what they hold, in us-east-1 and elsewhere;
// any failure other than "not there" is raised, not taken for a missing one.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { HeadBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { startEmulators, type Emulators } from '../../scripts/local/emulators.js'
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js'
import { loadConfig } from '../../src/config/config.js'
import { createResources } from '../../src/setup/create-resources.js'
import { newApiKey, TEST_CREDENTIALS, testEnvironment } from '../support/test-stack.js'

describe('createResources', () => {
  let emulators: Emulators
  const opened: AwsClients[] = []
  const clients = (region: string) => {
    const config = loadConfig(testEnvironment({ AWS_REGION: region, API_KEYS: newApiKey() }))
    const made = createAwsClients(config.aws, undefined, { dynamodbEndpoint: emulators.dynamoEndpoint, s3Endpoint: emulators.s3Endpoint, credentials: TEST_CREDENTIALS })
    opened.push(made)
    return made
  }

  before(async () => {
    emulators = await startEmulators()
  })
  after(async () => {
    for (const made of opened) made.destroy()
    await emulators.stop()
  })

  it('creates what is missing once, and leaves it and its contents alone afterwards', async () => {
    const aws = clients('us-east-1')
    const names = { table: 'create-resources-users', bucket: 'create-resources-avatars' }
    assert.deepEqual(await createResources(aws, names), { tableCreated: true, bucketCreated: true })
    await aws.dynamo.send(new PutItemCommand({ TableName: names.table, Item: { pk: { S: 'USER#kept' }, user_id: { S: 'kept' } } }))
    await aws.s3.send(new PutObjectCommand({ Bucket: names.bucket, Key: 'avatars/kept', Body: 'png' }))

    assert.deepEqual(await createResources(aws, names), { tableCreated: false, bucketCreated: false })
    assert.ok((await aws.dynamo.send(new GetItemCommand({ TableName: names.table, Key: { pk: { S: 'USER#kept' } } }))).Item, 'the item is still there')
    assert.equal((await aws.s3.send(new HeadObjectCommand({ Bucket: names.bucket, Key: 'avatars/kept' }))).$metadata.httpStatusCode, 200)
  })

  it('creates them outside us-east-1 too, where S3 must be told the region again', async () => {
    const aws = clients('eu-west-1')
    const names = { table: 'create-resources-eu', bucket: 'create-resources-eu' }
    assert.deepEqual(await createResources(aws, names), { tableCreated: true, bucketCreated: true })
    assert.equal((await aws.s3.send(new HeadBucketCommand({ Bucket: names.bucket }))).$metadata.httpStatusCode, 200)
  })

  it('raises a failure that is not "not there" instead of creating anything', async () => {
    const aws = clients('us-east-1')
    // Names the services refuse outright: a table name with a space, a bucket name in capitals.
    await assert.rejects(createResources(aws, { table: 'not a table', bucket: 'create-resources-never' }), (error: Error) => error.name !== 'ResourceNotFoundException')
    await assert.rejects(createResources(aws, { table: 'create-resources-users', bucket: 'Not_A_Bucket' }), (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode !== 404)
  })
})
