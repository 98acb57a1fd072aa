// The edge firewall and the cost cap of modules/user-api: the WAFv2 web ACL (optional, on in prod)
// with its per-IP rate limit, AWS's managed rules, its log with credentials redacted, and its ARN
// handed to the chart; the DynamoDB on-demand throughput cap with a default per environment, and the
// alarm when throttling starts; the plan role can read all of it. Checked over the parsed HCL, and
// the variables' validations by the real terraform.
import assert from 'node:assert/strict'
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { API_KEY_HEADER } from '../../src/auth/authentication.js'
import { SYSTEM_TOOLS, skipUnlessInstalled } from '../support/system-tools.js'
import { runCommand } from '../workflows/workflows.js'
import { blocksOf, firstBlock, isRecord, loadModule, nestedBlocks, policyStatements, resourcesOf, type Body } from './support/terraform-config.js'

const module = await loadModule('modules/user-api')
const environments = ['dev', 'release', 'prod'] as const
const calls = Object.fromEntries(await Promise.all(environments.map(async (name) => [name, blocksOf(await loadModule(`environments/${name}`), 'module')[0]!.body] as const)))
const variableDefault = (name: string) => blocksOf(module, 'variable').find((variable) => variable.name === name)?.body.default
const only = (type: string): Body => {
  const [resource, ...others] = resourcesOf(module, type)
  assert.ok(resource && others.length === 0, `expected one ${type}`)
  return resource.body
}

