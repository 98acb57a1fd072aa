// Policies over the parsed workflows that catch real regressions: a job without a timeout or with
// more permissions than it needs, a Terraform apply or an image pin that could run from the wrong
// branch or outside its environment, a push deploy that bypasses Argo CD, a Slack job that misses
// outcomes, a static AWS key, an unpinned action.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { test } from 'node:test'
import { parse } from 'yaml'
import {
  githubDirectory,
  loadCompositeActions,
  loadWorkflows,
  needsOf,
  repositoryRoot,
  runCommand,
  stepsUsing,
  type Job,
  type Permissions,
} from './workflows.js'

const workflows = loadWorkflows()
const jobs = workflows.flatMap((workflow) =>
  Object.entries(workflow.data.jobs).map(([id, job]) => ({ key: `${basename(workflow.path)}:${id}`, id, job, workflow })),
)
/** Workflows that only other workflows call: they run inside their caller's run, its concurrency
 *  group and its Slack message. */
const isCalledOnly = (workflow: (typeof workflows)[number]) =>
  typeof workflow.data.on === 'object' && workflow.data.on !== null && Object.keys(workflow.data.on).join() === 'workflow_call'
const workflowNamed = (name: string) => {
  const found = workflows.find((workflow) => basename(workflow.path) === name)
  assert.ok(found, `.github/workflows/${name} is missing`)
  return found
}
const notifyAction = './.github/actions/notify-slack'

// The few jobs that may write anything, and exactly what. Every other job reads at most.
const writeAllowList: Record<string, string[]> = {
  'delivery.yml:image': ['id-token', 'packages'], // push to GHCR, keyless cosign signature
  'delivery.yml:codeql': ['security-events'], // upload code-scanning results
  'delivery.yml:terraform-plan': ['id-token', 'pull-requests'], // AWS via OIDC, plan comment
  // What the called Terraform workflow may use: AWS via OIDC (plan and deploy roles).
  'delivery.yml:terraform-dev': ['id-token'],
  'delivery.yml:terraform-release': ['id-token'],
  'delivery.yml:terraform-prod': ['id-token'],
  'terraform-environment.yml:plan': ['id-token'], // the read-only plan role
  'terraform-environment.yml:apply': ['id-token'], // the deploy role
  'delivery.yml:api-release-asset': ['contents'], // attach openapi.json to the release of a tag
  // The promotion branch is written with the workflow's token when PROMOTION_TOKEN is not set.
  'rollout.yml:promote': ['contents', 'pull-requests'],
  'promote.yml:promotion-pr': ['contents', 'pull-requests'],
  'terraform-lock.yml:lock-files': ['contents', 'pull-requests'], // push the proposal branch, open its PR
}

function writeScopes(job: Job): string[] {
  if (typeof job.permissions !== 'object') return ['<not an explicit map>']
  return Object.entries(job.permissions)
    .filter(([, level]) => level === 'write')
    .map(([scope]) => scope)
    .sort()
}

test('there are workflows to check', () => {
  assert.ok(workflows.some((workflow) => basename(workflow.path) === 'delivery.yml'))
  assert.ok(jobs.length >= 10)
})

test('every workflow grants nothing by default and has a concurrency group (a called one runs in its caller\'s)', () => {
  for (const workflow of workflows) {
    assert.deepEqual(workflow.data.permissions, {}, `${workflow.path}: top-level permissions must be {}`)
    if (!isCalledOnly(workflow)) assert.ok(workflow.data.concurrency, `${workflow.path}: concurrency missing`)
  }
})

test('every job has a timeout and explicit permissions', () => {
  for (const { key, job } of jobs) {
    assert.ok(job.permissions !== undefined && typeof job.permissions === 'object', `${key}: permissions must be an explicit map`)
    // A job that calls a workflow cannot have a timeout; the called workflow's jobs have theirs.
    if (job.uses?.startsWith('./.github/workflows/')) continue
    const timeout = job['timeout-minutes']
    assert.ok(typeof timeout === 'number' && timeout > 0 && timeout <= 60, `${key}: timeout-minutes must be 1-60, is ${String(timeout)}`)
  }
})

