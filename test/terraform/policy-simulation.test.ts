// The service role's access, proven by an IAM policy evaluator (@cloud-copilot/iam-simulate) on the
// policy documents of modules/user-api rendered as AWS would receive them: the role's identity
// policy together with the bucket policy (S3 calls) or the key policy (KMS calls). The role can do
// exactly the calls the service makes and nothing next to them.
//
// Every property is then tied to the statement that holds it, mechanically: each statement is
// dropped, each of its conditions removed, its resources and actions widened, and the test states
// which properties flip for each such change. A property held by two statements at once (defence in
// depth) flips only when both are taken away, which the combined changes at the end show.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { runSimulation } from '@cloud-copilot/iam-simulate'
import { ACCOUNT_ID, BUCKET_ARN, KEY_ARN, REGION, renderPolicy, statementsOf, TABLE_ARN, type IamPolicy } from './support/policy-documents.js'
import { loadModule, resourcesOf, type Statement } from './support/terraform-config.js'

const module = await loadModule('modules/user-api')

type DocumentName = 'role' | 'bucket' | 'key'
// The documents the module attaches to the role, the bucket and the key (checked below).
const DOCUMENTS: Record<DocumentName, string> = { role: 'service', bucket: 'avatars_bucket', key: 'key' }
type Documents = Record<DocumentName, Statement[]>
const original: Documents = {
  role: statementsOf(module, DOCUMENTS.role),
  bucket: statementsOf(module, DOCUMENTS.bucket),
  key: statementsOf(module, DOCUMENTS.key),
}

const SERVICE_ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/user-api-test-service`
// An account administrator (AdministratorAccess): the key policy, not IAM, must keep it from data.
const ADMINISTRATOR = `arn:aws:iam::${ACCOUNT_ID}:role/platform-administrator`
const ADMINISTRATOR_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }

const AVATAR = `${BUCKET_ARN}/avatars/0b7c5f4e-8d8a-4d5c-9d2b-3f1b2a6c7d8e`
const OTHER_OBJECT = `${BUCKET_ARN}/exports/users.csv`
const OTHER_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/9999abcd-12ab-34cd-56ef-1234567890ab`
const VIA_S3 = `s3.${REGION}.amazonaws.com`
const VIA_DYNAMODB = `dynamodb.${REGION}.amazonaws.com`