describe('the WAFv2 web ACL', () => {
  const acl = only('aws_wafv2_web_acl')
  const rules = nestedBlocks(acl, 'rule')
  const rule = (name: string) => {
    const found = rules.find((candidate) => candidate.name === name)
    assert.ok(found, `no rule ${name}`)
    return found
  }

  test('exists, with its log, only with waf_enabled: off by default, on in prod', () => {
    for (const type of ['aws_wafv2_web_acl', 'aws_wafv2_web_acl_logging_configuration', 'aws_cloudwatch_log_group', 'aws_cloudwatch_log_resource_policy']) {
      assert.equal(only(type).count, '${var.waf_enabled ? 1 : 0}', type)
    }
    assert.equal(variableDefault('waf_enabled'), false)
    assert.deepEqual(Object.fromEntries(environments.map((name) => [name, calls[name]?.waf_enabled])), { dev: false, release: false, prod: true })
  })

  test('is regional (for an ALB) and lets through what no rule blocks', () => {
    assert.equal(acl.scope, 'REGIONAL')
    assert.ok('allow' in firstBlock(acl, 'default_action'))
    assert.deepEqual(rules.map((candidate) => [candidate.priority, candidate.name]), [
      [0, 'requests-per-client-ip'],
      [1, 'aws-managed-common'],
      [2, 'aws-managed-known-bad-inputs'],
    ])
  })

  test('limits requests per client IP over the configured window, answering 429 problem details with Retry-After', () => {
    const limit = firstBlock(firstBlock(rule('requests-per-client-ip'), 'statement'), 'rate_based_statement')
    assert.deepEqual(limit, { limit: '${var.waf_rate_limit_per_ip}', evaluation_window_sec: '${var.waf_rate_limit_window_seconds}', aggregate_key_type: 'IP' })
    const response = firstBlock(firstBlock(firstBlock(rule('requests-per-client-ip'), 'action'), 'block'), 'custom_response')
    assert.equal(response.response_code, 429)
    assert.deepEqual(nestedBlocks(response, 'response_header'), [{ name: 'Retry-After', value: '${tostring(var.waf_rate_limit_window_seconds)}' }])
    const body = nestedBlocks(acl, 'custom_response_body').find((candidate) => candidate.key === response.custom_response_body_key)
    assert.ok(body, 'the 429 names a body the web ACL defines')
    assert.equal(body.content_type, 'APPLICATION_JSON')
    assert.match(String(body.content), /title *= *"Too Many Requests"[\s\S]*status *= *429/)
    assert.ok(Number(variableDefault('waf_rate_limit_per_ip')) >= 1000, 'a default a normal client behind one address never meets')
  })

  test('runs the AWS managed common and known-bad-inputs rule groups, blocking; only requests without a User-Agent are merely counted', () => {
    for (const [name, group] of [['aws-managed-common', 'AWSManagedRulesCommonRuleSet'], ['aws-managed-known-bad-inputs', 'AWSManagedRulesKnownBadInputsRuleSet']] as const) {
      const statement = firstBlock(firstBlock(rule(name), 'statement'), 'managed_rule_group_statement')
      assert.equal(statement.vendor_name, 'AWS')
      assert.equal(statement.name, group)
      assert.ok('none' in firstBlock(rule(name), 'override_action'), `${name}: its rules' own actions apply (not count)`)
    }
    const overrides = nestedBlocks(firstBlock(firstBlock(rule('aws-managed-common'), 'statement'), 'managed_rule_group_statement'), 'rule_action_override')
    assert.deepEqual(overrides.map((override) => [override.name, Object.keys(firstBlock(override, 'action_to_use'))]), [['NoUserAgent_HEADER', ['count']]])
    assert.equal(nestedBlocks(firstBlock(firstBlock(rule('aws-managed-known-bad-inputs'), 'statement'), 'managed_rule_group_statement'), 'rule_action_override').length, 0)
  })

  test('reports metrics and samples for the web ACL and every rule', () => {
    for (const visibility of [firstBlock(acl, 'visibility_config'), ...rules.map((candidate) => firstBlock(candidate, 'visibility_config'))]) {
      assert.equal(visibility.cloudwatch_metrics_enabled, true)
      assert.equal(visibility.sampled_requests_enabled, true)
    }
  })

  test('logs to an aws-waf-logs-* group with a retention, encrypted with the module key, credentials redacted', () => {
    const group = only('aws_cloudwatch_log_group')
    assert.equal(group.name, '${local.waf_log_group_name}')
    const locals = Object.assign({}, ...blocksOf(module, 'locals').map((block) => block.body)) as Body
    assert.match(String(locals.waf_log_group_name), /^aws-waf-logs-/, 'WAF delivers only into log groups named aws-waf-logs-*')
    assert.equal(group.retention_in_days, '${var.waf_log_retention_days}')
    assert.ok(Number(variableDefault('waf_log_retention_days')) > 0)
    assert.equal(group.kms_key_id, '${aws_kms_key.this.arn}')

    const logging = only('aws_wafv2_web_acl_logging_configuration')
    assert.equal(logging.resource_arn, '${aws_wafv2_web_acl.this[0].arn}')
    assert.deepEqual(logging.log_destination_configs, ['${aws_cloudwatch_log_group.waf[0].arn}'])
    const redacted = nestedBlocks(logging, 'redacted_fields').flatMap((field) => nestedBlocks(field, 'single_header').map((header) => String(header.name)))
    // The service's two credential headers (src/auth/authentication.ts).
    assert.deepEqual(redacted.sort(), [API_KEY_HEADER, 'authorization'].sort())
  })

  test('lets only CloudWatch Logs delivery of this account write, into the firewall log group only', () => {
    const [statement, ...others] = policyStatements(module, only('aws_cloudwatch_log_resource_policy').policy_document)
    assert.ok(statement && others.length === 0)
    assert.deepEqual(statement.principals, [{ type: 'Service', identifiers: ['delivery.logs.amazonaws.com'] }])
    assert.deepEqual(statement.actions.sort(), ['logs:CreateLogStream', 'logs:PutLogEvents'])
    assert.deepEqual(statement.resources, ['arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:log-group:aws-waf-logs-${var.name}:log-stream:*'])
    assert.deepEqual(
      statement.conditions.find((condition) => condition.variable === 'aws:SourceAccount'),
      { test: 'StringEquals', variable: 'aws:SourceAccount', values: ['${data.aws_caller_identity.current.account_id}'] },
    )
  })

  test('goes to the chart as ingress.wafv2AclArn, empty without the WAF', async () => {
    const helmValues = blocksOf(module, 'output').find((output) => output.name === 'helm_values')?.body.value
    assert.ok(isRecord(helmValues) && isRecord(helmValues.ingress))
    assert.deepEqual(helmValues.ingress, { wafv2AclArn: '${var.waf_enabled ? aws_wafv2_web_acl.this[0].arn : ""}' })
    // What the environments hand to Argo CD has the same shape (prod with a web ACL).
    for (const name of environments) {
      const outputs = JSON.parse(await readFile(`deploy/environments/${name}/terraform-outputs.json`, 'utf8')) as { ingress?: { wafv2AclArn?: string } }
      if (name === 'prod') assert.match(outputs.ingress?.wafv2AclArn ?? '', /^arn:aws:wafv2:[a-z0-9-]+:\d{12}:regional\/webacl\/user-api-prod-api\/[a-f0-9-]+$/)
      else assert.equal(outputs.ingress?.wafv2AclArn, '', name)
    }
  })
})

