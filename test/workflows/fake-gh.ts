// A stand-in for the GitHub CLI, for the scripts that change the repository through GitHub's API
// (pin-image.sh, open-promotion-pr.sh, propose-terraform-outputs.sh, changed-environments.sh and
// wait-for-argocd.sh). GitHub cannot be reached here, so `gh` on the scripts' PATH is this small
// repository in a JSON file: branches with their files, pull requests, and the answers of the
// compare API; it answers the calls the scripts make the way GitHub does (status lines, --jq through
// the real jq), and a test reads the file afterwards to see what the scripts did.
import { createHash } from 'node:crypto'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

export interface FakeRepository {
  branches: Record<string, { commit: string; files: Record<string, string> }>
  pulls: { base: string; head: string; title: string; body: string; url: string }[]
  /** `${base}...${head}` -> what GitHub's compare API answers. */
  compare: Record<string, { status: string; files?: string[] }>
  /** How `gh pr create` ends: ok, refused (Actions may not create pull requests), or broken. */
  prCreate: 'ok' | 'refused' | 'broken'
  /** Writes of these paths fail once with 409, as when the file changed meanwhile. */
  conflictOnce: string[]
  /** Every call, for the tests to read. */
  calls: string[]
}

const GH = String.raw`#!/usr/bin/env node
const fs = require('node:fs')
const crypto = require('node:crypto')
const { execFileSync } = require('node:child_process')
const file = process.env.FAKE_GITHUB_STATE
const state = JSON.parse(fs.readFileSync(file, 'utf8'))
const args = process.argv.slice(2)
state.calls.push(args.join(' '))
const save = () => fs.writeFileSync(file, JSON.stringify(state, null, 2))
const fail = (message) => { save(); process.stderr.write(message + '\n'); process.exit(1) }
const blob = (text) => crypto.createHash('sha1').update(text).digest('hex')
const option = (name) => { const i = args.indexOf(name); return i === -1 ? undefined : args[i + 1] }
const fields = {}
args.forEach((arg, i) => { if ((arg === '-f' || arg === '-F') && args[i + 1]) { const [k, ...v] = args[i + 1].split('='); fields[k] = v.join('=') } })
const print = (value) => {
  const jq = option('--jq')
  const json = JSON.stringify(value)
  process.stdout.write(jq ? execFileSync('jq', ['-r', jq], { input: json }) : json + '\n')
  save()
  process.exit(0)
}
const repo = 'repos/' + process.env.GH_REPO + '/'
if (args[0] === 'api') {
  const method = option('--method') || 'GET'
  const path = args.slice(1).find((arg) => arg.startsWith('repos/'))
  if (!path || !path.startsWith(repo)) fail('unexpected gh ' + args.join(' '))
  const [route, query] = path.slice(repo.length).split('?')
  const ref = new URLSearchParams(query || '').get('ref')
  let match
  if ((match = /^contents\/(.+)$/.exec(route))) {
    const name = match[1]
    if (method === 'GET') {
      const branch = state.branches[ref]
      if (!branch || !(name in branch.files)) fail('gh: Not Found (HTTP 404)')
      print({ sha: blob(branch.files[name]), content: Buffer.from(branch.files[name]).toString('base64').replace(/(.{60})/g, '$1\n') })
    }
    if (method === 'PUT') {
      const branch = state.branches[fields.branch]
      if (!branch) fail('gh: Branch not found (HTTP 404)')
      if (state.conflictOnce.includes(name)) {
        state.conflictOnce = state.conflictOnce.filter((path) => path !== name)
        branch.files[name] = (branch.files[name] || '') + '# changed meanwhile\n'
        fail('gh: ' + name + ' does not match ' + (fields.sha || '') + ' (HTTP 409)')
      }
      const current = branch.files[name]
      if (current !== undefined && fields.sha !== blob(current)) fail('gh: ' + name + ' does not match (HTTP 409)')
      if (current === undefined && fields.sha) fail('gh: sha given for a new file (HTTP 422)')
      branch.files[name] = Buffer.from(fields.content, 'base64').toString()
      branch.commit = crypto.createHash('sha1').update(branch.commit + name + fields.content).digest('hex')
      branch.messages = [...(branch.messages || []), fields.message]
      print({ commit: { sha: branch.commit } })
    }
  }
  if ((match = /^git\/ref\/heads\/(.+)$/.exec(route)) && method === 'GET') {
    const branch = state.branches[match[1]]
    if (!branch) fail('gh: Not Found (HTTP 404)')
    print({ object: { sha: branch.commit } })
  }
  if (route === 'git/refs' && method === 'POST') {
    const name = fields.ref.replace('refs/heads/', '')
    if (state.branches[name]) fail('gh: Reference already exists (HTTP 422)')
    const source = Object.values(state.branches).find((branch) => branch.commit === fields.sha)
    if (!source) fail('gh: Object does not exist (HTTP 422)')
    state.branches[name] = JSON.parse(JSON.stringify(source))
    print({ ref: fields.ref })
  }
  if ((match = /^git\/refs\/heads\/(.+)$/.exec(route)) && method === 'PATCH') {
    const source = Object.values(state.branches).find((branch) => branch.commit === fields.sha)
    if (!state.branches[match[1]] || !source || fields.force !== 'true') fail('gh: Update is not a fast forward (HTTP 422)')
    state.branches[match[1]] = JSON.parse(JSON.stringify(source))
    print({ ref: 'refs/heads/' + match[1] })
  }
  if ((match = /^compare\/(.+)$/.exec(route))) {
    const answer = state.compare[match[1]]
    if (!answer) fail('gh: Not Found (HTTP 404)')
    print({ status: answer.status, files: (answer.files || []).map((filename) => ({ filename })) })
  }
  fail('unexpected gh ' + args.join(' '))
}
if (args[0] === 'pr' && args[1] === 'list') {
  print(state.pulls.filter((pull) => pull.base === option('--base') && pull.head === option('--head')).map((pull) => ({ url: pull.url })))
}
if (args[0] === 'pr' && args[1] === 'create') {
  if (state.prCreate === 'refused') fail('pull request create failed: GraphQL: GitHub Actions is not permitted to create or approve pull requests (createPullRequest)')
  if (state.prCreate === 'broken') fail('HTTP 502: Bad Gateway (https://api.github.com/graphql)')
  const url = 'https://github.com/' + process.env.GH_REPO + '/pull/' + (state.pulls.length + 1)
  state.pulls.push({ base: option('--base'), head: option('--head'), title: option('--title'), body: option('--body'), url })
  save()
  process.stdout.write(url + '\n')
  process.exit(0)
}
fail('unexpected gh ' + args.join(' '))
`

