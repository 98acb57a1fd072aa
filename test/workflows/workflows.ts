// Loads the GitHub Actions workflows and the local composite actions under .github/ as plain data,
// for the policy tests, and runs shell snippets and scripts from them with the real bash and jq.
// Child processes are asynchronous so test files can run side by side.
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

export const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url))
export const githubDirectory = join(repositoryRoot, '.github')
export const workflowsDirectory = join(githubDirectory, 'workflows')

export type Permissions = Record<string, 'read' | 'write' | 'none'>

export interface Step {
  name?: string
  id?: string
  if?: string
  uses?: string
  run?: string
  shell?: string
  with?: Record<string, unknown>
  env?: Record<string, unknown>
  'working-directory'?: string
}

export interface Job {
  name?: string
  needs?: string | string[]
  if?: string
  'runs-on'?: string
  'timeout-minutes'?: number
  permissions?: Permissions | 'read-all' | 'write-all'
  environment?: string | { name: string; url?: string }
  concurrency?: string | { group: string; 'cancel-in-progress'?: boolean | string }
  env?: Record<string, unknown>
  outputs?: Record<string, string>
  defaults?: { run?: { shell?: string } }
  steps?: Step[]
  uses?: string
}

export interface Workflow {
  name: string
  on: unknown
  permissions?: Permissions | 'read-all' | 'write-all'
  concurrency?: unknown
  defaults?: { run?: { shell?: string } }
  jobs: Record<string, Job>
}

export interface CompositeAction {
  name: string
  inputs?: Record<string, { required?: boolean; default?: string }>
  runs: { using: string; steps: Step[] }
}

export interface LoadedFile<T> {
  /** Path relative to the repository root, for messages. */
  path: string
  text: string
  data: T
}

function filesUnder(directory: string, keep: (name: string) => boolean): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name)
    if (entry.isDirectory()) return filesUnder(path, keep)
    return keep(entry.name) ? [path] : []
  })
}

function load<T>(path: string): LoadedFile<T> {
  const text = readFileSync(path, 'utf8')
  return { path: relative(repositoryRoot, path), text, data: parse(text) as T }
}

const isYaml = (name: string): boolean => name.endsWith('.yml') || name.endsWith('.yaml')

export function loadWorkflows(): LoadedFile<Workflow>[] {
  return filesUnder(workflowsDirectory, isYaml).sort().map((path) => load<Workflow>(path))
}

export function loadCompositeActions(): LoadedFile<CompositeAction>[] {
  return filesUnder(join(githubDirectory, 'actions'), (name) => name === 'action.yml' || name === 'action.yaml')
    .sort()
    .map((path) => load<CompositeAction>(path))
}

/** Every shell script kept under .github (run by workflows, the e2e test and the deploy job). */
export function shellScripts(): string[] {
  return filesUnder(githubDirectory, (name) => name.endsWith('.sh')).sort()
}

export function needsOf(job: Job): string[] {
  if (job.needs === undefined) return []
  return typeof job.needs === 'string' ? [job.needs] : job.needs
}

export function stepsUsing(job: Job, action: string): Step[] {
  return (job.steps ?? []).filter((step) => step.uses?.split('@')[0] === action)
}

export interface CommandResult {
  exitCode: number
  stdout: string
  stderr: string
}

/**
 * Runs a program without a shell in between; resolves with its exit code and output. `env` adds to
 * the test's environment: without SHLVL, bash on a socket stdin (as Node provides) would read
 * ~/.bashrc like a remote shell.
 */
export function runCommand(
  file: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { cwd: options.cwd ?? repositoryRoot, env: { ...process.env, ...options.env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          reject(new Error(`could not run ${file}`, { cause: error }))
          return
        }
        resolve({ exitCode: error === null ? 0 : Number(error.code), stdout, stderr })
      },
    )
    // A program may exit without reading its input; that is not an error of the test.
    child.stdin?.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error)
    })
    if (options.input === undefined) child.stdin?.end()
    else child.stdin?.end(options.input)
  })
}