test('only the allow-listed jobs can write, and only what they need', () => {
  for (const { key, job } of jobs) {
    assert.deepEqual(writeScopes(job), writeAllowList[key] ?? [], `${key}: write permissions`)
  }
  for (const key of Object.keys(writeAllowList)) {
    assert.ok(jobs.some((job) => job.key === key), `allow-list entry ${key} names no job`)
  }
  // Writing code or images: the image job, and the lock-file proposal, which only runs by hand and
  // only pushes its own branch for review.
  const contentsOrPackages = jobs.filter(({ job }) => writeScopes(job).some((scope) => scope === 'contents' || scope === 'packages'))
  assert.deepEqual(contentsOrPackages.map(({ key }) => key).sort(), [
    'delivery.yml:api-release-asset',
    'delivery.yml:image',
    'promote.yml:promotion-pr',
    'rollout.yml:promote',
    'terraform-lock.yml:lock-files',
  ])
  const lockFiles = workflowNamed('terraform-lock.yml')
  assert.deepEqual(Object.keys(lockFiles.data.on as object), ['workflow_dispatch'], 'the lock-file proposal runs only by hand')
  // The promotion jobs write through open-promotion-pr.sh only: a branch with one file changed.
  for (const job of [workflowNamed('rollout.yml').data.jobs.promote!, workflowNamed('promote.yml').data.jobs['promotion-pr']!]) {
    const script = (job.steps ?? []).map((step) => step.run ?? '').join('\n')
    assert.match(script, /open-promotion-pr\.sh/)
    assert.doesNotMatch(script, /git push|--method (PUT|POST|PATCH)/)
  }
})

test('no workflow runs untrusted code with secrets (pull_request_target, workflow_run)', () => {
  for (const workflow of workflows) {
    const triggers = typeof workflow.data.on === 'object' && workflow.data.on !== null ? Object.keys(workflow.data.on) : [String(workflow.data.on)]
    assert.ok(!triggers.includes('pull_request_target') && !triggers.includes('workflow_run'), `${workflow.path}: ${triggers.join(', ')}`)
  }
})

test('run blocks take values from env, never from ${{ }} (no script injection)', () => {
  const steps = [
    ...jobs.flatMap(({ key, job }) => (job.steps ?? []).map((step) => ({ where: key, step }))),
    ...loadCompositeActions().flatMap((action) => action.data.runs.steps.map((step) => ({ where: action.path, step }))),
  ]
  const offending = steps.filter(({ step }) => step.run?.includes('${{')).map(({ where, step }) => `${where}: ${step.run ?? ''}`)
  assert.deepEqual(offending, [])
})

test('checkouts do not leave the token in .git/config', () => {
  for (const { key, job } of jobs) {
    for (const step of stepsUsing(job, 'actions/checkout')) {
      assert.equal(step.with?.['persist-credentials'], false, `${key}: checkout without persist-credentials: false`)
    }
  }
})

// ───────────── What a run may change ─────────────

const delivery = workflowNamed('delivery.yml')
const rollout = workflowNamed('rollout.yml')
const terraformEnvironment = workflowNamed('terraform-environment.yml')
const targetJob = delivery.data.jobs.target!

async function target(event: string, ref: string, baseRef = ''): Promise<{ deploy: string; plan: string }> {
  const script = targetJob.steps?.find((step) => step.id === 'target')?.run
  assert.ok(script, 'the target job maps events with a run step of id "target"')
  const directory = await mkdtemp(join(tmpdir(), 'github-output-'))
  try {
    const output = join(directory, 'output')
    const result = await runCommand('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', script], {
      env: { EVENT_NAME: event, REF: ref, BASE_REF: baseRef, GITHUB_OUTPUT: output },
    })
    assert.equal(result.exitCode, 0, result.stderr)
    const lines = (await readFile(output, 'utf8')).trim().split('\n')
    const value = (name: string): string => lines.find((line) => line.startsWith(`${name}=`))?.slice(name.length + 1) ?? '<missing>'
    return { deploy: value('deploy'), plan: value('plan-environments') }
  } finally {
    await rm(directory, { recursive: true, force: true })
  }
}

test('only a push to main applies Terraform and pins dev; pull requests into main plan dev and release, never prod', async () => {
  const none = { deploy: '', plan: '[]' }
  const cases: [event: string, ref: string, baseRef: string, expected: { deploy: string; plan: string }][] = [
    ['push', 'refs/heads/main', '', { deploy: 'true', plan: '[]' }],
    ['push', 'refs/heads/dev', '', none],
    ['push', 'refs/heads/feature/main', '', none],
    ['push', 'refs/heads/maintenance', '', none],
    ['push', 'refs/tags/main', '', none],
    ['workflow_dispatch', 'refs/heads/main', '', none],
    // The prod plan role trusts only main itself: pull requests are planned for dev and release.
    ['pull_request', 'refs/pull/7/merge', 'main', { deploy: '', plan: '["dev","release"]' }],
    ['pull_request', 'refs/pull/8/merge', 'feature/x', none],
  ]
  const results = await Promise.all(cases.map(([event, ref, baseRef]) => target(event, ref, baseRef)))
  cases.forEach(([event, ref, baseRef, expected], index) => {
    assert.deepEqual(results[index], expected, `${event} ${ref} ${baseRef}`)
  })
})