export interface FakeGitHub {
  /** Environment for runCommand: PATH with the stand-in first, its state file, GH_REPO and GH_TOKEN. */
  env: NodeJS.ProcessEnv
  read(): Promise<FakeRepository>
  write(repository: FakeRepository): Promise<void>
  remove(): Promise<void>
}

export const blobSha = (text: string) => createHash('sha1').update(text).digest('hex')

export async function fakeGitHub(initial: Partial<FakeRepository> & Pick<FakeRepository, 'branches'>): Promise<FakeGitHub> {
  const directory = await mkdtemp(join(tmpdir(), 'fake-github-'))
  const stateFile = join(directory, 'state.json')
  await writeFile(join(directory, 'gh'), GH)
  await chmod(join(directory, 'gh'), 0o755)
  const write = (repository: FakeRepository) => writeFile(stateFile, JSON.stringify(repository, null, 2))
  await write({ pulls: [], compare: {}, prCreate: 'ok', conflictOnce: [], calls: [], ...initial })
  return {
    env: {
      PATH: `${directory}${delimiter}${process.env.PATH ?? ''}`,
      FAKE_GITHUB_STATE: stateFile,
      GH_REPO: 'example/user-api',
      GH_TOKEN: 'placeholder',
    },
    read: async () => JSON.parse(await readFile(stateFile, 'utf8')) as FakeRepository,
    write,
    remove: () => rm(directory, { recursive: true, force: true }),
  }
}
