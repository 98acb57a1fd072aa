// The mutation-testing set-up: every module it names exists with its tests, the scheduled
// workflow runs exactly those modules, it stays out of `npm test` and .ci/run, docs/quality.md
// records a score for each, and scores are computed as Stryker defines them.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { MINIMUM_MUTATION_SCORE, MUTATION_MODULES } from '../../scripts/mutation/modules.js'
import { markdown, scoreOf } from '../../scripts/mutation/scores.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const read = (path: string) => readFileSync(join(root, path), 'utf8')

function filesUnder(directory: string): string[] {
  return readdirSync(join(root, directory), { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name)
    return entry.isDirectory() ? filesUnder(path) : [path]
  })
}

// The two glob forms the module table uses: `*` within a folder, `**/` across folders.
function matching(pattern: string, files: readonly string[]): string[] {
  const expression = pattern
    .split(/(\*\*\/|\*)/)
    .map((part) => (part === '**/' ? '(?:.*/)?' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('')
  return files.filter((file) => new RegExp(`^${expression}$`).test(file))
}

interface MutationWorkflow {
  on: Record<string, unknown>
  jobs: { mutation: { strategy: { matrix: { module: string[] } }; steps: { run?: string }[] } }
}

describe('mutation testing', () => {
  const modules = Object.entries(MUTATION_MODULES)
  const sources = filesUnder('src').map((file) => relative('.', file))
  const tests = filesUnder('test')

  it('names source files and tests that exist', () => {
    for (const [name, { mutate, testFiles }] of modules) {
      for (const pattern of mutate) assert.ok(matching(pattern, sources).length > 0, `${name}: ${pattern} matches no file under src/`)
      for (const pattern of testFiles) assert.ok(matching(pattern, tests).some((file) => file.endsWith('.test.ts')), `${name}: ${pattern} matches no test`)
    }
    assert.deepEqual(matching('src/auth/*.ts', ['src/auth/a.ts', 'src/auth/x/b.ts', 'src/authz.ts']), ['src/auth/a.ts'])
    assert.deepEqual(matching('test/**/*.test.ts', ['test/a.test.ts', 'test/x/b.test.ts', 'test/x/c.ts']), ['test/a.test.ts', 'test/x/b.test.ts'])
  })

  it('runs in a weekly or manual workflow, one job per module, and fails a weak module', () => {
    const workflow = parse(read('.github/workflows/mutation.yml')) as MutationWorkflow
    assert.deepEqual(Object.keys(workflow.on).sort(), ['schedule', 'workflow_dispatch'])
    assert.deepEqual(workflow.jobs.mutation.strategy.matrix.module, Object.keys(MUTATION_MODULES))
    assert.ok(workflow.jobs.mutation.steps.some((step) => step.run === 'npm run test:mutation -- "$MODULE"'))
    assert.equal(MINIMUM_MUTATION_SCORE, 80)
  })

  it('stays out of npm test and .ci/run, which must stay fast', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts
    assert.equal(scripts['test:mutation'], 'tsx scripts/mutation/run.ts')
    for (const name of ['test', 'test:all', 'pretest']) assert.doesNotMatch(scripts[name] ?? '', /mutation|stryker/, name)
    assert.doesNotMatch(read('.ci/run'), /mutation|stryker/i)
  })

  it('has a recorded score for every module in docs/quality.md, or says its first run is pending', () => {
    const doc = read('docs/quality.md')
    for (const [name] of modules) assert.match(doc, new RegExp(`^\\| ${name} \\| (\\d+(\\.\\d)?%|pending) \\|`, 'm'), `docs/quality.md has no score for ${name}`)
    const pending = modules.filter(([name]) => new RegExp(`^\\| ${name} \\| pending \\|`, 'm').test(doc)).map(([name]) => name)
    assert.ok(pending.every((name) => doc.includes(`*${name}*: `)), 'a pending module says why')
  })

  it('scores detected mutants over valid ones, leaving out those that do not compile', () => {
    const mutant = (status: string, line = 1) => ({
      id: String(line),
      mutatorName: 'ConditionalExpression',
      replacement: 'false',
      fileName: join(process.cwd(), 'src/x.ts'),
      location: { start: { line, column: 1 }, end: { line, column: 2 } },
      status,
    })
    const results = ['Killed', 'Killed', 'Timeout', 'Survived', 'NoCoverage', 'CompileError', 'RuntimeError', 'Ignored'].map((status, index) =>
      mutant(status, index + 1),
    ) as unknown as Parameters<typeof scoreOf>[1]
    const score = scoreOf('x', results)
    assert.deepEqual({ ...score, survivors: score.survivors.length }, { module: 'x', detected: 3, undetected: 2, invalid: 3, score: 60, survivors: 2 })
    assert.equal(score.survivors[0], 'src/x.ts:4: ConditionalExpression → "false" (Survived)')
    assert.equal(scoreOf('empty', []).score, 100)

    const table = markdown([score, { ...scoreOf('y', results.slice(0, 3)), survivors: [] }])
    assert.ok(table.includes('| x | 60.0% ❌ | 3 | 2 | 3 |'), table)
    assert.ok(table.includes('| y | 100.0% ✅ | 3 | 0 | 0 |'))
    assert.ok(table.includes('- `src/x.ts:5: ConditionalExpression → "false" (NoCoverage)`'))
  })
})