test('nothing pushes to a cluster: no helm or kubectl apply in the pipeline, Argo CD deploys from git', () => {
  for (const { path, text } of [...workflows, ...loadCompositeActions()]) {
    assert.doesNotMatch(text, /helm (upgrade|install|rollback)/, `${path} deploys with helm`)
    assert.doesNotMatch(text, /aws eks update-kubeconfig|kubectl (apply|create|patch|set)/, `${path} changes a cluster`)
  }
  // The end-to-end job's throw-away kind cluster is the only cluster any job talks to.
  const clusterJobs = jobs.filter(({ job }) => (job.steps ?? []).some((step) => /\bkubectl\b|helm\/kind-action|\bkind load\b/.test(`${step.run ?? ''}${step.uses ?? ''}`)))
  assert.deepEqual(clusterJobs.map(({ key }) => key), ['delivery.yml:chart-e2e'])
})

test('environments are used by the Terraform apply, the dev image pin and prod\'s sync only, each on main after its checks', () => {
  const environmentName = (job: Job) => (typeof job.environment === 'string' ? job.environment : job.environment?.name)
  const users = jobs.filter(({ job }) => job.environment !== undefined).map(({ key, job }) => `${key} ${environmentName(job) ?? ''}`)
  assert.deepEqual(users.sort(), [
    'delivery.yml:pin-dev-image dev',
    'rollout.yml:rollout-prod prod',
    'terraform-environment.yml:apply ${{ inputs.environment }}',
  ])

  // Terraform: dev after every check, then release, then prod, on a push to main only.
  const notGating = new Set(['target', 'terraform-plan', 'terraform-dev', 'terraform-release', 'terraform-prod', 'pin-dev-image', 'notify', 'api-compatibility', 'api-release-asset'])
  const checks = Object.keys(delivery.data.jobs).filter((id) => !notGating.has(id))
  const chain: [string, string[]][] = [
    ['terraform-dev', ['target', ...checks]],
    ['terraform-release', ['target', 'terraform-dev']],
    ['terraform-prod', ['target', 'terraform-release']],
  ]
  for (const [id, needs] of chain) {
    const job = delivery.data.jobs[id]!
    assert.deepEqual([...needsOf(job)].sort(), needs.sort(), `${id} needs`)
    assert.equal(job.if, "github.event_name == 'push' && needs.target.outputs.deploy == 'true'", `${id} runs on a push to main only`)
    assert.equal(job.uses, './.github/workflows/terraform-environment.yml')
    assert.equal((job as Job & { with?: Record<string, string> }).with?.environment, id.replace('terraform-', ''))
  }
  const apply = terraformEnvironment.data.jobs.apply!
  assert.deepEqual(needsOf(apply), ['plan'])
  assert.doesNotMatch(apply.if ?? '', /always\(\)|failure\(\)|cancelled\(\)/)
  assert.deepEqual(apply.concurrency, { group: 'terraform-apply-${{ inputs.environment }}', 'cancel-in-progress': false }, 'an apply is never cancelled')

  // The dev image pin: after the image, dev's Terraform and (through it) every check.
  const pin = delivery.data.jobs['pin-dev-image']!
  assert.deepEqual([...needsOf(pin)].sort(), ['image', 'target', 'terraform-dev'])
  assert.equal(pin.if, "github.event_name == 'push' && needs.target.outputs.deploy == 'true'")
  assert.match(pin.steps?.map((step) => step.run ?? '').join('\n') ?? '', /pin-image\.sh dev "\$IMAGE_REPOSITORY" "\$IMAGE_TAG" "\$IMAGE_DIGEST"/)

  // prod's sync: only in the prod environment, after its reviewers, with the sync token.
  const prod = rollout.data.jobs['rollout-prod']!
  assert.equal(prod.env?.ARGOCD_AUTH_TOKEN, '${{ secrets.ARGOCD_PROD_SYNC_TOKEN }}')
  assert.match(prod.steps?.map((step) => step.run ?? '').join('\n') ?? '', /wait-for-argocd\.sh --sync user-api-prod "\$GITHUB_SHA"/)
  for (const [key, job] of jobs.map(({ key, job }) => [key, job] as const)) {
    if (key === 'rollout.yml:rollout-prod') continue
    assert.doesNotMatch(JSON.stringify(job), /ARGOCD_PROD_SYNC_TOKEN|--sync/, `${key} must not sync prod`)
  }
})

