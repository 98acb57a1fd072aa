// Mutation scores as Stryker defines them: mutants the tests detected (killed, or timed out) over
// all valid mutants (those plus survivors and mutants no test covers). Mutants that do not compile
// or crash on load are left out: they say nothing about the tests.
import { relative } from 'node:path'
import type { Stryker } from '@stryker-mutator/core'
import { MINIMUM_MUTATION_SCORE } from './modules.js'

type MutantResult = Awaited<ReturnType<Stryker['runMutationTest']>>[number]

export interface ModuleScore {
  module: string
  /** Killed or timed out: the tests noticed the change. */
  detected: number
  /** Survived or not covered by any test. */
  undetected: number
  /** Mutants that do not compile or crash at load; they say nothing about the tests. */
  invalid: number
  score: number
  survivors: string[]
}

export function scoreOf(module: string, results: readonly MutantResult[]): ModuleScore {
  const count = (...statuses: MutantResult['status'][]) => results.filter((result) => statuses.includes(result.status)).length
  const detected = count('Killed', 'Timeout')
  const undetected = count('Survived', 'NoCoverage')
  const valid = detected + undetected
  return {
    module,
    detected,
    undetected,
    invalid: count('CompileError', 'RuntimeError', 'Ignored'),
    score: valid === 0 ? 100 : (100 * detected) / valid,
    survivors: results
      .filter((result) => result.status === 'Survived' || result.status === 'NoCoverage')
      .map((result) => `${relative(process.cwd(), result.fileName)}:${result.location.start.line}: ${result.mutatorName} → ${JSON.stringify(result.replacement)} (${result.status})`),
  }
}

export function markdown(scores: readonly ModuleScore[]): string {
  const rows = scores.map(
    ({ module, detected, undetected, invalid, score }) =>
      `| ${module} | ${score.toFixed(1)}% ${score >= MINIMUM_MUTATION_SCORE ? '✅' : '❌'} | ${detected} | ${undetected} | ${invalid} |`,
  )
  const survivors = scores.flatMap(({ survivors }) => survivors.map((survivor) => `- \`${survivor}\``))
  return [
    `| module | score (at least ${MINIMUM_MUTATION_SCORE}%) | detected | survived | invalid |`,
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    survivors.length === 0 ? 'No surviving mutants.' : ['Surviving mutants:', '', ...survivors].join('\n'),
    '',
  ].join('\n')
}
