// The security properties of the issue, written as policies over the parsed Terraform: they hold for
// every bucket, table and key in every module, so a new bucket without them fails here.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { MAX_SESSION_SECONDS, webIdentitySessionSeconds } from '../../src/aws/credentials.js'
import {
  type Block,
  blocksOf,
  companionOf,
  documentStatements,
  firstBlock,
  loadModules,
  nestedBlocks,
  policyStatements,
  refersTo,
  resourcesOf,
  type Statement,
  type TerraformModule,
} from './support/terraform-config.js'

const modules = await loadModules()
const buckets = modules.flatMap((module) => resourcesOf(module, 'aws_s3_bucket').map((bucket) => ({ module, bucket })))
const tables = modules.flatMap((module) => resourcesOf(module, 'aws_dynamodb_table').map((table) => ({ module, table })))
const keys = modules.flatMap((module) => resourcesOf(module, 'aws_kms_key').map((key) => ({ module, key })))

const address = (block: Block) => `${block.type}.${block.name}`
const label = (module: TerraformModule, block: Block) => `${module.dir}: ${address(block)}`

function onlyCompanion(module: TerraformModule, type: string, owner: Block): Block {
  const found = companionOf(module, type, owner)
  assert.equal(found.length, 1, `${label(module, owner)} needs exactly one ${type}, found ${found.length}`)
  return found[0]!
}

/** The customer-managed key (a resource of this module) an expression points at, or undefined. */
function managedKey(module: TerraformModule, expression: unknown): Block | undefined {
  return resourcesOf(module, 'aws_kms_key').find((key) => refersTo(expression, address(key)))
}

const condition = (statement: Statement, test: string, variable: string) =>
  statement.conditions.find((candidate) => candidate.test === test && candidate.variable === variable)

const everyone = (statement: Statement) => statement.principals.some((principal) => principal.type === '*' && principal.identifiers.includes('*'))

test('the modules define buckets, tables and keys to check', () => {
  assert.ok(buckets.length >= 2, 'expected the state bucket and the avatar bucket')
  assert.ok(tables.length >= 2, 'expected the users table and the lock table')
  assert.ok(keys.length >= 2, 'expected a key for the state and one for the service data')
})