test('every environment Terraform applies has its Terraform root and its folder under deploy/environments', () => {
  for (const id of ['terraform-dev', 'terraform-release', 'terraform-prod']) {
    const environment = (delivery.data.jobs[id] as Job & { with?: Record<string, string> }).with?.environment ?? ''
    assert.ok(existsSync(join(repositoryRoot, 'terraform', 'environments', environment)), `terraform/environments/${environment}`)
    for (const file of ['values.yaml', 'terraform-outputs.json', 'image.yaml']) {
      assert.ok(existsSync(join(repositoryRoot, 'deploy', 'environments', environment, file)), `deploy/environments/${environment}/${file}`)
    }
  }
})

test('the only token that writes to main is the GitOps App\'s, minted in the dev environment, for image.yaml only', () => {
  const minting = jobs.filter(({ job }) => stepsUsing(job, 'actions/create-github-app-token').length > 0).map(({ key }) => key)
  assert.deepEqual(minting, ['delivery.yml:pin-dev-image'])
  const pin = delivery.data.jobs['pin-dev-image']!
  const [mint] = stepsUsing(pin, 'actions/create-github-app-token')
  assert.equal(mint?.with?.['private-key'], '${{ secrets.GITOPS_APP_PRIVATE_KEY }}')
  assert.equal(mint.with['permission-contents'], 'write')
  assert.deepEqual(Object.keys(mint.with).filter((input) => input.startsWith('permission-')), ['permission-contents'], 'no other permission')
  assert.equal(mint.with.repositories, undefined, 'this repository only')
  assert.ok(!workflows.some((workflow) => workflow.text.includes('GITOPS_APP_PRIVATE_KEY') && basename(workflow.path) !== 'delivery.yml'))
})

test('pushes that change only deploy/environments build nothing; the Rollout workflow follows every such change on main', () => {
  const push = (delivery.data.on as { push: { 'paths-ignore'?: string[] } }).push
  assert.deepEqual(push['paths-ignore'], ['deploy/environments/**'])
  assert.equal((delivery.data.on as Record<string, unknown>).pull_request, null, 'pull requests run every check, whatever they change')
  const on = rollout.data.on as { push: { branches: string[]; paths: string[] } }
  assert.deepEqual(on.push, { branches: ['main'], paths: ['deploy/environments/**'] })
})

test('the Rollout workflow waits for Argo CD at the pushed commit, then proposes the next promotion', () => {
  const wait = rollout.data.jobs.rollout!
  assert.match(wait.steps?.map((step) => step.run ?? '').join('\n') ?? '', /wait-for-argocd\.sh "\$APPLICATION" "\$GITHUB_SHA" \d+/)
  assert.equal(wait.env?.ARGOCD_AUTH_TOKEN, '${{ secrets.ARGOCD_AUTH_TOKEN }}', 'the read-only project token')
  const promote = rollout.data.jobs.promote!
  assert.deepEqual(needsOf(promote), ['changes', 'rollout'])
  assert.equal(promote.if, "needs.rollout.result == 'success'", 'only after every changed environment is Synced and Healthy')
})

// ───────────── The API document ─────────────

test('pull requests are checked for breaking API changes against the target branch, a label allows one', () => {
  const job = delivery.data.jobs['api-compatibility']!
  assert.equal(job.if, "github.event_name == 'pull_request'")
  assert.deepEqual(job.permissions, { contents: 'read', 'pull-requests': 'read' }, 'reads the labels, writes nothing')
  const checkout = stepsUsing(job, 'actions/checkout')[0]
  assert.equal(checkout?.with?.['fetch-depth'], 0, 'the target branch commit must be in the checkout')
  const step = job.steps?.find((candidate) => candidate.run?.includes('check-api-compatibility.sh'))
  assert.ok(step, 'runs .github/scripts/check-api-compatibility.sh (tested in test/docs/breaking-changes.test.ts)')
  assert.equal(step.env?.BASE_SHA, '${{ github.event.pull_request.base.sha }}')
  assert.equal(step.env.PR_NUMBER, '${{ github.event.pull_request.number }}')
  assert.match(step.run ?? '', /git show "\$BASE_SHA:client\/openapi\.json"/, 'compares with the document committed on the target branch')
  assert.match(step.run ?? '', /src\/openapi-document\.ts/, "generates this pull request's document from its code")
})

