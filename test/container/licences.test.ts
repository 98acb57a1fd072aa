// What the image installs (`npm ci --omit=dev`) is under permissive licences. Copyleft tools such as
// the AGPL-3.0 IAM policy evaluator are test-only devDependencies that never reach it.
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'

interface LockedPackage {
  dev?: boolean
  devOptional?: boolean
  license?: string
}

const lock = JSON.parse(await readFile('package-lock.json', 'utf8')) as { packages: Record<string, LockedPackage> }
const manifest = JSON.parse(await readFile('package.json', 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> }
const COPYLEFT = /\b(A?GPL|LGPL|SSPL|EUPL|MPL|CDDL|EPL|OSL)\b/i

test('every package the image installs is under a permissive licence', () => {
  const installed = Object.entries(lock.packages).filter(([path, entry]) => path !== '' && entry.dev !== true && entry.devOptional !== true)
  assert.ok(installed.length > 50, 'the production tree is listed')
  assert.deepEqual(
    installed.filter(([, entry]) => entry.license === undefined || COPYLEFT.test(entry.license)).map(([path, entry]) => `${path}: ${entry.license ?? 'no licence'}`),
    [],
  )
})

test('the AGPL policy evaluator is a devDependency that no production code imports', async () => {
  assert.ok('@cloud-copilot/iam-simulate' in manifest.devDependencies)
  assert.ok(!('@cloud-copilot/iam-simulate' in manifest.dependencies))
  assert.equal(lock.packages['node_modules/@cloud-copilot/iam-simulate']?.dev, true)
  const sources = (await readdir('src', { recursive: true })).filter((file) => file.endsWith('.ts'))
  const importers = []
  for (const file of sources) if ((await readFile(join('src', file), 'utf8')).includes('@cloud-copilot/')) importers.push(file)
  assert.deepEqual(importers, [])
})
