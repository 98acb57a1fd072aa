// Every resource type, data source, argument and nested block must exist in the AWS provider (6.x),
// the way `terraform validate` would insist if the provider could be downloaded here.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadModules, parseBlocks } from './support/terraform-config.js'
import { loadProviderSchema, moduleCallProblems, unknownProviderNames } from './support/name-checks.js'

test('every type, argument and block name exists in the derived AWS provider schema', async () => {
  const [modules, schema] = await Promise.all([loadModules(), loadProviderSchema()])
  assert.ok(modules.length >= 5, `expected bootstrap, the module and three environments, found ${modules.map((m) => m.dir).join(', ')}`)
  const problems = modules.flatMap((module) => unknownProviderNames(module.blocks, schema))
  assert.deepEqual(problems, [])
})

test('the schema comes from a 6.x provider, as the version constraint "~> 6.0" requires', async () => {
  const schema = await loadProviderSchema()
  assert.match(schema.provider_version, /^6\./)
  assert.ok(schema.resources.aws_s3_bucket, 'aws_s3_bucket missing from the schema')
})

test('a misspelled argument, nested argument, block or type is reported', async () => {
  const schema = await loadProviderSchema()
  const snippet = `
    resource "aws_s3_bucket_versioning" "typo" {
      buckett = "example"
      versioning_configuration {
        stauts = "Enabled"
      }
    }
    resource "aws_s3_bucket_server_side_encryption_configuration" "typo" {
      bucket = "example"
      rules {
        bucket_key_enabled = true
      }
      dynamic "rule" {
        for_each = [1]
        content {
          bucket_key_enable = true
        }
      }
    }
    resource "aws_s3_bukcet" "typo" {
      bucket = "example"
    }
    data "aws_iam_policy_document" "typo" {
      statement {
        action = ["s3:GetObject"]
      }
    }
    provider "aws" {
      regoin = "somewhere"
    }
  `
  const problems = unknownProviderNames(await parseBlocks('snippet.tf', snippet), schema)
  const expected = [
    'aws_s3_bucket_versioning.typo: unknown argument or block "buckett"',
    'aws_s3_bucket_versioning.typo.versioning_configuration: unknown argument or block "stauts"',
    'aws_s3_bucket_server_side_encryption_configuration.typo: unknown argument or block "rules"',
    'aws_s3_bucket_server_side_encryption_configuration.typo.rule: unknown argument or block "bucket_key_enable"',
    'unknown resource type "aws_s3_bukcet"',
    'data.aws_iam_policy_document.typo.statement: unknown argument or block "action"',
    'provider.aws: unknown argument or block "regoin"',
  ]
  for (const message of expected) assert.ok(problems.some((problem) => problem.includes(message)), `"${message}" not reported in:\n${problems.join('\n')}`)
  assert.equal(problems.length, expected.length, problems.join('\n'))
})

test('the same snippet spelled correctly passes, meta-arguments included', async () => {
  const schema = await loadProviderSchema()
  const snippet = `
    resource "aws_s3_bucket_versioning" "fine" {
      count  = 1
      bucket = "example"
      versioning_configuration {
        status = "Enabled"
      }
      lifecycle {
        prevent_destroy = true
      }
      depends_on = []
    }
  `
  assert.deepEqual(unknownProviderNames(await parseBlocks('snippet.tf', snippet), schema), [])
})

test('module calls pass only declared variables, all required ones, and read only real outputs', async () => {
  const modules = await loadModules()
  const callers = modules.filter((module) => module.blocks.some((block) => block.kind === 'module'))
  assert.ok(callers.length >= 3, 'expected the environments to call the module')
  assert.deepEqual(callers.flatMap((caller) => moduleCallProblems(caller, modules)), [])

  const environment = callers.find((caller) => caller.dir.startsWith('environments/'))
  const broken = { ...environment!, blocks: (await parseBlocks('broken.tf', `
    module "user_api" {
      source = "../../modules/user-api"
      nmae   = "user-api-dev"
    }
    output "typo" {
      value = module.user_api.dynamodb_tabel_name
    }
  `)) }
  const problems = moduleCallProblems(broken, modules)
  assert.ok(problems.some((problem) => problem.includes('passes "nmae"')), problems.join('\n'))
  assert.ok(problems.some((problem) => problem.includes('required variable "name"')), problems.join('\n'))
  assert.ok(problems.some((problem) => problem.includes('module.user_api.dynamodb_tabel_name')), problems.join('\n'))
})
