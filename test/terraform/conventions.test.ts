// Conventions a reviewer would otherwise have to catch: typed and described interfaces, pinned
// versions, remote state with native locking, default tags, and nothing account-specific or secret
// in the repository.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, test } from 'node:test'
import { DOCUMENTED_MODULES, refreshedReadme } from '../../scripts/terraform/module-docs.js'
import { blocksOf, firstBlock, isRecord, loadAllFiles, loadModules, nestedBlocks, type TerraformModule } from './support/terraform-config.js'

const modules = await loadModules()
const environments = ['dev', 'release', 'prod']
const roots = modules.filter((module) => module.dir === 'bootstrap' || module.dir.startsWith('environments/'))

function terraformSettings(module: TerraformModule) {
  const settings = blocksOf(module, 'terraform')
  assert.equal(settings.length, 1, `${module.dir} needs exactly one terraform block`)
  return settings[0]!.body
}

test('the layout is bootstrap, the reusable modules and one root per deployed branch', () => {
  assert.deepEqual(
    modules.map((module) => module.dir).sort(),
    ['bootstrap', ...environments.map((name) => `environments/${name}`), 'modules/github-actions-roles', 'modules/user-api'].sort(),
  )
})

describe('interfaces', () => {
  for (const module of modules) {
    test(`${module.dir}: every variable has a type and a description, every output a description`, () => {
      for (const variable of blocksOf(module, 'variable')) {
        assert.equal(typeof variable.body.type, 'string', `variable "${variable.name}" has no type`)
        assert.ok(typeof variable.body.description === 'string' && variable.body.description.length > 10, `variable "${variable.name}" has no description`)
      }
      for (const output of blocksOf(module, 'output')) assert.ok(typeof output.body.description === 'string' && output.body.description.length > 10, `output "${output.name}" has no description`)
    })

    test(`${module.dir}: requires Terraform >= 1.11 and the AWS provider ~> 6.0`, () => {
      const settings = terraformSettings(module)
      assert.equal(settings.required_version, '>= 1.11')
      const providers = firstBlock(settings, 'required_providers')
      assert.deepEqual(providers.aws, { source: 'hashicorp/aws', version: '~> 6.0' })
    })
  }

  test('the reusable modules configure no provider; every root sets default tags', () => {
    for (const module of modules.filter((candidate) => candidate.dir.startsWith('modules/'))) assert.deepEqual(blocksOf(module, 'provider'), [], module.dir)
    for (const root of roots) {
      const [provider] = blocksOf(root, 'provider').filter((block) => block.name === 'aws')
      assert.ok(provider, `${root.dir} configures no aws provider`)
      assert.equal(provider.body.region, '${var.aws_region}', `${root.dir}: the region must be a variable`)
      const tags = firstBlock(provider.body, 'default_tags').tags
      assert.ok(typeof tags === 'string' && tags.includes('ManagedBy'), `${root.dir}: default tags missing`)
      for (const credential of ['access_key', 'secret_key', 'token', 'profile']) assert.ok(!(credential in provider.body), `${root.dir}: provider sets ${credential}`)
    }
  })
})

describe('environments', () => {
  for (const name of environments) {
    test(`${name}: S3 backend with native locking, encryption and its own state key`, () => {
      const environment = modules.find((module) => module.dir === `environments/${name}`)!
      const backend = terraformSettings(environment).backend
      assert.ok(isRecord(backend), `${name} has no backend`)
      assert.deepEqual(Object.keys(backend), ['s3'])
      const s3 = nestedBlocks(backend, 's3')[0]!
      assert.equal(s3.use_lockfile, true)
      assert.equal(s3.encrypt, true)
      assert.equal(s3.key, `user-api/${name}/terraform.tfstate`)
      assert.ok(!('dynamodb_table' in s3), 'DynamoDB locking is deprecated; use_lockfile replaces it')
      for (const accountSpecific of ['bucket', 'kms_key_id', 'region']) assert.ok(!(accountSpecific in s3), `${accountSpecific} belongs in backend.hcl`)
    })

    test(`${name}: a thin root that calls modules/user-api once, named for its environment`, () => {
      const environment = modules.find((module) => module.dir === `environments/${name}`)!
      const calls = blocksOf(environment, 'module')
      assert.equal(calls.length, 1)
      assert.equal(calls[0]!.body.source, '../../modules/user-api')
      assert.equal(calls[0]!.body.name, `user-api-${name}`)
      assert.deepEqual(environment.blocks.filter((block) => block.kind === 'resource' || block.kind === 'data'), [])
    })
  }
})

