// The optional Amazon Cognito issuer of access tokens: off by default, exactly the scopes the service
// checks (src/auth/caller.ts), a machine client limited to client credentials, the protections on in
// prod, and its issuer, audience and scope prefix handed to the chart like the other outputs.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { ALL_SCOPES } from '../../src/auth/caller.js'
import { blocksOf, firstBlock, isRecord, loadModule, nestedBlocks, policyStatements, resolveLocals, resourcesOf } from './support/terraform-config.js'

const module = await loadModule('modules/user-api')
const only = (type: string) => {
  const [resource, ...others] = resourcesOf(module, type)
  assert.ok(resource && others.length === 0, `expected one ${type}`)
  return resource
}
const variableDefault = (name: string) => blocksOf(module, 'variable').find((variable) => variable.name === name)?.body.default

const client = (name: string) => {
  const found = resourcesOf(module, 'aws_cognito_user_pool_client').find((resource) => resource.name === name)
  assert.ok(found, `no aws_cognito_user_pool_client.${name}`)
  return found.body
}

test('every Cognito resource exists only with cognito_user_pool, which is off by default', () => {
  const cognito = module.blocks.filter((block) => block.kind === 'resource' && block.type.startsWith('aws_cognito_'))
  assert.deepEqual(cognito.map((block) => `${block.type}.${block.name}`).sort(), [
    'aws_cognito_resource_server.this',
    'aws_cognito_user_pool.this',
    'aws_cognito_user_pool_client.machine',
    'aws_cognito_user_pool_client.web_page',
    'aws_cognito_user_pool_domain.this',
  ])
  for (const resource of cognito) {
    const expected = resource.name === 'web_page' ? '${var.cognito_user_pool && length(var.web_page_urls) > 0 ? 1 : 0}' : '${var.cognito_user_pool ? 1 : 0}'
    assert.equal(resource.body.count, expected, `${resource.type}.${resource.name}`)
  }
  assert.equal(variableDefault('cognito_user_pool'), false)
  assert.equal(variableDefault('cognito_threat_protection'), false)
})

test('the resource server defines exactly the scopes the service checks, and the prefix handed over is its identifier', () => {
  const server = only('aws_cognito_resource_server')
  assert.deepEqual(nestedBlocks(server.body, 'scope').map((scope) => scope.scope_name).sort(), [...ALL_SCOPES].sort())
  const identifier = resolveLocals(module, String(server.body.identifier))
  assert.equal(identifier, 'user-api')
  const prefix = blocksOf(module, 'locals').find((block) => 'oidc_scope_prefix' in block.body)?.body.oidc_scope_prefix
  assert.equal(resolveLocals(module, String(prefix)), `\${var.cognito_user_pool ? "${identifier}/" : var.oidc_scope_prefix}`)
})

test('the machine client gets tokens with client credentials only, has a secret and the resource server scopes', () => {
  const machine = client('machine')
  assert.deepEqual(machine.allowed_oauth_flows, ['client_credentials'])
  assert.equal(machine.allowed_oauth_flows_user_pool_client, true)
  assert.equal(machine.generate_secret, true)
  assert.equal(machine.allowed_oauth_scopes, '${aws_cognito_resource_server.this[0].scope_identifiers}')
  assert.deepEqual(machine.explicit_auth_flows, ['ALLOW_REFRESH_TOKEN_AUTH'], 'no password or SRP sign-in for a machine client')
  assert.equal(machine.prevent_user_existence_errors, 'ENABLED')
})

test('the web page client is public, signs in with Authorization Code only, back to the page only, and is an audience', () => {
  const page = client('web_page')
  assert.equal(page.generate_secret, false, 'a browser cannot keep a secret')
  assert.deepEqual(page.allowed_oauth_flows, ['code'])
  assert.equal(page.callback_urls, '${var.web_page_urls}')
  assert.equal(page.allowed_oauth_scopes, '${aws_cognito_resource_server.this[0].scope_identifiers}')
  assert.deepEqual(page.explicit_auth_flows, ['ALLOW_REFRESH_TOKEN_AUTH'])
  const locals = blocksOf(module, 'locals').find((block) => 'oidc_audience' in block.body)?.body
  assert.match(String(locals?.oidc_audience), /aws_cognito_user_pool_client\.web_page\[\*\]\.id/, 'its tokens name it in client_id')
})

