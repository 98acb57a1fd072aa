// The modules under mutation testing: those whose logic is pure or nearly so, where a surviving
// mutant points at an assertion the tests lack rather than at an emulator's limits. Each is run on
// its own (`npm run test:mutation -- cursor`) with only the tests that exercise it, which keeps a
// run within minutes on two cores; the scheduled workflow runs one job per module.
export interface MutationModule {
  /** Source files Stryker mutates. */
  mutate: string[]
  /** Test files that may kill those mutants; each runs as its own process (TAP). */
  testFiles: string[]
}

export const MUTATION_MODULES = {
  cursor: {
    mutate: ['src/users/cursor.ts'],
    testFiles: ['test/users/cursor.test.ts'],
  },
  config: {
    mutate: ['src/config/config.ts'],
    testFiles: ['test/config/config.test.ts', 'test/config/web-config.test.ts'],
  },
  'aws-errors': {
    mutate: ['src/aws/aws-errors.ts'],
    testFiles: ['test/aws/aws-errors.test.ts'],
  },
  'api-keys': {
    mutate: ['src/auth/api-keys.ts'],
    testFiles: ['test/auth/api-keys.test.ts', 'test/auth/api-key-auth.test.ts'],
  },
  // Bearer tokens and the one authentication hook: about 500 mutants together, each run against
  // tests on a real loopback issuer, so they are three modules (three jobs, three runs that each
  // keep their results) rather than one. Of the auth tests, only those that reach a mutant run
  // against it; the key set has unit tests of its own, which run in seconds where the
  // end-to-end tests need the emulators.
  authentication: {
    mutate: ['src/auth/authentication.ts', 'src/auth/caller.ts'],
    testFiles: ['test/auth/*.test.ts'],
  },
  'bearer-tokens': {
    mutate: ['src/auth/bearer-tokens.ts'],
    testFiles: ['test/auth/*.test.ts'],
  },
  'key-set': {
    mutate: ['src/auth/key-set.ts'],
    testFiles: ['test/auth/key-set.test.ts', 'test/auth/key-set-documents.test.ts'],
  },
  'problem-details': {
    mutate: ['src/http/problems.ts', 'src/http/error-handler.ts'],
    testFiles: ['test/http/error-handler.test.ts'],
  },
  'validation-errors': {
    mutate: ['src/validation/validation-errors.ts'],
    testFiles: ['test/validation/validation-errors.test.ts'],
  },
  'call-queue': {
    mutate: ['src/aws/call-queue.ts'],
    testFiles: ['test/aws/call-queue.test.ts'],
  },
} satisfies Record<string, MutationModule>

export type MutationModuleName = keyof typeof MUTATION_MODULES

/** A module must score at least this much (killed and timed-out mutants over all valid ones). */
export const MINIMUM_MUTATION_SCORE = 80
