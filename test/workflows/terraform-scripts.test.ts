// The scripts that plan and apply Terraform in the pipeline (.github/scripts/terraform-*.sh): no
// plan or apply without the committed lock file, variables from TERRAFORM_TFVARS, and an apply of
// exactly the plan whose SHA-256 was recorded next to the reviewed text, or of nothing. The last
// tests drive the real terraform on a root that needs no provider download (terraform_data).
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { SYSTEM_TOOLS, skipUnlessInstalled } from '../support/system-tools.js'
import { githubDirectory, runCommand } from './workflows.js'

const script = (name: string) => join(githubDirectory, 'scripts', name)
const stateSettings = { TERRAFORM_STATE_BUCKET: 'state-bucket', TERRAFORM_STATE_REGION: 'eu-west-1', TERRAFORM_STATE_KMS_KEY_ID: 'state-key' }
// terraform-plan.sh reads TERRAFORM_TFVARS with jq.
const withoutJq = skipUnlessInstalled(SYSTEM_TOOLS.jq)
const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex')

describe('terraform scripts', () => {
  let roots: string
  before(async () => {
    // TERRAFORM_ENVIRONMENTS_DIR points the scripts at roots of the test's own.
    roots = await mkdtemp(join(tmpdir(), 'terraform-roots-'))
    await mkdir(join(roots, 'unlocked'))
    await writeFile(join(roots, 'unlocked', 'main.tf'), 'resource "terraform_data" "example" {}\n')
  })
  after(async () => {
    await rm(roots, { recursive: true, force: true })
  })

  test('init refuses a root without .terraform.lock.hcl, naming the workflow that makes it', async () => {
    const result = await runCommand(script('terraform-init.sh'), ['unlocked'], { env: { ...stateSettings, TERRAFORM_ENVIRONMENTS_DIR: roots } })
    assert.equal(result.exitCode, 1)
    assert.match(result.stderr, /::error title=No provider lock file::.*unlocked\/\.terraform\.lock\.hcl is missing\. Run the "Terraform lock files" workflow/)
    assert.ok(!existsSync(join(roots, 'unlocked', '.terraform')), 'terraform init never ran')
  })

  test('plan refuses the same root before terraform runs', { skip: withoutJq }, async () => {
    const output = join(roots, 'plan-output')
    const result = await runCommand(script('terraform-plan.sh'), ['unlocked', output], {
      env: { ...stateSettings, TERRAFORM_ENVIRONMENTS_DIR: roots, TERRAFORM_TFVARS: '{"unlocked": {}}' },
    })
    assert.equal(result.exitCode, 1)
    assert.match(result.stderr, /No provider lock file/)
    assert.ok(!existsSync(join(output, 'tfplan')))
  })

  test('an environment missing from TERRAFORM_TFVARS stops before terraform runs and writes nothing', { skip: withoutJq }, async () => {
    const result = await runCommand(script('terraform-plan.sh'), ['unlocked', join(roots, 'plan-output')], {
      env: { ...stateSettings, TERRAFORM_ENVIRONMENTS_DIR: roots, TERRAFORM_TFVARS: '{"dev": {"aws_region": "eu-west-1"}}' },
    })
    assert.notEqual(result.exitCode, 0)
    assert.match(result.stderr, /no object for unlocked/)
    assert.ok(!existsSync(join(roots, 'unlocked', 'ci.auto.tfvars.json')))
  })

  test('apply refuses a plan without a checksum, a missing plan and a plan that is not the reviewed one', async () => {
    const plan = join(roots, 'tfplan')
    await writeFile(plan, 'not the reviewed plan')
    const apply = (file: string, expected: string) => runCommand(script('terraform-apply.sh'), ['unlocked', file, expected], { env: { TERRAFORM_ENVIRONMENTS_DIR: roots } })
    const reviewed = createHash('sha256').update('the reviewed plan').digest('hex')

    const withoutChecksum = await apply(plan, '')
    assert.equal(withoutChecksum.exitCode, 1)
    assert.match(withoutChecksum.stderr, /No plan checksum/)
    const missing = await apply(join(roots, 'no-such-plan'), reviewed)
    assert.equal(missing.exitCode, 1)
    assert.match(missing.stderr, /No saved plan/)
    const changed = await apply(plan, reviewed)
    assert.equal(changed.exitCode, 1)
    assert.match(changed.stderr, new RegExp(`::error title=Plan changed::.*has SHA-256 ${await sha256(plan)}, but the reviewed plan had ${reviewed}; nothing applied`))
    assert.ok(!existsSync(join(roots, 'unlocked', 'terraform.tfstate')))
  })

  describe('with the real terraform', { skip: skipUnlessInstalled(SYSTEM_TOOLS.terraform) }, () => {
    const terraform = (root: string, ...args: string[]) => runCommand('terraform', [`-chdir=${root}`, ...args, '-input=false', '-no-color'], { env: { CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' } })
    // The instances in the state, by address.
    const instancesIn = async (root: string) => {
      const state = JSON.parse(await readFile(join(root, 'terraform.tfstate'), 'utf8')) as { resources: { type: string; name: string; instances: { index_key: string }[] }[] }
      return state.resources.flatMap((resource) => resource.instances.map((instance) => `${resource.type}.${resource.name}["${instance.index_key}"]`))
    }
    let root: string

    before(async () => {
      root = join(roots, 'real')
      await mkdir(root)
      await writeFile(join(root, 'main.tf'), 'variable "names" { type = list(string) }\nresource "terraform_data" "named" {\n  for_each = toset(var.names)\n  input    = each.value\n}\n')
      const init = await terraform(root, 'init')
      assert.equal(init.exitCode, 0, init.stderr)
    })

    test('applies exactly the saved plan it was given the checksum of', async () => {
      const reviewed = join(roots, 'reviewed.tfplan')
      const other = join(roots, 'other.tfplan')
      assert.equal((await terraform(root, 'plan', `-out=${reviewed}`, '-var=names=["reviewed"]')).exitCode, 0)
      assert.equal((await terraform(root, 'plan', `-out=${other}`, '-var=names=["other"]')).exitCode, 0)
      const apply = (plan: string, expected: string) => runCommand(script('terraform-apply.sh'), ['real', plan, expected], { env: { TERRAFORM_ENVIRONMENTS_DIR: roots, CHECKPOINT_DISABLE: '1' } })

      const swapped = await apply(other, await sha256(reviewed))
      assert.equal(swapped.exitCode, 1, 'another plan under the reviewed checksum')
      assert.ok(!existsSync(join(root, 'terraform.tfstate')))

      const applied = await apply(reviewed, await sha256(reviewed))
      assert.equal(applied.exitCode, 0, applied.stderr)
      assert.deepEqual(await instancesIn(root), ['terraform_data.named["reviewed"]'])

      // What the pipeline relies on when the state moved between the plan and its approval: the
      // other plan was made against the empty state and is refused, not applied on top.
      const stale = await apply(other, await sha256(other))
      assert.equal(stale.exitCode, 1)
      assert.match(stale.stderr, /Saved plan is stale/)
      assert.deepEqual(await instancesIn(root), ['terraform_data.named["reviewed"]'])
    })
  })
})