describe('the DynamoDB on-demand throughput cap', () => {
  const table = only('aws_dynamodb_table')

  test('caps the reads and writes of the table and of its index', () => {
    const cap = { max_read_request_units: '${var.dynamodb_max_read_request_units}', max_write_request_units: '${var.dynamodb_max_write_request_units}' }
    assert.deepEqual(nestedBlocks(table, 'on_demand_throughput'), [cap])
    for (const index of nestedBlocks(table, 'global_secondary_index')) assert.deepEqual(nestedBlocks(index, 'on_demand_throughput'), [cap], String(index.name))
  })

  test('has a finite default, and each environment sets its own: dev smallest, prod largest', () => {
    const defaults = [variableDefault('dynamodb_max_read_request_units'), variableDefault('dynamodb_max_write_request_units')]
    for (const value of defaults) assert.ok(typeof value === 'number' && value >= 1 && value <= 40_000)
    const caps = environments.map((name) => [Number(calls[name]?.dynamodb_max_read_request_units), Number(calls[name]?.dynamodb_max_write_request_units)])
    for (const [index, [reads, writes]] of caps.entries()) assert.ok(reads! >= 1 && writes! >= 1, `${environments[index]} sets no cap`)
    assert.ok(caps[0]![0]! <= caps[1]![0]! && caps[1]![0]! <= caps[2]![0]!, `reads: ${JSON.stringify(caps)}`)
    assert.ok(caps[0]![1]! <= caps[1]![1]! && caps[1]![1]! <= caps[2]![1]!, `writes: ${JSON.stringify(caps)}`)
  })

  test('raises an alarm at the first throttled read or write of the table or its index', () => {
    const alarm = only('aws_cloudwatch_metric_alarm')
    assert.deepEqual([alarm.comparison_operator, alarm.threshold, alarm.evaluation_periods, alarm.treat_missing_data], ['GreaterThanThreshold', 0, 1, 'notBreaching'])
    assert.equal(alarm.alarm_actions, '${var.alarm_actions}')
    const queries = nestedBlocks(alarm, 'metric_query')
    const [total, ...metrics] = queries
    assert.deepEqual([total?.expression, total?.return_data], ['SUM(METRICS())', true])
    const watched = metrics.map((query) => {
      const metric = firstBlock(query, 'metric')
      assert.deepEqual([metric.namespace, metric.stat, metric.period], ['AWS/DynamoDB', 'Sum', 60])
      return `${String(metric.metric_name)} ${JSON.stringify(metric.dimensions)}`
    })
    const tableDimension = '"TableName":"${aws_dynamodb_table.users.name}"'
    assert.deepEqual(watched.sort(), [
      `ReadThrottleEvents {"GlobalSecondaryIndexName":"users-by-id",${tableDimension}}`,
      `ReadThrottleEvents {${tableDimension}}`,
      `WriteThrottleEvents {"GlobalSecondaryIndexName":"users-by-id",${tableDimension}}`,
      `WriteThrottleEvents {${tableDimension}}`,
    ])
    assert.deepEqual(nestedBlocks(table, 'global_secondary_index').map((index) => index.name), ['users-by-id'], 'the alarm watches every index')
  })
})

