// Creates the users table and the avatar bucket where they are missing, on whatever endpoint the
// SDK is configured for. For emulators and first-time setups; on AWS, Terraform owns both.
import { CreateTableCommand, DescribeTableCommand, ResourceNotFoundException, type DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb'
import { CreateBucketCommand, HeadBucketCommand, type BucketLocationConstraint, type S3Client } from '@aws-sdk/client-s3'
import { usersTableDefinition } from '../users/table-definition.js'

export interface CreatedResources {
  tableCreated: boolean
  bucketCreated: boolean
}

export async function createResources(
  clients: { dynamo: DynamoDBClient; s3: S3Client },
  names: { table: string; bucket: string },
): Promise<CreatedResources> {
  return { tableCreated: await createTable(clients.dynamo, names.table), bucketCreated: await createBucket(clients.s3, names.bucket) }
}

async function createTable(dynamo: DynamoDBClient, table: string): Promise<boolean> {
  try {
    await dynamo.send(new DescribeTableCommand({ TableName: table }))
    return false
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error
  }
  await dynamo.send(new CreateTableCommand(usersTableDefinition(table)))
  await waitUntilTableExists({ client: dynamo, maxWaitTime: 120, minDelay: 1 }, { TableName: table })
  return true
}

async function createBucket(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }))
    return false
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
    if (status !== 404) throw error
  }
  // Outside us-east-1, S3 requires the region to be named again.
  const region = await s3.config.region()
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
    }),
  )
  return true
}