test('the build writes openapi.json, kept as an artifact and attached to the release of every v* tag', () => {
  const build = delivery.data.jobs['api-document']!
  const script = (build.steps ?? []).map((step) => step.run ?? '').join('\n')
  assert.match(script, /npm run build/)
  assert.match(script, /npm run lint:openapi/)
  const upload = stepsUsing(build, 'actions/upload-artifact')[0]
  assert.deepEqual([upload?.with?.name, upload?.with?.path], ['openapi-document', 'dist/openapi.json'])
  assert.ok(needsOf(delivery.data.jobs['terraform-dev']!).includes('api-document'), 'a document that does not build blocks every change of the environments')

  const release = delivery.data.jobs['api-release-asset']!
  assert.equal(release.if, "github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v')")
  assert.deepEqual([...needsOf(release)].sort(), ['api-document', 'lint', 'test'])
  assert.deepEqual(release.permissions, { contents: 'write' })
  assert.deepEqual(stepsUsing(release, 'actions/checkout'), [], 'the job that can write contents runs no repository code')
  assert.equal(stepsUsing(release, 'actions/download-artifact')[0]?.with?.name, 'openapi-document')
  const attach = (release.steps ?? []).map((step) => step.run ?? '').join('\n')
  assert.match(attach, /gh release upload "\$TAG" "\$document" --clobber/)
  assert.match(attach, /gh release create "\$TAG" "\$document" --verify-tag/)
})

// ───────────── Runs of the same branch ─────────────

/** Evaluates the `${{ }}` parts of a string the way GitHub does for the small subset used in
 *  concurrency groups: context paths joined by `||` (the first truthy value wins). Anything else
 *  throws, so that a group this cannot evaluate fails the test instead of passing it. */
function evaluateGroup(template: string, context: Record<string, unknown>): string {
  return template.replace(/\$\{\{([^}]*)\}\}/g, (_match, expression: string) => {
    for (const operand of expression.split('||').map((part) => part.trim())) {
      if (!/^[a-z_]+(\.[a-z_-]+)*$/i.test(operand)) throw new Error(`cannot evaluate ${operand} in ${template}`)
      const value = operand.split('.').reduce<unknown>((object, key) => (object as Record<string, unknown> | undefined)?.[key], context)
      if (typeof value === 'string' || typeof value === 'number') {
        if (value !== '' && value !== 0) return String(value)
      } else if (value !== undefined && value !== null) {
        throw new Error(`${operand} is not a string or number`)
      }
    }
    return ''
  })
}

test('a manual run never shares the concurrency group of the push runs it could cancel', () => {
  const group = (delivery.data.concurrency as { group: string }).group
  const run = (event_name: string, ref: string, pull_request?: { number: number }) =>
    evaluateGroup(group, { github: { workflow: 'Delivery', event_name, ref, event: { pull_request } } })
  for (const branch of ['main', 'feature/x']) {
    // GitHub keeps one pending run per group and cancels the one before: a dispatch (which never
    // applies or pins) queued behind a running push would cancel the pending push run of a merge.
    assert.notEqual(run('workflow_dispatch', `refs/heads/${branch}`), run('push', `refs/heads/${branch}`), branch)
  }
  assert.equal(run('push', 'refs/heads/main'), run('push', 'refs/heads/main'), 'pushes to one branch queue behind each other')
  assert.equal(run('pull_request', 'refs/pull/7/merge', { number: 7 }), run('pull_request', 'refs/pull/7/merge', { number: 7 }), 'a new commit supersedes its pull request\'s run')
  assert.notEqual(run('pull_request', 'refs/pull/7/merge', { number: 7 }), run('pull_request', 'refs/pull/8/merge', { number: 8 }))
  assert.throws(() => evaluateGroup('${{ format(github.ref) }}', {}), /cannot evaluate/)
})

// ───────────── Terraform: the reviewed plan is the applied plan ─────────────

const runScript = (job: Job) => (job.steps ?? []).map((step) => step.run ?? '').join('\n')

