// The pipeline runs `terraform fmt -check` too; failing here first keeps a red build off main.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { SYSTEM_TOOLS, skipUnlessInstalled } from '../support/system-tools.js'
import { TERRAFORM_DIR } from './support/terraform-config.js'

const run = promisify(execFile)
const env = { ...process.env, CHECKPOINT_DISABLE: '1' }

test('terraform fmt -check -recursive finds nothing to rewrite', { skip: skipUnlessInstalled(SYSTEM_TOOLS.terraform) }, async () => {
  const result = await run('terraform', ['fmt', '-check', '-recursive', '-diff', TERRAFORM_DIR], { env }).catch((error: unknown) => error)
  const output = result as { code?: number; stdout?: string }
  assert.equal(output.code ?? 0, 0, `terraform fmt would rewrite:\n${output.stdout ?? ''}`)
})
