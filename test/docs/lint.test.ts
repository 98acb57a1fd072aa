// `redocly lint` with the recommended rules (redocly.yaml) over the document the app serves:
// 0 errors and 0 warnings. A second test lints a damaged copy to prove the harness reports problems
// (a wrong path or config would otherwise pass silently).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { openApiDocument, serializeDocument } from '../../src/openapi-document.js'

const REPOSITORY = resolve(import.meta.dirname, '../..')
const REDOCLY = join(REPOSITORY, 'node_modules/@redocly/cli/bin/cli.js')

interface LintReport {
  totals: { errors: number; warnings: number }
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[]
}

function redoclyLint(file: string): Promise<LintReport> {
  const args = [REDOCLY, 'lint', file, '--config', join(REPOSITORY, 'redocly.yaml'), '--format', 'json']
  // Offline: no telemetry (also off in redocly.yaml) and no update check.
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' }
  return new Promise((resolvePromise, reject) => {
    execFile(process.execPath, args, { cwd: REPOSITORY, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(new Error('could not run redocly', { cause: error }))
        return
      }
      try {
        resolvePromise(JSON.parse(stdout) as LintReport)
      } catch {
        reject(new Error(`redocly printed no report (exit ${String(error?.code ?? 0)}): ${stderr}`))
      }
    })
  })
}

const describeProblems = (report: LintReport) =>
  report.problems.map((problem) => `${problem.severity} ${problem.ruleId} at ${problem.location[0]?.pointer ?? '?'}: ${problem.message}`).join('\n')

describe('redocly lint (recommended rules)', () => {
  let directory: string
  let document: Record<string, unknown>
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'openapi-lint-'))
    document = await openApiDocument()
  })
  after(async () => {
    await rm(directory, { recursive: true, force: true })
  })

  it('finds no error and no warning in the document', async () => {
    const file = join(directory, 'openapi.json')
    await writeFile(file, serializeDocument(document))
    const report = await redoclyLint(file)
    assert.deepEqual(report.totals, { ...report.totals, errors: 0, warnings: 0 }, describeProblems(report))
  })

  it('reports a missing operationId, a missing 401 and an example that contradicts its schema', async () => {
    const damaged = structuredClone(document) as { paths: Record<string, Record<string, Record<string, unknown>>> }
    const listUsers = damaged.paths['/users']!.get!
    delete listUsers.operationId
    delete (listUsers.responses as Record<string, unknown>)['401']
    const getUser = damaged.paths['/users/{id}']!.get! as { responses: Record<string, { content: Record<string, { example: Record<string, unknown> }> }> }
    getUser.responses['200']!.content['application/json']!.example.created_at = 42
    const file = join(directory, 'damaged.json')
    await writeFile(file, serializeDocument(damaged))
    const rules = new Set((await redoclyLint(file)).problems.map((problem) => problem.ruleId))
    for (const rule of ['operation-operationId', 'rule/secured-operation-401', 'no-invalid-media-type-examples']) {
      assert.ok(rules.has(rule), `${rule} reported; got ${[...rules].join(', ')}`)
    }
  })
})
