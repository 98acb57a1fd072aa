// One source of truth for the table: the Terraform table must be the one the service creates locally
// (src/users/table-definition.ts), so a key or index changed in one place fails here.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb'
import { EXPIRES_AT_ATTRIBUTE, usersTableDefinition } from '../../src/users/table-definition.js'
import { type Body, loadModule, nestedBlocks, resourcesOf } from './support/terraform-config.js'

type ComparableTable = Pick<CreateTableCommandInput, 'BillingMode' | 'AttributeDefinitions' | 'KeySchema' | 'GlobalSecondaryIndexes' | 'LocalSecondaryIndexes'>

const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value))

function keySchema(body: Body): NonNullable<CreateTableCommandInput['KeySchema']> {
  const keys: NonNullable<CreateTableCommandInput['KeySchema']> = [{ AttributeName: text(body.hash_key), KeyType: 'HASH' }]
  if (body.range_key !== undefined) keys.push({ AttributeName: text(body.range_key), KeyType: 'RANGE' })
  return keys
}

function projection(index: Body) {
  const nonKey = index.non_key_attributes
  return Array.isArray(nonKey) ? { ProjectionType: index.projection_type, NonKeyAttributes: nonKey } : { ProjectionType: index.projection_type }
}

/** The aws_dynamodb_table arguments, in the shape of the CreateTable input. */
function fromTerraform(table: Body): ComparableTable {
  const comparable: ComparableTable = {
    BillingMode: table.billing_mode as ComparableTable['BillingMode'],
    AttributeDefinitions: nestedBlocks(table, 'attribute').map((attribute) => ({ AttributeName: text(attribute.name), AttributeType: attribute.type as 'S' | 'N' | 'B' })),
    KeySchema: keySchema(table),
  }
  const global = nestedBlocks(table, 'global_secondary_index')
  if (global.length > 0) comparable.GlobalSecondaryIndexes = global.map((index) => ({ IndexName: text(index.name), KeySchema: keySchema(index), Projection: projection(index) as never }))
  const local = nestedBlocks(table, 'local_secondary_index')
  if (local.length > 0) comparable.LocalSecondaryIndexes = local.map((index) => ({ IndexName: text(index.name), KeySchema: keySchema(index), Projection: projection(index) as never }))
  return comparable
}

function normalise(table: ComparableTable): ComparableTable {
  const byName = <T>(items: T[] | undefined, name: (item: T) => string) => items && [...items].sort((a, b) => name(a).localeCompare(name(b)))
  return {
    ...table,
    AttributeDefinitions: byName(table.AttributeDefinitions, (attribute) => attribute.AttributeName ?? ''),
    ...(table.GlobalSecondaryIndexes && { GlobalSecondaryIndexes: byName(table.GlobalSecondaryIndexes, (index) => index.IndexName ?? '') }),
    ...(table.LocalSecondaryIndexes && { LocalSecondaryIndexes: byName(table.LocalSecondaryIndexes, (index) => index.IndexName ?? '') }),
  }
}

test('the Terraform users table has the keys, indexes and billing mode of usersTableDefinition()', async () => {
  const [table] = resourcesOf(await loadModule('modules/user-api'), 'aws_dynamodb_table')
  assert.ok(table, 'modules/user-api defines no aws_dynamodb_table')
  const { BillingMode, AttributeDefinitions, KeySchema, GlobalSecondaryIndexes, LocalSecondaryIndexes } = usersTableDefinition('ignored')
  const service: ComparableTable = { BillingMode, AttributeDefinitions, KeySchema }
  if (GlobalSecondaryIndexes) service.GlobalSecondaryIndexes = GlobalSecondaryIndexes
  if (LocalSecondaryIndexes) service.LocalSecondaryIndexes = LocalSecondaryIndexes
  assert.deepEqual(normalise(fromTerraform(table.body)), normalise(service))
})

test('the comparison notices a drifted index', async () => {
  const [table] = resourcesOf(await loadModule('modules/user-api'), 'aws_dynamodb_table')
  const drifted = { ...table!.body, global_secondary_index: [{ name: 'users-by-id', hash_key: 'user_id', projection_type: 'KEYS_ONLY' }] }
  const service = usersTableDefinition('ignored')
  assert.notDeepEqual(normalise(fromTerraform(drifted)).GlobalSecondaryIndexes, normalise({ GlobalSecondaryIndexes: service.GlobalSecondaryIndexes }).GlobalSecondaryIndexes)
})

test('the Terraform users table expires items by the attribute the service puts on its markers', async () => {
  const [table] = resourcesOf(await loadModule('modules/user-api'), 'aws_dynamodb_table')
  const ttl = nestedBlocks(table!.body, 'ttl')
  assert.equal(ttl.length, 1, 'one ttl block')
  assert.deepEqual({ attribute: ttl[0]!.attribute_name, enabled: ttl[0]!.enabled }, { attribute: EXPIRES_AT_ATTRIBUTE, enabled: true })
})