test('no workflow lets Terraform ignore the dependency lock file', () => {
  for (const workflow of workflows) assert.doesNotMatch(workflow.text, /TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE/, workflow.path)
})

test('the apply job applies the saved, checksummed plan of the plan job, and never plans itself', () => {
  const apply = terraformEnvironment.data.jobs.apply!
  const plan = terraformEnvironment.data.jobs.plan!
  assert.deepEqual(needsOf(apply), ['plan'])

  // The plan job: saved plan, its SHA-256 as a job output, the files as an artifact, the text on
  // the run's summary page where the approver reads it.
  const planStep = plan.steps?.find((step) => step.id === 'plan')
  assert.match(planStep?.run ?? '', /\.github\/scripts\/terraform-plan\.sh "\$ENVIRONMENT" "\$RUNNER_TEMP\/plan"/)
  assert.match(planStep?.run ?? '', /echo "sha256=\$\(cat "\$RUNNER_TEMP\/plan\/tfplan\.sha256"\)" >> "\$GITHUB_OUTPUT"/)
  assert.equal(plan.outputs?.sha256, '${{ steps.plan.outputs.sha256 }}')
  const [upload] = stepsUsing(plan, 'actions/upload-artifact')
  const artifact = 'terraform-plan-${{ inputs.environment }}'
  assert.equal(upload?.with?.name, artifact)
  assert.match(String(upload.with.path), /plan\/tfplan\n.*plan\/plan\.txt/)
  assert.match(runScript(plan), /plan\.txt.*\n?[\s\S]*GITHUB_STEP_SUMMARY/)

  // The apply job: that artifact, checked by GitHub's digest and by the plan's SHA-256, applied.
  const [download] = stepsUsing(apply, 'actions/download-artifact')
  assert.equal(download?.with?.name, artifact)
  assert.equal(download.with['digest-mismatch'], 'error')
  assert.equal(apply.env?.PLAN_SHA256, '${{ needs.plan.outputs.sha256 }}')
  assert.match(runScript(apply), /\.github\/scripts\/terraform-apply\.sh "\$ENVIRONMENT" "\$RUNNER_TEMP\/plan\/tfplan" "\$PLAN_SHA256"/)
  assert.doesNotMatch(runScript(apply), /terraform\b[^\n]*\bplan\b(?!\/)/, 'the apply job must not plan again')
  assert.doesNotMatch(runScript(apply), /terraform -chdir=\S+ apply/, 'applies only through terraform-apply.sh')

  // Its outputs reach the environment's values by pull request, never by --set.
  assert.match(runScript(apply), /output -json helm_values/)
  assert.match(runScript(apply), /propose-terraform-outputs\.sh "\$ENVIRONMENT" "\$RUNNER_TEMP\/terraform-outputs\.json"/)
  assert.doesNotMatch(runScript(apply), /--set/)
})

test('plans and applies initialise only from the committed lock files, which the lock workflow proposes', async () => {
  const init = await readFile(join(githubDirectory, 'scripts', 'terraform-init.sh'), 'utf8')
  assert.match(init, /init [^\n]*-lockfile=readonly/)
  for (const job of [terraformEnvironment.data.jobs.plan!, delivery.data.jobs['terraform-plan']!]) assert.match(runScript(job), /terraform-plan\.sh/)
  assert.match(runScript(terraformEnvironment.data.jobs.apply!), /terraform-init\.sh "\$ENVIRONMENT"/)

  const lockWorkflow = workflowNamed('terraform-lock.yml')
  const script = await readFile(join(githubDirectory, 'scripts', 'terraform-lock-files.sh'), 'utf8')
  assert.match(script, /providers lock/)
  for (const platform of ['linux_amd64', 'linux_arm64', 'darwin_amd64', 'darwin_arm64']) assert.match(script, new RegExp(platform))
  assert.match(script, /terraform\/bootstrap terraform\/environments\/\*/, 'every root')
  assert.match(runScript(lockWorkflow.data.jobs['lock-files']!), /terraform-lock-files\.sh[\s\S]*propose-lock-files\.sh "\$GITHUB_REF_NAME"/)
})

// ───────────── Promotion pull requests ─────────────

