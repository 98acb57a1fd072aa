// The users table, defined once. The local stack and `npm run setup:aws` create it from this, and
// the Terraform module is tested against it, so the key schema cannot drift between them.
//
// One table holds two kinds of item, told apart by the prefix of the partition key `pk`:
//   USER#<id>       the user record; it alone carries `user_id`, which puts it in the sparse
//                   `users-by-id` index that GET /users pages through (a Scan of the index sees
//                   users only, so every page holds `limit` users, never email claims).
//   EMAIL#<email>   a claim on a lower-cased email address, written with a condition before the
//                   user record: uniqueness without transactions, which dynalite does not have.
// An undone registration or a released claim leaves a marker under its key (no personal data,
// expiring by TTL), so that a write still in flight cannot bring it back.
// Reads by id use GetItem on the base table, which is strongly consistent, so a user is found
// right after the 201 even on real DynamoDB, where index reads are only eventually consistent.
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb'

export const PARTITION_KEY = 'pk'
export const USER_ID_ATTRIBUTE = 'user_id'
export const USERS_INDEX_NAME = 'users-by-id'
// Epoch seconds after which DynamoDB deletes an item: set only on the markers that undone
// registrations and released claims leave behind (user-repository.ts). Enabled by Terraform;
// CreateTable cannot set it, and the local emulator ignores it.
export const EXPIRES_AT_ATTRIBUTE = 'expires_at'

export function usersTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: PARTITION_KEY, AttributeType: 'S' },
      { AttributeName: USER_ID_ATTRIBUTE, AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: USERS_INDEX_NAME,
        KeySchema: [{ AttributeName: USER_ID_ATTRIBUTE, KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  }
}
