// The README's parameter table is generated from the `## @param` comments in values.yaml; this
// fails when a value is undocumented or the table was not regenerated after a change.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { chartDirectory } from './helm.js'

const generator = createRequire(import.meta.url).resolve('@bitnami/readme-generator-for-helm/bin/index.js')

function generate(values: string, readme: string): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [generator, '--values', values, '--readme', readme], (error, stdout, stderr) => {
      resolve({ exitCode: error === null ? 0 : 1, output: stdout + stderr })
    })
  })
}

test('charts/user-api/README.md parameter table is up to date', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'user-api-readme-'))
  t.after(() => {
    rmSync(scratch, { recursive: true, force: true })
  })
  copyFileSync(join(chartDirectory, 'values.yaml'), join(scratch, 'values.yaml'))
  copyFileSync(join(chartDirectory, 'README.md'), join(scratch, 'README.md'))

  const result = await generate(join(scratch, 'values.yaml'), join(scratch, 'README.md'))
  assert.equal(result.exitCode, 0, `undocumented or stale values:\n${result.output}`)
  assert.equal(
    readFileSync(join(scratch, 'README.md'), 'utf8'),
    readFileSync(join(chartDirectory, 'README.md'), 'utf8'),
    'README is stale: npx readme-generator -v charts/user-api/values.yaml -r charts/user-api/README.md',
  )
})

test('the generator refuses a value without documentation', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'user-api-readme-'))
  t.after(() => {
    rmSync(scratch, { recursive: true, force: true })
  })
  const values = readFileSync(join(chartDirectory, 'values.yaml'), 'utf8')
  copyFileSync(join(chartDirectory, 'README.md'), join(scratch, 'README.md'))
  writeFileSync(join(scratch, 'values.yaml'), `${values}\nundocumentedSetting: true\n`)

  const result = await generate(join(scratch, 'values.yaml'), join(scratch, 'README.md'))
  assert.notEqual(result.exitCode, 0)
  assert.match(result.output, /undocumentedSetting/)
})