test('without PROMOTION_TOKEN or the repository setting, a promotion warns after a rollout and fails when asked for by hand', () => {
  const promote = workflowNamed('promote.yml')
  const lockFiles = workflowNamed('terraform-lock.yml')
  const cases: [Job, string][] = [
    [rollout.data.jobs.promote!, 'warn'],
    [promote.data.jobs['promotion-pr']!, 'fail'],
    [lockFiles.data.jobs['lock-files']!, 'default'],
  ]
  for (const [job, onRefusal] of cases) {
    assert.equal(job.env?.GH_TOKEN, '${{ secrets.PROMOTION_TOKEN || github.token }}')
    assert.equal(job.env.USING_PROMOTION_TOKEN, "${{ secrets.PROMOTION_TOKEN != '' }}")
    assert.equal(job.env.ON_REFUSAL ?? 'default', onRefusal)
  }
})

// ───────────── Tests on GitHub ─────────────

test('the GitHub test job installs every system tool and requires them, so nothing skips there', () => {
  const testJob = delivery.data.jobs.test!
  const install = runScript(testJob)
  assert.match(install, /apt-get install [^\n]*shellcheck/)
  assert.match(install, /apt-get install [^\n]*jq/)
  assert.match(install, /apt-get install [^\n]*curl/)
  assert.match(install, /install-radosgw\.sh/)
  assert.ok(stepsUsing(testJob, 'hashicorp/setup-terraform').length === 1, 'terraform')
  const runsTests = testJob.steps?.find((step) => step.run?.includes('npm run test:all'))
  assert.equal(runsTests?.env?.REQUIRE_SYSTEM_TOOLS, '1')
})

// ───────────── AWS access ─────────────

test('no workflow or action uses static AWS keys', () => {
  const staticKey = /aws-access-key-id|aws-secret-access-key|aws_access_key_id|aws_secret_access_key|aws_session_token/i
  for (const file of [...workflows, ...loadCompositeActions()]) {
    assert.doesNotMatch(file.text, staticKey, `${file.path} mentions a static AWS key`)
  }
})

test('AWS is reached through OIDC role assumption only', () => {
  const awsJobs = jobs.filter(({ job }) => stepsUsing(job, 'aws-actions/configure-aws-credentials').length > 0)
  assert.deepEqual(awsJobs.map(({ key }) => key).sort(), ['delivery.yml:terraform-plan', 'terraform-environment.yml:apply', 'terraform-environment.yml:plan'])
  for (const { key, job } of awsJobs) {
    assert.equal((job.permissions as Permissions)['id-token'], 'write', `${key}: OIDC needs id-token: write`)
    for (const step of stepsUsing(job, 'aws-actions/configure-aws-credentials')) {
      assert.ok(step.with?.['role-to-assume'], `${key}: role-to-assume missing`)
    }
  }
})

// ───────────── Slack ─────────────

test('each workflow ends in one Slack job that always runs after every other job', () => {
  for (const workflow of workflows.filter((candidate) => !isCalledOnly(candidate))) {
    const ids = Object.keys(workflow.data.jobs)
    const notifiers = ids.filter((id) => stepsUsing(workflow.data.jobs[id]!, notifyAction).length > 0)
    assert.equal(notifiers.length, 1, `${workflow.path}: exactly one job must notify Slack`)
    const notifier = workflow.data.jobs[notifiers[0]!]!
    assert.equal(notifier.if, 'always()', `${workflow.path}: the Slack job must run if: always()`)
    assert.deepEqual([...needsOf(notifier)].sort(), ids.filter((id) => id !== notifiers[0]).sort(), `${workflow.path}: the Slack job must need every other job`)
    const step = stepsUsing(notifier, notifyAction)[0]!
    assert.equal(step.with?.needs, '${{ toJSON(needs) }}', 'the combined result is computed from all needed jobs')
    assert.equal(step.with['webhook-url'], '${{ secrets.SLACK_WEBHOOK_URL }}')
  }
})

test('the Slack action is skipped, not failed, without a webhook, and posts with slack-github-action', () => {
  const action = loadCompositeActions().find((candidate) => candidate.path.includes('notify-slack'))!
  const steps = action.data.runs.steps
  const send = steps.find((step) => step.uses?.startsWith('slackapi/slack-github-action@'))
  assert.ok(send, 'sends with slackapi/slack-github-action')
  assert.equal(send.if, "inputs.webhook-url != ''")
  assert.equal(send.with?.['webhook-type'], 'incoming-webhook')
  assert.equal(send.with.webhook, '${{ inputs.webhook-url }}')
  assert.ok(steps.some((step) => step.if === "inputs.webhook-url == ''" && step.run?.includes('::notice')))
  assert.equal(action.data.inputs?.['webhook-url']?.required, false)
})

// ───────────── Pinning ─────────────