const https = { 'aws:SecureTransport': 'true', 's3:TlsVersion': '1.3' }
const sseKms = { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': KEY_ARN }
const fromAccount = { 'kms:CallerAccount': ACCOUNT_ID }

interface Property {
  name: string
  principal?: typeof SERVICE_ROLE | typeof ADMINISTRATOR
  action: string
  resource: string
  context?: Record<string, string>
  allowed: boolean
}

const PROPERTIES: Property[] = [
  // The calls the service makes (src/users, src/avatars, src/health).
  ...['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'DescribeTable'].map((operation) => ({ name: `${operation} on the users table`, action: `dynamodb:${operation}`, resource: TABLE_ARN, allowed: true })),
  { name: 'Scan of the users-by-id index', action: 'dynamodb:Scan', resource: `${TABLE_ARN}/index/users-by-id`, allowed: true },
  { name: 'avatar upload (POST form) with SSE-KMS and the key', action: 's3:PutObject', resource: AVATAR, context: { ...https, ...sseKms }, allowed: true },
  { name: 'avatar download and HeadObject', action: 's3:GetObject', resource: AVATAR, context: https, allowed: true },
  { name: 'avatar deletion', action: 's3:DeleteObject', resource: AVATAR, context: https, allowed: true },
  { name: 'HeadObject of a missing avatar answers 404 (ListBucket on avatars/)', action: 's3:ListBucket', resource: BUCKET_ARN, context: { ...https, 's3:prefix': 'avatars/0b7c5f4e' }, allowed: true },
  { name: 'GenerateDataKey through S3', action: 'kms:GenerateDataKey', resource: KEY_ARN, context: { ...fromAccount, 'kms:ViaService': VIA_S3 }, allowed: true },
  { name: 'Decrypt through S3', action: 'kms:Decrypt', resource: KEY_ARN, context: { ...fromAccount, 'kms:ViaService': VIA_S3 }, allowed: true },
  { name: 'GenerateDataKey through DynamoDB', action: 'kms:GenerateDataKey', resource: KEY_ARN, context: { ...fromAccount, 'kms:ViaService': VIA_DYNAMODB }, allowed: true },
  { name: 'Decrypt through DynamoDB', action: 'kms:Decrypt', resource: KEY_ARN, context: { ...fromAccount, 'kms:ViaService': VIA_DYNAMODB }, allowed: true },

  // Nothing next to them.
  { name: 'GetItem on another table', action: 'dynamodb:GetItem', resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT_ID}:table/billing`, allowed: false },
  { name: 'Scan of the whole table', action: 'dynamodb:Scan', resource: TABLE_ARN, allowed: false },
  { name: 'Scan of another index', action: 'dynamodb:Scan', resource: `${TABLE_ARN}/index/by-email`, allowed: false },
  { name: 'Query on the users table', action: 'dynamodb:Query', resource: TABLE_ARN, allowed: false },
  { name: 'DeleteTable', action: 'dynamodb:DeleteTable', resource: TABLE_ARN, allowed: false },
  { name: 'upload under another prefix', action: 's3:PutObject', resource: OTHER_OBJECT, context: { ...https, ...sseKms }, allowed: false },
  { name: 'download under another prefix', action: 's3:GetObject', resource: OTHER_OBJECT, context: https, allowed: false },
  { name: 'listing another prefix', action: 's3:ListBucket', resource: BUCKET_ARN, context: { ...https, 's3:prefix': 'exports/' }, allowed: false },
  { name: 'upload with another KMS key', action: 's3:PutObject', resource: AVATAR, context: { ...https, ...sseKms, 's3:x-amz-server-side-encryption-aws-kms-key-id': OTHER_KEY_ARN }, allowed: false },
  { name: 'upload with aws:kms but no key named', action: 's3:PutObject', resource: AVATAR, context: { ...https, 's3:x-amz-server-side-encryption': 'aws:kms' }, allowed: false },
  { name: 'upload with SSE-S3', action: 's3:PutObject', resource: AVATAR, context: { ...https, 's3:x-amz-server-side-encryption': 'AES256' }, allowed: false },
  { name: 'upload without encryption headers', action: 's3:PutObject', resource: AVATAR, context: https, allowed: false },
  { name: 'upload with DSSE-KMS and the key', action: 's3:PutObject', resource: AVATAR, context: { ...https, ...sseKms, 's3:x-amz-server-side-encryption': 'aws:kms:dsse' }, allowed: false },
  { name: 'upload adding a customer-provided key', action: 's3:PutObject', resource: AVATAR, context: { ...https, ...sseKms, 's3:x-amz-server-side-encryption-customer-algorithm': 'AES256' }, allowed: false },
  { name: 'download over plain HTTP', action: 's3:GetObject', resource: AVATAR, context: { ...https, 'aws:SecureTransport': 'false' }, allowed: false },
  { name: 'upload over plain HTTP', action: 's3:PutObject', resource: AVATAR, context: { ...https, ...sseKms, 'aws:SecureTransport': 'false' }, allowed: false },
  { name: 'download over TLS 1.1', action: 's3:GetObject', resource: AVATAR, context: { ...https, 's3:TlsVersion': '1.1' }, allowed: false },
  { name: 'Decrypt called directly', action: 'kms:Decrypt', resource: KEY_ARN, context: fromAccount, allowed: false },
  { name: 'Decrypt through another service', action: 'kms:Decrypt', resource: KEY_ARN, context: { ...fromAccount, 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` }, allowed: false },
  { name: 'Encrypt through S3', action: 'kms:Encrypt', resource: KEY_ARN, context: { ...fromAccount, 'kms:ViaService': VIA_S3 }, allowed: false },
  { name: 'Decrypt with another key through S3', action: 'kms:Decrypt', resource: OTHER_KEY_ARN, context: { ...fromAccount, 'kms:ViaService': VIA_S3 }, allowed: false },

  // The key stays manageable, and even an administrator reaches its data only through the services.
  { name: 'an administrator can change the key policy', principal: ADMINISTRATOR, action: 'kms:PutKeyPolicy', resource: KEY_ARN, context: fromAccount, allowed: true },
  { name: 'an administrator cannot decrypt directly', principal: ADMINISTRATOR, action: 'kms:Decrypt', resource: KEY_ARN, context: fromAccount, allowed: false },
  { name: 'DynamoDB creates grants for the table', principal: ADMINISTRATOR, action: 'kms:CreateGrant', resource: KEY_ARN, context: { ...fromAccount, 'kms:ViaService': VIA_DYNAMODB, 'kms:GrantIsForAWSResource': 'true' }, allowed: true },
  { name: 'no grants through other services', principal: ADMINISTRATOR, action: 'kms:CreateGrant', resource: KEY_ARN, context: { ...fromAccount, 'kms:ViaService': `rds.${REGION}.amazonaws.com`, 'kms:GrantIsForAWSResource': 'true' }, allowed: false },
  { name: 'no grants through DynamoDB for anything but an AWS resource', principal: ADMINISTRATOR, action: 'kms:CreateGrant', resource: KEY_ARN, context: { ...fromAccount, 'kms:ViaService': VIA_DYNAMODB, 'kms:GrantIsForAWSResource': 'false' }, allowed: false },
]

