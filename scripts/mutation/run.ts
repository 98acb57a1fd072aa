// `npm run test:mutation [-- module ...]`: Stryker on each module of MUTATION_MODULES in turn, with
// stryker.config.json as the shared settings. Mutation testing runs the module's tests once per
// mutant, so it is far too slow for every push: it runs here on demand and in the scheduled
// Mutation workflow, never in `npm test`. Each module keeps its previous results
// (reports/mutation/<module>/incremental.json), so a run after a small change re-tests only the
// mutants and tests that changed. Prints one score per module and every surviving mutant, writes
// the same as Markdown to reports/mutation/summary.md, and exits 1 when a module scores below
// MINIMUM_MUTATION_SCORE.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Stryker } from '@stryker-mutator/core'
import { MINIMUM_MUTATION_SCORE, MUTATION_MODULES, type MutationModuleName } from './modules.js'
import { markdown, scoreOf, type ModuleScore } from './scores.js'

const reportsDirectory = join('reports', 'mutation')

async function runModule(name: MutationModuleName): Promise<ModuleScore> {
  const { mutate, testFiles } = MUTATION_MODULES[name]
  const directory = join(reportsDirectory, name)
  const stryker = new Stryker({
    configFile: 'stryker.config.json',
    mutate,
    tap: { testFiles },
    incrementalFile: join(directory, 'incremental.json'),
    htmlReporter: { fileName: join(directory, 'index.html') },
    jsonReporter: { fileName: join(directory, 'mutation.json') },
  })
  return scoreOf(name, await stryker.runMutationTest())
}

async function main(): Promise<void> {
  const known = Object.keys(MUTATION_MODULES) as MutationModuleName[]
  const requested = process.argv.slice(2)
  const unknown = requested.filter((name) => !known.includes(name as MutationModuleName))
  if (unknown.length > 0) {
    console.error(`unknown module(s): ${unknown.join(', ')}; known: ${known.join(', ')}`)
    process.exit(2)
  }
  const modules = requested.length === 0 ? known : (requested as MutationModuleName[])
  const scores: ModuleScore[] = []
  for (const name of modules) scores.push(await runModule(name))

  const summary = markdown(scores)
  await mkdir(reportsDirectory, { recursive: true })
  await writeFile(join(reportsDirectory, 'summary.md'), summary)
  console.log(`\n${summary}`)
  const weak = scores.filter(({ score }) => score < MINIMUM_MUTATION_SCORE)
  if (weak.length > 0) {
    console.error(`below ${MINIMUM_MUTATION_SCORE}%: ${weak.map(({ module }) => module).join(', ')}`)
    process.exitCode = 1
  }
}

await main()
