// Walks the users-by-id index once, in the order GET /users pages through it. That proves how many
// users the index really holds, and gives start keys for cursors deep inside the table.
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { USERS_INDEX_NAME } from '../src/users/table-definition.js'

export async function userIdsInIndexOrder(documents: DynamoDBDocumentClient, table: string): Promise<string[]> {
  const ids: string[] = []
  let startKey: Record<string, unknown> | undefined
  do {
    // Without Limit each call returns up to 1 MB of users: a few dozen calls for 100,000.
    const page = await documents.send(
      new ScanCommand({ TableName: table, IndexName: USERS_INDEX_NAME, ProjectionExpression: 'user_id', ExclusiveStartKey: startKey }),
    )
    for (const item of page.Items ?? []) ids.push(item.user_id as string)
    startKey = page.LastEvaluatedKey
  } while (startKey)
  return ids
}
