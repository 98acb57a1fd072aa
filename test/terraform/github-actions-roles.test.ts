// The roles GitHub Actions assumes (terraform/modules/github-actions-roles, created by bootstrap):
// the prod plan role cannot be assumed by a pull request, the deploy role only by the environment's
// gated job, and no plan role reads data. Policies are checked over the parsed HCL; the bootstrap's
// refusal of pull-request plans for prod is checked by the real terraform evaluating its variables.
import assert from 'node:assert/strict'
import { copyFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { SYSTEM_TOOLS, skipUnlessInstalled } from '../support/system-tools.js'
import { runCommand } from '../workflows/workflows.js'
import { blocksOf, loadModules, policyStatements, resourcesOf, type Statement } from './support/terraform-config.js'

const modules = await loadModules()
const roles = modules.find((module) => module.dir === 'modules/github-actions-roles')!
const bootstrap = modules.find((module) => module.dir === 'bootstrap')!
const locals = Object.assign({}, ...blocksOf(roles, 'locals').map((block) => block.body)) as Record<string, unknown>
const issuerCondition = (statement: Statement, claim: string) =>
  statement.conditions.filter((condition) => condition.variable === `token.actions.githubusercontent.com:${claim}`)

function onlyTrustStatement(document: string): Statement {
  const statements = policyStatements(roles, `\${data.aws_iam_policy_document.${document}.json}`)
  assert.equal(statements.length, 1, `${document} has one statement`)
  const [statement] = statements
  assert.equal(statement!.effect, 'Allow')
  assert.deepEqual(statement!.actions, ['sts:AssumeRoleWithWebIdentity'])
  assert.deepEqual(statement!.principals, [{ type: 'Federated', identifiers: ['${var.github_oidc_provider_arn}'] }])
  assert.deepEqual(issuerCondition(statement!, 'aud'), [{ test: 'StringEquals', variable: 'token.actions.githubusercontent.com:aud', values: ['sts.amazonaws.com'] }])
  return statement!
}

describe('trust', () => {
  test('the plan role trusts runs on its branch, and pull requests only where pull_request_plans allows', () => {
    const [subject, ...others] = issuerCondition(onlyTrustStatement('plan_trust'), 'sub')
    assert.deepEqual(others, [], 'one condition on the subject')
    // Exact matches only: StringLike with a wildcard would let other refs or environments in.
    assert.equal(subject?.test, 'StringEquals')
    // (the helper expands a whole-list local into its expression)
    assert.deepEqual(subject.values, [locals.plan_subjects])
    assert.equal(locals.branch_subject, 'repo:${var.github_repository}:ref:refs/heads/${var.branch}')
    assert.equal(locals.pull_request_subject, 'repo:${var.github_repository}:pull_request')
    assert.equal(locals.plan_subjects, '${var.pull_request_plans ? [local.branch_subject, local.pull_request_subject] : [local.branch_subject]}')
    assert.equal(blocksOf(roles, 'variable').find((variable) => variable.name === 'pull_request_plans')?.body.default, false, 'pull requests are opt-in')
  })

  test('the deploy role trusts only jobs in the GitHub Environment of its name', () => {
    const [subject, ...others] = issuerCondition(onlyTrustStatement('deploy_trust'), 'sub')
    assert.deepEqual(others, [])
    assert.equal(subject?.test, 'StringEquals')
    assert.deepEqual(subject.values, ['repo:${var.github_repository}:environment:${var.environment}'])
  })

  test('each role uses its own trust document', () => {
    const role = (name: string) => resourcesOf(roles, 'aws_iam_role').find((block) => block.name === name)?.body
    assert.equal(role('plan')?.assume_role_policy, '${data.aws_iam_policy_document.plan_trust.json}')
    assert.equal(role('deploy')?.assume_role_policy, '${data.aws_iam_policy_document.deploy_trust.json}')
  })

  test('the bootstrap creates the roles for every environment it deploys, with its branch and pull-request choice', () => {
    const [call] = blocksOf(bootstrap, 'module').filter((block) => block.name === 'github_actions_roles')
    assert.equal(call?.body.source, '../modules/github-actions-roles')
    assert.equal(call.body.for_each, '${var.github_environments}')
    assert.equal(call.body.environment, '${each.key}')
    assert.equal(call.body.branch, '${each.value.branch}')
    assert.equal(call.body.pull_request_plans, '${each.value.pull_request_plans}')
  })
})

describe('the plan role reads configuration and state, never data', () => {
  const statements = policyStatements(roles, '${data.aws_iam_policy_document.plan.json}')
  const stateObject = '${var.state_bucket_arn}/${var.state_key}'

  test('only reads: Describe, Get, List, and the state\'s Decrypt (below)', () => {
    const actions = statements.flatMap((statement) => statement.actions)
    assert.ok(actions.length > 10)
    assert.deepEqual(actions.filter((action) => !/^[a-z0-9-]+:(Describe|Get|List)[A-Za-z]*$/.test(action) && action !== 'kms:Decrypt'), [])
    assert.ok(statements.every((statement) => statement.effect === 'Allow'))
  })

  test('no read of items, objects or encrypted data except the state object through S3', () => {
    const dataReads = /^(s3:GetObject|s3:GetObjectVersion|s3:ListBucketVersions|dynamodb:(GetItem|BatchGetItem|Query|Scan|GetRecords|GetShardIterator|DescribeExport|ExportTableToPointInTime)|kms:(Decrypt|GenerateDataKey|ReEncrypt)|secretsmanager:GetSecretValue|ssm:GetParameter)/
    const grants = statements.filter((statement) => statement.actions.some((action) => dataReads.test(action)))
    assert.deepEqual(
      grants.map((statement) => ({ actions: statement.actions, resources: statement.resources })),
      [
        { actions: ['s3:GetObject'], resources: [stateObject] },
        { actions: ['kms:Decrypt'], resources: ['${var.state_kms_key_arn}'] },
      ],
    )
    const decrypt = grants[1]!
    assert.deepEqual(decrypt.conditions, [{ test: 'StringEquals', variable: 'kms:ViaService', values: ['s3.${var.state_region}.${data.aws_partition.current.dns_suffix}'] }])
  })

  test('listing the state bucket is limited to the environment\'s folder and the workspaces', () => {
    const list = statements.find((statement) => statement.actions.includes('s3:ListBucket') && statement.resources.includes('${var.state_bucket_arn}'))
    assert.deepEqual(list?.conditions, [{ test: 'StringLike', variable: 's3:prefix', values: ['${dirname(var.state_key)}/*', 'env:/*'] }])
  })

  test('the plan role has the plan policy and nothing else (no ReadOnlyAccess)', () => {
    const attachments = resourcesOf(roles, 'aws_iam_role_policy_attachment').filter((attachment) => attachment.body.role === '${aws_iam_role.plan.name}')
    assert.deepEqual(attachments.map((attachment) => attachment.body.policy_arn), ['${aws_iam_policy.plan.arn}'])
    assert.equal(resourcesOf(roles, 'aws_iam_policy').find((policy) => policy.name === 'plan')?.body.policy, '${data.aws_iam_policy_document.plan.json}')
  })
})

describe('the deploy role', () => {
  test('writes only its environment\'s state object and lock object', () => {
    const statements = policyStatements(roles, '${data.aws_iam_policy_document.deploy_state.json}')
    const writes = statements.filter((statement) => statement.actions.some((action) => /^s3:(Put|Delete)Object$/.test(action)))
    const stateObject = '${var.state_bucket_arn}/${var.state_key}'
    assert.deepEqual(writes.flatMap((statement) => statement.resources).sort(), [stateObject, `${stateObject}.tflock`].sort())
  })
})

describe('bootstrap variables, evaluated by terraform', { skip: skipUnlessInstalled(SYSTEM_TOOLS.terraform) }, () => {
  // The bootstrap's variables.tf alone: validations need no provider, so terraform evaluates them
  // offline.
  async function planVariables(environments: string, repository = 'example/user-api'): Promise<{ exitCode: number; output: string }> {
    const root = await mkdtemp(join(tmpdir(), 'bootstrap-variables-'))
    try {
      await copyFile('terraform/bootstrap/variables.tf', join(root, 'variables.tf'))
      const env = { CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' }
      const init = await runCommand('terraform', [`-chdir=${root}`, 'init', '-input=false', '-no-color'], { env })
      assert.equal(init.exitCode, 0, init.stderr)
      const plan = await runCommand(
        'terraform',
        [`-chdir=${root}`, 'plan', '-input=false', '-no-color', '-var', 'aws_region=eu-west-1', '-var', `github_repository=${repository}`, '-var', `github_environments=${environments}`],
        { env },
      )
      return { exitCode: plan.exitCode, output: plan.stdout + plan.stderr }
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  }
  const environment = (name: string, branch: string, pullRequestPlans: boolean) =>
    `${name} = { branch = "${branch}", aws_region = "eu-west-1", eks_cluster_name = "cluster", deploy_policy_arns = [], pull_request_plans = ${String(pullRequestPlans)} }`

  test('refuses pull-request plans for prod', async () => {
    const { exitCode, output } = await planVariables(`{ ${environment('prod', 'main', true)} }`)
    assert.equal(exitCode, 1)
    assert.match(output, /prod cannot allow pull_request_plans/)
  })

  test('accepts them for dev and release, and prod without them', async () => {
    const { exitCode, output } = await planVariables(`{ ${environment('dev', 'dev', true)}, ${environment('release', 'release', true)}, ${environment('prod', 'main', false)} }`)
    assert.equal(exitCode, 0, output)
  })
})