describe('every S3 bucket', () => {
  for (const { module, bucket } of buckets) {
    test(`${label(module, bucket)} is encrypted with SSE-KMS, a customer-managed key and bucket keys`, () => {
      const rule = firstBlock(onlyCompanion(module, 'aws_s3_bucket_server_side_encryption_configuration', bucket).body, 'rule')
      const byDefault = firstBlock(rule, 'apply_server_side_encryption_by_default')
      assert.equal(byDefault.sse_algorithm, 'aws:kms')
      assert.ok(managedKey(module, byDefault.kms_master_key_id), `kms_master_key_id ${String(byDefault.kms_master_key_id)} is not a key of this module`)
      assert.equal(rule.bucket_key_enabled, true)
    })

    test(`${label(module, bucket)} blocks all four kinds of public access and disables ACLs`, () => {
      const block = onlyCompanion(module, 'aws_s3_bucket_public_access_block', bucket).body
      for (const setting of ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets']) assert.equal(block[setting], true, setting)
      const ownership = firstBlock(onlyCompanion(module, 'aws_s3_bucket_ownership_controls', bucket).body, 'rule')
      assert.equal(ownership.object_ownership, 'BucketOwnerEnforced')
    })

    test(`${label(module, bucket)} is versioned, aborts incomplete uploads and expires old versions`, () => {
      assert.equal(firstBlock(onlyCompanion(module, 'aws_s3_bucket_versioning', bucket).body, 'versioning_configuration').status, 'Enabled')
      const rules = nestedBlocks(onlyCompanion(module, 'aws_s3_bucket_lifecycle_configuration', bucket).body, 'rule').filter((rule) => rule.status === 'Enabled')
      assert.ok(rules.some((rule) => nestedBlocks(rule, 'abort_incomplete_multipart_upload').length === 1), 'no rule aborts incomplete multipart uploads')
      assert.ok(rules.some((rule) => nestedBlocks(rule, 'noncurrent_version_expiration').length === 1), 'no rule expires noncurrent versions')
    })

    test(`${label(module, bucket)} has a policy that denies plain HTTP and uploads with another key or encryption`, () => {
      const statements = policyStatements(module, onlyCompanion(module, 'aws_s3_bucket_policy', bucket).body.policy)
      const arn = `\${${address(bucket)}.arn}`
      const tlsOnly = statements.find((statement) => condition(statement, 'Bool', 'aws:SecureTransport')?.values.join() === 'false')
      assert.ok(tlsOnly, 'no statement on aws:SecureTransport = false')
      assert.equal(tlsOnly.effect, 'Deny')
      assert.ok(everyone(tlsOnly), 'the TLS statement must apply to every principal')
      assert.deepEqual(tlsOnly.actions, ['s3:*'])
      assert.deepEqual([...tlsOnly.resources].sort(), [arn, `${arn}/*`].sort())

      const encryptionKey = firstBlock(firstBlock(onlyCompanion(module, 'aws_s3_bucket_server_side_encryption_configuration', bucket).body, 'rule'), 'apply_server_side_encryption_by_default').kms_master_key_id
      const otherKey = statements.find((statement) => condition(statement, 'StringNotEqualsIfExists', 's3:x-amz-server-side-encryption-aws-kms-key-id'))
      assert.ok(otherKey?.effect === 'Deny' && everyone(otherKey) && otherKey.actions.includes('s3:PutObject'), 'no deny for uploads with another KMS key')
      assert.deepEqual(condition(otherKey, 'StringNotEqualsIfExists', 's3:x-amz-server-side-encryption-aws-kms-key-id')?.values, [encryptionKey])
      const otherEncryption = statements.find((statement) => condition(statement, 'StringNotEqualsIfExists', 's3:x-amz-server-side-encryption'))
      assert.ok(otherEncryption?.effect === 'Deny' && otherEncryption.actions.includes('s3:PutObject'), 'no deny for uploads with SSE-S3')
      assert.deepEqual(condition(otherEncryption, 'StringNotEqualsIfExists', 's3:x-amz-server-side-encryption')?.values, ['aws:kms'])
      assert.ok(statements.every((statement) => statement.effect === 'Deny'), 'a bucket policy here only denies; access is granted through IAM')
    })

    test(`${label(module, bucket)} uses the separate aws_s3_bucket_* resources, not deprecated inline arguments`, () => {
      const inline = ['acl', 'acceleration_status', 'cors_rule', 'grant', 'lifecycle_rule', 'logging', 'object_lock_configuration', 'policy', 'replication_configuration', 'request_payer', 'server_side_encryption_configuration', 'versioning', 'website']
      assert.deepEqual(inline.filter((argument) => argument in bucket.body), [])
    })
  }
})

describe('every DynamoDB table', () => {
  for (const { module, table } of tables) {
    test(`${label(module, table)} is on-demand, encrypted with a customer-managed key and has point-in-time recovery`, () => {
      assert.equal(table.body.billing_mode, 'PAY_PER_REQUEST')
      const encryption = firstBlock(table.body, 'server_side_encryption')
      assert.equal(encryption.enabled, true)
      assert.ok(managedKey(module, encryption.kms_key_arn), `kms_key_arn ${String(encryption.kms_key_arn)} is not a key of this module`)
      assert.equal(firstBlock(table.body, 'point_in_time_recovery').enabled, true)
    })
  }
})

describe('every KMS key', () => {
  for (const { module, key } of keys) {
    test(`${label(module, key)} rotates, has a deletion window and an alias`, () => {
      assert.equal(key.body.enable_key_rotation, true)
      assert.ok(key.body.deletion_window_in_days !== undefined, 'deletion_window_in_days is not set')
      assert.equal(resourcesOf(module, 'aws_kms_alias').filter((alias) => refersTo(alias.body.target_key_id, address(key))).length, 1)
    })

    test(`${label(module, key)} lets the account administer it but use it only through S3 and DynamoDB, and CloudWatch Logs only for the firewall log`, () => {
      const statements = policyStatements(module, key.body.policy)
      const dataActions = /^kms:(Encrypt|Decrypt|ReEncrypt|GenerateDataKey|CreateGrant)/
      for (const statement of statements.filter((candidate) => candidate.effect === 'Allow')) {
        assert.ok(!statement.actions.some((action) => action.includes('*')), `${statement.sid}: wildcard action`)
        if (!statement.actions.some((action) => dataActions.test(action))) continue
        if (statement.principals.some((principal) => principal.type === 'Service')) {
          // A service principal: CloudWatch Logs of this region, for one log group named in the encryption context.
          assert.deepEqual(statement.principals, [{ type: 'Service', identifiers: ['logs.${data.aws_region.current.region}.${data.aws_partition.current.dns_suffix}'] }], statement.sid)
          assert.deepEqual(statement.conditions, [
            { test: 'ArnEquals', variable: 'kms:EncryptionContext:aws:logs:arn', values: ['arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:log-group:aws-waf-logs-${var.name}'] },
          ], statement.sid)
          continue
        }
        const viaService = condition(statement, 'StringEquals', 'kms:ViaService')
        assert.ok(viaService, `${statement.sid} allows data use without kms:ViaService`)
        assert.ok(viaService.values.length > 0 && viaService.values.every((service) => /^(s3|dynamodb)\./.test(service)), `${statement.sid}: ${viaService.values.join()}`)
      }
      const administration = statements.find((statement) => statement.actions.includes('kms:PutKeyPolicy'))
      assert.ok(administration, 'nobody can administer the key')
      assert.ok(administration.principals.some((principal) => principal.type === 'AWS' && principal.identifiers.every((identifier) => identifier.endsWith(':root'))), 'administration must go to the account')
    })
  }
})

// Actions AWS authorises only on "*" (they have no resource type): nothing narrower exists.
const ACTIONS_WITHOUT_RESOURCES = new Set(['kms:ListAliases', 'cognito-idp:DescribeUserPoolDomain', 'logs:DescribeLogGroups', 'logs:DescribeResourcePolicies'])

describe('every IAM policy document', () => {
  const keyPolicies = new Set(keys.flatMap(({ module, key }) => (typeof key.body.policy === 'string' ? [`${module.dir}:${key.body.policy}`] : [])))
  for (const module of modules) {
    for (const document of blocksOf(module, 'data', 'aws_iam_policy_document')) {
      test(`${module.dir}: data.aws_iam_policy_document.${document.name} grants no wildcard action or resource`, () => {
        const isKeyPolicy = keyPolicies.has(`${module.dir}:\${data.aws_iam_policy_document.${document.name}.json}`)
        for (const statement of documentStatements(module, document).filter((candidate) => candidate.effect === 'Allow')) {
          assert.ok(statement.actions.length > 0, `${statement.sid}: no actions`)
          assert.deepEqual(statement.actions.filter((action) => action.includes('*')), [], `${statement.sid}: wildcard action`)
          // Resources with random ids (KMS keys, pod identity associations) that a statement limits
          // to the ones carrying its environment's tags.
          const limitedByTags = statement.conditions.some((candidate) => candidate.test === 'StringEquals' && candidate.variable.startsWith('aws:ResourceTag/'))
          for (const resource of statement.resources) {
            // In a key policy "*" is the key itself; nothing narrower exists.
            if (resource === '*' && isKeyPolicy) continue
            if (resource === '*' && statement.actions.every((action) => ACTIONS_WITHOUT_RESOURCES.has(action))) continue
            if (limitedByTags && /^arn:[^*]+\/\*$/.test(resource)) continue
            // Objects under one key prefix are the narrowest an S3 object grant can be; the streams of
            // one log group, for log delivery; one web ACL by its exact name, whose id AWS makes up.
            const narrowest = [/\}\/[a-z0-9-]+\/\*$/, /:log-group:[^*:]+:log-stream:\*$/, /:regional\/webacl\/[^*/]+\/\*$/]
            assert.ok(!resource.includes('*') || narrowest.some((pattern) => pattern.test(resource)), `${statement.sid}: wildcard resource ${resource}`)
          }
        }
      })
    }
  }
})