describe('documentation', () => {
  for (const { dir, readme } of DOCUMENTED_MODULES) {
    test(`${readme} lists the current inputs and outputs of ${dir}`, async () => {
      const { current, refreshed } = await refreshedReadme(dir, readme)
      assert.equal(current, refreshed, 'out of date: run npx tsx scripts/terraform/module-docs.ts')
    })
  }

  test('the environments differ only in their settings: same variables and outputs', async () => {
    const read = (name: string, file: string) => readFile(`terraform/environments/${name}/${file}`, 'utf8')
    for (const file of ['variables.tf', 'outputs.tf', 'providers.tf']) {
      const [dev, ...others] = await Promise.all(environments.map((name) => read(name, file)))
      for (const [index, other] of others.entries()) {
        const expected = file === 'providers.tf' ? dev?.replace('"dev"', `"${environments[index + 1] ?? ''}"`) : dev
        assert.equal(other, expected, `environments/${environments[index + 1] ?? ''}/${file} differs from dev`)
      }
    }
  })
})

describe('nothing account-specific or secret is committed', () => {
  const accountId = /(?<![\w.-])\d{12}(?![\w.-])/
  const secretPatterns: [string, RegExp][] = [
    ['AWS access key id', /\b(AKIA|ASIA)[A-Z0-9]{16}\b/],
    ['private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
    ['secret assignment', /\b(secret_key|secret_access_key|access_key|password|token)\s*=\s*"[^"<$]+"/i],
    ['Slack webhook', /hooks\.slack\.com\/services\//],
  ]

  test('no 12-digit account id and no secret in any file under terraform/', async () => {
    const files = await loadAllFiles()
    assert.ok(files.length > 20)
    const findings = files.flatMap(({ path, text }) => [
      ...(accountId.test(text) ? [`${path}: account id ${accountId.exec(text)?.[0] ?? ''}`] : []),
      ...secretPatterns.filter(([, pattern]) => pattern.test(text)).map(([kind]) => `${path}: ${kind}`),
    ])
    assert.deepEqual(findings, [])
  })

  test('no hard-coded region, partition or ARN in the code', () => {
    const region = /\b(us|eu|ap|sa|ca|me|af|il|mx|cn)-(gov-)?(north|south|east|west|central|northeast|northwest|southeast|southwest)-\d\b/
    const findings = modules.flatMap((module) =>
      module.files.flatMap(({ path, text }) => [
        ...(region.test(text) ? [`${path}: region ${region.exec(text)?.[0] ?? ''}`] : []),
        ...(/arn:aws[a-z-]*:/.test(text) ? [`${path}: literal ARN (build it from data.aws_partition)`] : []),
      ]),
    )
    assert.deepEqual(findings, [])
  })

  test('the patterns above do catch what they are meant to', () => {
    // Assembled at run time so that this file itself stays clean for secret scanners.
    const fakeAccount = ['1234', '5678', '9012'].join('')
    assert.ok(accountId.test(`identifiers = ["arn:x:iam::${fakeAccount}:root"]`))
    assert.ok(!accountId.test('values = ["1.2"] # 123456789'))
    assert.ok(secretPatterns[0]![1].test(`AKIA${'EXAMPLE0'.repeat(2)}`))
    assert.ok(secretPatterns[2]![1].test('secret_key = "not-a-placeholder"'))
    assert.ok(!secretPatterns[2]![1].test('secret_key = "<your-secret-key>"'))
  })
})

test('the helm_values output uses only values the chart declares', async () => {
  const schema = JSON.parse(await readFile('charts/user-api/values.schema.json', 'utf8')) as { properties: Record<string, { properties?: Record<string, unknown> }> }
  const module = modules.find((candidate) => candidate.dir === 'modules/user-api')!
  const helmValues = blocksOf(module, 'output').find((output) => output.name === 'helm_values')?.body.value
  assert.ok(isRecord(helmValues), 'modules/user-api has no helm_values output')
  const missing = Object.entries(helmValues).flatMap(([section, values]) =>
    Object.keys(isRecord(values) ? values : {}).filter((key) => !schema.properties[section]?.properties?.[key]).map((key) => `${section}.${key}`),
  )
  assert.deepEqual(missing, [])
  assert.deepEqual(Object.keys(helmValues.config as object).sort(), ['awsRegion', 'dynamodbTable', 's3Bucket', 's3KmsKeyId'])
})