async function isAllowed(property: Property, policies: Record<DocumentName, IamPolicy>): Promise<boolean> {
  const principal = property.principal ?? SERVICE_ROLE
  const service = property.action.split(':')[0]
  const result = await runSimulation(
    {
      request: { principal, action: property.action, resource: { resource: property.resource, accountId: ACCOUNT_ID }, contextVariables: property.context ?? {} },
      identityPolicies: [{ name: principal === SERVICE_ROLE ? 'service' : 'administrator', policy: principal === SERVICE_ROLE ? policies.role : ADMINISTRATOR_POLICY }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(service === 's3' ? { resourcePolicy: policies.bucket } : service === 'kms' ? { resourcePolicy: policies.key } : {}),
    },
    {},
  )
  if (result.resultType === 'error') throw new Error(`${property.name}: the simulator rejected the request: ${JSON.stringify(result.errors)}`)
  return result.overallResult === 'Allowed'
}

async function evaluate(documents: Documents): Promise<Map<string, boolean>> {
  const policies = { role: renderPolicy(documents.role), bucket: renderPolicy(documents.bucket), key: renderPolicy(documents.key) }
  const outcomes = await Promise.all(PROPERTIES.map(async (property) => [property.name, await isAllowed(property, policies)] as const))
  return new Map(outcomes)
}

// A change to the documents: one statement dropped, one condition removed, or a scope widened.
type Edit = (documents: Documents) => Documents
const editStatement = (document: DocumentName, sid: string, change: (statement: Statement) => Statement | undefined): Edit => (documents) => {
  assert.ok(documents[document].some((statement) => statement.sid === sid), `no statement ${sid} in the ${document} policy`)
  return { ...documents, [document]: documents[document].flatMap((statement) => (statement.sid === sid ? [change(statement)].filter((kept) => kept !== undefined) : [statement])) }
}
const drop = (document: DocumentName, sid: string) => editStatement(document, sid, () => undefined)
const withoutCondition = (document: DocumentName, sid: string, variable: string) => editStatement(document, sid, (statement) => ({ ...statement, conditions: statement.conditions.filter((condition) => condition.variable !== variable) }))
const everyResource = (document: DocumentName, sid: string) => editStatement(document, sid, (statement) => ({ ...statement, resources: ['*'] }))
const everyAction = (document: DocumentName, sid: string) => editStatement(document, sid, (statement) => ({ ...statement, actions: [...new Set(statement.actions.map((action) => `${action.split(':')[0]}:*`))] }))
const both = (first: Edit, second: Edit): Edit => (documents) => second(first(documents))

// Every single change the documents allow, named after it.
function singleChanges(): [string, Edit][] {
  const changes: [string, Edit][] = []
  for (const document of Object.keys(original) as DocumentName[]) {
    for (const statement of original[document]) {
      changes.push([`${document} policy without ${statement.sid}`, drop(document, statement.sid)])
      for (const { variable } of statement.conditions) changes.push([`${document} policy: ${statement.sid} without its ${variable} condition`, withoutCondition(document, statement.sid, variable)])
      if (statement.effect === 'Allow' && !statement.resources.includes('*')) changes.push([`${document} policy: ${statement.sid} on every resource`, everyResource(document, statement.sid)])
      if (statement.effect === 'Allow') changes.push([`${document} policy: ${statement.sid} with every action of its services`, everyAction(document, statement.sid)])
    }
  }
  return changes
}

// Properties held twice: only taking both holders away flips them.
const COMBINED_CHANGES: [string, Edit][] = [
  [
    'kms:ViaService removed from both the role policy and the key policy',
    both(withoutCondition('role', 'UseTheKeyThroughS3AndDynamoDB', 'kms:ViaService'), withoutCondition('key', 'AccountUsesTheKeyOnlyThroughS3AndDynamoDB', 'kms:ViaService')),
  ],
  ['bucket policy without both upload encryption denials', both(drop('bucket', 'DenyUploadsWithAnotherKmsKey'), drop('bucket', 'DenyUploadsWithAnotherEncryption'))],
]

// Which properties each change flips: the map from statements to the properties they hold.
// Changes not listed flip nothing (kms:CallerAccount, for one, only repeats what the principal says).
const EXPECTED_FLIPS: Record<string, string[]> = {
  'role policy without ReadAndWriteUserItems': ['GetItem on the users table', 'PutItem on the users table', 'UpdateItem on the users table', 'DeleteItem on the users table', 'DescribeTable on the users table'],
  'role policy: ReadAndWriteUserItems on every resource': ['GetItem on another table'],
  'role policy: ReadAndWriteUserItems with every action of its services': ['Scan of the whole table', 'Query on the users table', 'DeleteTable'],
  'role policy without PageThroughUsersIndex': ['Scan of the users-by-id index'],
  'role policy: PageThroughUsersIndex on every resource': ['Scan of the whole table', 'Scan of another index'],
  'role policy without ManageAvatarObjects': ['avatar upload (POST form) with SSE-KMS and the key', 'avatar download and HeadObject', 'avatar deletion'],
  'role policy: ManageAvatarObjects on every resource': ['upload under another prefix', 'download under another prefix'],
  'role policy without SeeMissingAvatarsAsNotFound': ['HeadObject of a missing avatar answers 404 (ListBucket on avatars/)'],
  'role policy: SeeMissingAvatarsAsNotFound without its s3:prefix condition': ['listing another prefix'],
  'role policy without UseTheKeyThroughS3AndDynamoDB': ['GenerateDataKey through S3', 'Decrypt through S3', 'GenerateDataKey through DynamoDB', 'Decrypt through DynamoDB'],
  'role policy: UseTheKeyThroughS3AndDynamoDB on every resource': ['Decrypt with another key through S3'],
  'role policy: UseTheKeyThroughS3AndDynamoDB with every action of its services': ['Encrypt through S3'],
  'bucket policy without DenyInsecureTransport': ['download over plain HTTP', 'upload over plain HTTP'],
  'bucket policy: DenyInsecureTransport without its aws:SecureTransport condition': ['avatar upload (POST form) with SSE-KMS and the key', 'avatar download and HeadObject', 'avatar deletion', 'HeadObject of a missing avatar answers 404 (ListBucket on avatars/)'],
  'bucket policy without DenyOutdatedTls': ['download over TLS 1.1'],
  'bucket policy: DenyOutdatedTls without its s3:TlsVersion condition': ['avatar upload (POST form) with SSE-KMS and the key', 'avatar download and HeadObject', 'avatar deletion', 'HeadObject of a missing avatar answers 404 (ListBucket on avatars/)'],
  'bucket policy without DenyUploadsWithAnotherKmsKey': ['upload with another KMS key', 'upload with aws:kms but no key named'],
  'bucket policy: DenyUploadsWithAnotherKmsKey without its s3:x-amz-server-side-encryption-aws-kms-key-id condition': ['avatar upload (POST form) with SSE-KMS and the key'],
  'bucket policy without DenyUploadsWithAnotherEncryption': ['upload with DSSE-KMS and the key'],
  'bucket policy: DenyUploadsWithAnotherEncryption without its s3:x-amz-server-side-encryption condition': ['avatar upload (POST form) with SSE-KMS and the key'],
  'bucket policy without DenyUploadsWithCustomerProvidedKeys': ['upload adding a customer-provided key'],
  'bucket policy: DenyUploadsWithCustomerProvidedKeys without its s3:x-amz-server-side-encryption-customer-algorithm condition': ['avatar upload (POST form) with SSE-KMS and the key'],
  'key policy without AccountAdministersTheKey': ['an administrator can change the key policy'],
  'key policy: AccountAdministersTheKey with every action of its services': ['an administrator cannot decrypt directly', 'no grants through other services', 'no grants through DynamoDB for anything but an AWS resource'],
  'key policy without AccountUsesTheKeyOnlyThroughS3AndDynamoDB': ['GenerateDataKey through S3', 'Decrypt through S3', 'GenerateDataKey through DynamoDB', 'Decrypt through DynamoDB'],
  'key policy: AccountUsesTheKeyOnlyThroughS3AndDynamoDB without its kms:ViaService condition': ['an administrator cannot decrypt directly'],
  'key policy: AccountUsesTheKeyOnlyThroughS3AndDynamoDB with every action of its services': ['no grants through DynamoDB for anything but an AWS resource'],
  'key policy without DynamoDBCreatesGrantsForTheTable': ['DynamoDB creates grants for the table'],
  'key policy: DynamoDBCreatesGrantsForTheTable without its kms:ViaService condition': ['no grants through other services'],
  'key policy: DynamoDBCreatesGrantsForTheTable without its kms:GrantIsForAWSResource condition': ['no grants through DynamoDB for anything but an AWS resource'],
  'kms:ViaService removed from both the role policy and the key policy': ['Decrypt called directly', 'Decrypt through another service', 'an administrator cannot decrypt directly'],
  'bucket policy without both upload encryption denials': ['upload with another KMS key', 'upload with aws:kms but no key named', 'upload with SSE-S3', 'upload without encryption headers', 'upload with DSSE-KMS and the key'],
}

const baseline = await evaluate(original)

test('the rendered documents are the ones the module attaches to the role, the bucket and the key', () => {
  assert.equal(resourcesOf(module, 'aws_iam_policy').find((policy) => policy.name === 'service')?.body.policy, `\${data.aws_iam_policy_document.${DOCUMENTS.role}.json}`)
  assert.equal(resourcesOf(module, 'aws_s3_bucket_policy')[0]?.body.policy, `\${data.aws_iam_policy_document.${DOCUMENTS.bucket}.json}`)
  assert.equal(resourcesOf(module, 'aws_kms_key')[0]?.body.policy, `\${data.aws_iam_policy_document.${DOCUMENTS.key}.json}`)
})

describe('the policies as written', () => {
  for (const property of PROPERTIES) {
    test(`${property.allowed ? 'allow' : 'deny'}: ${property.name}`, () => {
      assert.equal(baseline.get(property.name), property.allowed)
    })
  }
})

describe('each statement, condition and scope holds exactly its properties', async () => {
  const changes = [...singleChanges(), ...COMBINED_CHANGES]
  const flipsOf = new Map<string, string[]>()
  for (const [name, edit] of changes) {
    const outcome = await evaluate(edit(original))
    flipsOf.set(name, PROPERTIES.filter((property) => outcome.get(property.name) !== baseline.get(property.name)).map((property) => property.name))
  }
  if (process.env.PRINT_POLICY_FLIPS === '1') console.log(JSON.stringify(Object.fromEntries([...flipsOf].filter(([, flips]) => flips.length > 0)), null, 2))

  for (const [name] of changes) {
    test(name, () => {
      assert.deepEqual(flipsOf.get(name), EXPECTED_FLIPS[name] ?? [])
    })
  }

  test('every property flips when what holds it is taken away', () => {
    const held = new Set([...flipsOf.values()].flat())
    assert.deepEqual(PROPERTIES.map((property) => property.name).filter((name) => !held.has(name)), [])
  })

  test('every change named in the expectations exists', () => {
    assert.deepEqual(Object.keys(EXPECTED_FLIPS).filter((name) => !flipsOf.has(name)), [])
  })
})