describe('modules/user-api access', () => {
  const module = modules.find((candidate) => candidate.dir === 'modules/user-api')!
  const servicePolicy = () => policyStatements(module, resourcesOf(module, 'aws_iam_policy')[0]?.body.policy)

  test('the service policy allows exactly the calls the service makes, on exactly its resources', () => {
    const grants = servicePolicy().flatMap((statement) => statement.actions.map((action) => `${action} on ${statement.resources.join(' ')}`))
    const table = '${aws_dynamodb_table.users.arn}'
    const bucket = '${aws_s3_bucket.avatars.arn}'
    const key = '${aws_kms_key.this.arn}'
    assert.deepEqual(grants.sort(), [
      ...['DeleteItem', 'DescribeTable', 'GetItem', 'PutItem', 'UpdateItem'].map((action) => `dynamodb:${action} on ${table}`),
      `dynamodb:Scan on ${table}/index/users-by-id`,
      ...['Decrypt', 'GenerateDataKey'].map((action) => `kms:${action} on ${key}`),
      ...['DeleteObject', 'GetObject', 'PutObject'].map((action) => `s3:${action} on ${bucket}/avatars/*`),
      `s3:ListBucket on ${bucket}`,
    ].sort())
    assert.ok(servicePolicy().every((statement) => statement.effect === 'Allow'))
  })

  test('listing is limited to the avatar prefix and the key to S3 and DynamoDB', () => {
    const list = servicePolicy().find((statement) => statement.actions.includes('s3:ListBucket'))!
    assert.deepEqual(condition(list, 'StringLikeIfExists', 's3:prefix')?.values, ['avatars/*'])
    const kms = servicePolicy().find((statement) => statement.actions.includes('kms:Decrypt'))!
    assert.deepEqual(condition(kms, 'StringEquals', 'kms:ViaService')?.values.map((service) => service.split('.')[0]), ['s3', 'dynamodb'])
  })

  test('IRSA trusts only the pinned namespace and service account of one OIDC provider', () => {
    const [trust] = policyStatements(module, '${data.aws_iam_policy_document.irsa_trust[0].json}')
    assert.ok(trust)
    assert.deepEqual(trust.actions, ['sts:AssumeRoleWithWebIdentity'])
    assert.deepEqual(trust.principals, [{ type: 'Federated', identifiers: ['${var.eks_oidc_provider_arn}'] }])
    // The condition keys are "<issuer of that provider>:sub" and ":aud".
    const issuerCondition = (suffix: string) => trust.conditions.find((candidate) => candidate.test === 'StringEquals' && candidate.variable.endsWith(suffix) && candidate.variable.includes('var.eks_oidc_provider_arn'))
    assert.deepEqual(issuerCondition(':sub')?.values, ['system:serviceaccount:${var.kubernetes_namespace}:${var.kubernetes_service_account}'])
    assert.deepEqual(issuerCondition(':aud')?.values, ['sts.amazonaws.com'])
  })

  test('EKS Pod Identity trusts only the pinned cluster, namespace and service account', () => {
    const [trust] = policyStatements(module, '${data.aws_iam_policy_document.pod_identity_trust[0].json}')
    assert.ok(trust)
    assert.deepEqual(trust.principals, [{ type: 'Service', identifiers: ['pods.eks.amazonaws.com'] }])
    assert.deepEqual(condition(trust, 'StringEquals', 'aws:RequestTag/kubernetes-namespace')?.values, ['${var.kubernetes_namespace}'])
    assert.deepEqual(condition(trust, 'StringEquals', 'aws:RequestTag/kubernetes-service-account')?.values, ['${var.kubernetes_service_account}'])
    assert.deepEqual(condition(trust, 'StringEquals', 'aws:RequestTag/eks-cluster-name')?.values, ['${var.eks_cluster_name}'])
    const [association] = resourcesOf(module, 'aws_eks_pod_identity_association')
    assert.equal(association?.body.namespace, '${var.kubernetes_namespace}')
    assert.equal(association.body.service_account, '${var.kubernetes_service_account}')
  })

  test('the role exists only for irsa and pod_identity, and its trust policy follows the choice', () => {
    const [role] = resourcesOf(module, 'aws_iam_role')
    assert.equal(role?.body.count, '${var.workload_identity == "none" ? 0 : 1}')
    assert.match(String(role.body.assume_role_policy), /var\.workload_identity == "irsa" \? data\.aws_iam_policy_document\.irsa_trust\[0\]\.json : data\.aws_iam_policy_document\.pod_identity_trust\[0\]\.json/)
    const [attachment] = resourcesOf(module, 'aws_iam_role_policy_attachment')
    assert.ok(refersTo(attachment?.body.policy_arn, 'aws_iam_policy.service'))
  })

  test('the role allows the longest session the service asks for, so presigned URLs keep their lifetime', () => {
    const [role] = resourcesOf(module, 'aws_iam_role')
    assert.equal(role?.body.max_session_duration, MAX_SESSION_SECONDS)
    assert.equal(webIdentitySessionSeconds(7 * 86_400), MAX_SESSION_SECONDS, 'the service never asks for more')
  })

  test('no resource would put a credential into the Terraform state', () => {
    const secretBearing = ['aws_iam_access_key', 'aws_iam_user_login_profile', 'aws_iam_user', 'aws_secretsmanager_secret_version', 'aws_ssm_parameter']
    const found = modules.flatMap((candidate) => candidate.blocks.filter((block) => block.kind === 'resource' && secretBearing.includes(block.type)).map((block) => label(candidate, block)))
    assert.deepEqual(found, [])
  })

  test('the users table is protected from deletion unless a throw-away environment turns it off', () => {
    const [table] = resourcesOf(module, 'aws_dynamodb_table')
    assert.equal(table?.body.deletion_protection_enabled, '${var.deletion_protection}')
    assert.equal(blocksOf(module, 'variable').find((variable) => variable.name === 'deletion_protection')?.body.default, true)
    assert.equal(table.body.tags, '${var.tags}')
    for (const environment of ['release', 'prod']) {
      const call = blocksOf(modules.find((candidate) => candidate.dir === `environments/${environment}`)!, 'module')[0]
      assert.notEqual(call?.body.deletion_protection, false, `${environment} turns deletion protection off`)
    }
  })

  test('browsers may upload and download only from the configured origins', () => {
    const [cors] = resourcesOf(module, 'aws_s3_bucket_cors_configuration')
    const rule = firstBlock(cors!.body, 'cors_rule')
    assert.deepEqual(rule.allowed_methods, ['GET', 'POST', 'PUT'])
    assert.equal(rule.allowed_origins, '${var.cors_allowed_origins}')
  })
})

describe('bootstrap', () => {
  const module = modules.find((candidate) => candidate.dir === 'bootstrap')!

  test('the state bucket and its key cannot be destroyed by an accidental apply', () => {
    for (const type of ['aws_s3_bucket', 'aws_kms_key']) {
      const [resource] = resourcesOf(module, type)
      assert.equal(firstBlock(resource!.body, 'lifecycle').prevent_destroy, true, `${type} lacks prevent_destroy`)
    }
  })

  test('the legacy lock table has the LockID key older Terraform expects', () => {
    const [table] = resourcesOf(module, 'aws_dynamodb_table')
    assert.equal(table?.body.hash_key, 'LockID')
    assert.deepEqual(nestedBlocks(table.body, 'attribute'), [{ name: 'LockID', type: 'S' }])
    assert.equal(table.body.count, '${var.create_legacy_lock_table ? 1 : 0}')
  })
})