interface RecordedAction {
  version: string
  commit: string
  inputs: string[]
}
const recordedActions = JSON.parse(readFileSync(new URL('./action-inputs.json', import.meta.url), 'utf8')) as Record<string, RecordedAction>

function usesLines(): { where: string; line: string }[] {
  return [...workflows, ...loadCompositeActions()].flatMap((file) =>
    file.text
      .split('\n')
      .filter((line) => /^\s*(-\s+)?uses:/.test(line))
      .map((line) => ({ where: file.path, line: line.trim().replace(/^-\s+/, '') })),
  )
}

test('every action is pinned to a full commit SHA with its version, or to a documented major version', () => {
  const lines = usesLines()
  assert.ok(lines.length > 20)
  for (const { where, line } of lines) {
    if (line.startsWith('uses: ./')) continue
    const pinned = /^uses: [\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/.test(line)
    const major = /^uses: [\w.-]+\/[\w.-]+(\/[\w./-]+)?@v\d+ # .*not verified/.test(line)
    assert.ok(pinned || major, `${where}: ${line}`)
  }
})

/** What is wrong with one `uses:` of a step: an unrecorded action, an undeclared input, or a commit
 *  that is not the recorded, verified one (any other SHA, even a real commit of the action, is
 *  unreviewed code), or a version comment that does not name the recorded version. */
function pinProblems(where: string, step: { uses: string; with?: Record<string, unknown> }, line: string | undefined): string[] {
  const [action, ref] = step.uses.split('@') as [string, string]
  const recorded = recordedActions[action]
  if (!recorded) return [`${where}: ${action} is not in action-inputs.json; record its inputs from its action.yml`]
  const problems = Object.keys(step.with ?? {})
    .filter((input) => !recorded.inputs.includes(input))
    .map((input) => `${where}: ${action} has no input ${input}`)
  if (/^[0-9a-f]{40}$/.test(ref)) {
    if (ref !== recorded.commit) problems.push(`${where}: ${action}@${ref} is not the verified commit of ${recorded.version} (${recorded.commit})`)
    else if (!line?.endsWith(`# ${recorded.version}`)) problems.push(`${where}: ${action}@${ref} is ${recorded.version}, not ${line ?? '?'}`)
  }
  return problems
}

test('pinned actions are the verified commits and get only inputs they declare', () => {
  const steps = [
    ...jobs.flatMap(({ key, job }) => (job.steps ?? []).map((step) => ({ key, step }))),
    ...loadCompositeActions().flatMap((action) => action.data.runs.steps.map((step) => ({ key: action.path, step }))),
  ]
  const lines = usesLines()
  const problems = steps.flatMap(({ key, step }) => {
    if (step.uses === undefined || step.uses.startsWith('./')) return []
    const line = lines.find((candidate) => candidate.line.startsWith(`uses: ${step.uses ?? ''}`))?.line
    return pinProblems(key, { uses: step.uses, with: step.with }, line)
  })
  assert.deepEqual(problems, [])
})

test('the pin check rejects a commit other than the verified one, a wrong version and an unknown input', () => {
  const { commit, version } = recordedActions['actions/checkout']!
  const uses = (ref: string) => `actions/checkout@${ref}`
  const otherCommit = commit.replace(/^./, (first) => (first === '0' ? '1' : '0'))
  assert.deepEqual(pinProblems('w', { uses: uses(commit) }, `uses: ${uses(commit)} # ${version}`), [])
  assert.equal(pinProblems('w', { uses: uses(otherCommit) }, `uses: ${uses(otherCommit)} # ${version}`).length, 1)
  assert.equal(pinProblems('w', { uses: uses(commit) }, `uses: ${uses(commit)} # v0.0.1`).length, 1)
  assert.equal(pinProblems('w', { uses: uses(commit), with: { 'no-such-input': 1 } }, `uses: ${uses(commit)} # ${version}`).length, 1)
  assert.equal(pinProblems('w', { uses: 'example/unrecorded@v1' }, undefined).length, 1)
})

// ───────────── Dependabot ─────────────

test('Dependabot updates npm, GitHub Actions, Docker and Terraform', () => {
  const config = parse(readFileSync(join(githubDirectory, 'dependabot.yml'), 'utf8')) as { updates: { 'package-ecosystem': string }[] }
  const ecosystems = config.updates.map((update) => update['package-ecosystem']).sort()
  assert.deepEqual(ecosystems, ['docker', 'github-actions', 'npm', 'terraform'])
})