test('the plan role of each environment can read the web ACL, its log group and policy, and the alarm', async () => {
  const roles = await loadModule('modules/github-actions-roles')
  const statements = policyStatements(roles, '${data.aws_iam_policy_document.plan.json}')
  const grants = (action: string) => statements.filter((statement) => statement.actions.includes(action)).flatMap((statement) => statement.resources)
  const name = '${var.name_prefix}-${var.environment}'
  for (const action of ['wafv2:GetWebACL', 'wafv2:GetLoggingConfiguration', 'wafv2:ListTagsForResource']) {
    assert.deepEqual(grants(action), [`arn:\${data.aws_partition.current.partition}:wafv2:\${var.aws_region}:\${data.aws_caller_identity.current.account_id}:regional/webacl/${name}-api/*`], action)
  }
  assert.deepEqual(grants('logs:ListTagsForResource'), [`arn:\${data.aws_partition.current.partition}:logs:\${var.aws_region}:\${data.aws_caller_identity.current.account_id}:log-group:aws-waf-logs-${name}`])
  for (const action of ['logs:DescribeLogGroups', 'logs:DescribeResourcePolicies']) assert.deepEqual(grants(action), ['*'], action)
  for (const action of ['cloudwatch:DescribeAlarms', 'cloudwatch:ListTagsForResource']) {
    assert.deepEqual(grants(action), [`arn:\${data.aws_partition.current.partition}:cloudwatch:\${var.aws_region}:\${data.aws_caller_identity.current.account_id}:alarm:${name}-dynamodb-throttled`], action)
  }
})

describe('the variables, evaluated by terraform', { skip: skipUnlessInstalled(SYSTEM_TOOLS.terraform) }, () => {
  // The module's variables.tf alone as a root: validations need no provider, so terraform evaluates
  // them offline.
  async function planVariables(values: Record<string, string>): Promise<{ exitCode: number; output: string }> {
    const root = await mkdtemp(join(tmpdir(), 'user-api-variables-'))
    try {
      await copyFile('terraform/modules/user-api/variables.tf', join(root, 'variables.tf'))
      const env = { CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' }
      const init = await runCommand('terraform', [`-chdir=${root}`, 'init', '-input=false', '-no-color'], { env })
      assert.equal(init.exitCode, 0, init.stderr)
      const assignments = Object.entries({ name: 'user-api-test', workload_identity: 'none', ...values }).flatMap(([key, value]) => ['-var', `${key}=${value}`])
      const plan = await runCommand('terraform', [`-chdir=${root}`, 'plan', '-input=false', '-no-color', ...assignments], { env })
      return { exitCode: plan.exitCode, output: plan.stdout + plan.stderr }
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  }

  test('accept the defaults and the environments\' settings', async () => {
    const { exitCode, output } = await planVariables({ waf_enabled: 'true', dynamodb_max_read_request_units: '4000', dynamodb_max_write_request_units: '1000' })
    assert.equal(exitCode, 0, output)
  })

  const refused: [string, Record<string, string>, RegExp][] = [
    ['no throughput at all', { dynamodb_max_write_request_units: '0' }, /dynamodb_max_write_request_units must be a whole number of at least 1/],
    ['a fractional read cap', { dynamodb_max_read_request_units: '1.5' }, /dynamodb_max_read_request_units must be a whole number of at least 1/],
    ['a WAF window WAF does not offer', { waf_rate_limit_window_seconds: '30' }, /waf_rate_limit_window_seconds must be 60, 120, 300 or 600/],
    ['a per-IP limit below WAF\'s minimum', { waf_rate_limit_per_ip: '5' }, /waf_rate_limit_per_ip must be between 10/],
    ['a log retention CloudWatch does not offer', { waf_log_retention_days: '10' }, /waf_log_retention_days must be a retention CloudWatch Logs offers/],
  ]
  for (const [title, values, message] of refused) {
    test(`refuse ${title}`, async () => {
      const { exitCode, output } = await planVariables(values)
      assert.equal(exitCode, 1, output)
      assert.match(output.replace(/\s*│\s*/g, ' '), message)
    })
  }
})