test('the pool: no self sign-up, deletion protection and threat protection from their variables', () => {
  const pool = only('aws_cognito_user_pool').body
  assert.equal(firstBlock(pool, 'admin_create_user_config').allow_admin_create_user_only, true)
  assert.equal(pool.deletion_protection, '${var.deletion_protection ? "ACTIVE" : "INACTIVE"}')
  assert.equal(pool.user_pool_tier, '${var.cognito_threat_protection ? "PLUS" : "ESSENTIALS"}', 'threat protection needs the Plus plan')
  const addOns = (pool.dynamic as Record<string, { for_each: string; content: { advanced_security_mode: string }[] }[]>).user_pool_add_ons?.[0]
  assert.equal(addOns?.for_each, '${var.cognito_threat_protection ? [1] : []}')
  assert.equal(addOns.content[0]?.advanced_security_mode, 'ENFORCED')
})

test('prod turns threat protection on and keeps deletion protection; the other environments leave it off', async () => {
  for (const name of ['dev', 'release', 'prod']) {
    const [call] = blocksOf(await loadModule(`environments/${name}`), 'module')
    assert.ok(call)
    assert.equal(call.body.cognito_user_pool, '${var.cognito_user_pool}')
    assert.equal(call.body.cognito_threat_protection, name === 'prod' ? true : undefined, name)
    if (name === 'prod') assert.equal(call.body.deletion_protection, true)
  }
})

test('helm_values hands issuer, audience and scope prefix to the chart values auth.oidc.*', async () => {
  const helmValues = blocksOf(module, 'output').find((output) => output.name === 'helm_values')?.body.value
  assert.ok(isRecord(helmValues) && isRecord(helmValues.auth) && isRecord(helmValues.auth.oidc))
  const schema = JSON.parse(await readFile('charts/user-api/values.schema.json', 'utf8')) as {
    properties: { auth: { properties: { oidc: { properties: Record<string, unknown> } } } }
  }
  const chartKeys = Object.keys(schema.properties.auth.properties.oidc.properties)
  for (const key of Object.keys(helmValues.auth.oidc)) assert.ok(chartKeys.includes(key), `auth.oidc.${key} is not a chart value`)
  assert.deepEqual(Object.keys(helmValues.auth.oidc).sort(), ['audience', 'issuer', 'scopePrefix'])
})

test('helm_values hands the bucket\'s CORS origins to the API (cors.allowedOrigins) and the page\'s client to webPage.oidcClientId', () => {
  const helmValues = blocksOf(module, 'output').find((output) => output.name === 'helm_values')?.body.value
  assert.ok(isRecord(helmValues) && isRecord(helmValues.cors) && isRecord(helmValues.webPage))
  assert.equal(helmValues.cors.allowedOrigins, '${var.cors_allowed_origins}')
  const [cors] = resourcesOf(module, 'aws_s3_bucket_cors_configuration')
  assert.equal(firstBlock(cors!.body, 'cors_rule').allowed_origins, '${var.cors_allowed_origins}', 'the same list as the bucket')
  assert.equal(helmValues.webPage.oidcClientId, '${local.web_page_client_id == null ? "" : local.web_page_client_id}')
})

test('the plan role of the pipeline can read the pool (by the environment tags), its client, resource server and domain', async () => {
  const roles = await loadModule('modules/github-actions-roles')
  const statements = policyStatements(roles, '${data.aws_iam_policy_document.plan.json}')
  const pool = statements.find((statement) => statement.actions.includes('cognito-idp:DescribeUserPool'))
  assert.ok(pool, 'no statement reads the user pool')
  for (const action of ['cognito-idp:DescribeUserPoolClient', 'cognito-idp:DescribeResourceServer', 'cognito-idp:GetUserPoolMfaConfig']) assert.ok(pool.actions.includes(action), action)
  assert.deepEqual(pool.conditions.map((condition) => condition.variable).sort(), ['aws:ResourceTag/Environment', 'aws:ResourceTag/Project'])
  assert.ok(statements.some((statement) => statement.actions.includes('cognito-idp:DescribeUserPoolDomain')))
})
