// The SonarQube job of the Delivery workflow and the scripts around it: the job is a no-op that
// says so without a token, never hands the token to steps that do not need it, analyses with the
// coverage and ESLint reports the rest of the pipeline produces, and waits for the quality gate;
// the gate script reads the result from a stand-in for SonarQube's Web API, and the result reaches
// the job summary and the Slack message. The coverage summary of the test job is checked here too.
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { SYSTEM_TOOLS, skipUnlessInstalled } from '../support/system-tools.js'
import { githubDirectory, loadWorkflows, needsOf, repositoryRoot, runCommand, stepsUsing, type Job, type Step } from './workflows.js'

const delivery = loadWorkflows().find((workflow) => basename(workflow.path) === 'delivery.yml')!
const scanAction = 'SonarSource/sonarqube-scan-action'

function sonarJob(): Job {
  const job = delivery.data.jobs.sonarqube
  assert.ok(job, 'delivery.yml has a sonarqube job')
  return job
}

const runsOnlyWithToken = (step: Step) => (step.if ?? '').includes("env.SONAR_CONFIGURED == 'true'")

function properties(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')).trim(), line.slice(line.indexOf('=') + 1).trim()]),
  )
}

describe('the SonarQube job', () => {
  it('knows whether a token is configured without exposing it to every step', () => {
    const job = sonarJob()
    assert.equal(job.env?.SONAR_CONFIGURED, "${{ secrets.SONAR_TOKEN != '' }}")
    assert.ok(!JSON.stringify(job.env).includes('secrets.SONAR_TOKEN }}'), 'the token itself is not in the job environment')
    const withToken = (job.steps ?? []).filter((step) => JSON.stringify(step.env ?? {}).includes('secrets.SONAR_TOKEN'))
    assert.deepEqual(withToken.map((step) => step.id), ['scan', 'gate'], 'only the scan and the gate check see the token')
  })

  it('says so in a notice and succeeds when no token is configured (forks, Dependabot, no SonarQube)', () => {
    const steps = sonarJob().steps ?? []
    const skip = steps.filter((step) => !runsOnlyWithToken(step))
    assert.equal(skip.length, 1, 'exactly one step runs without a token')
    assert.equal(skip[0]!.if, "env.SONAR_CONFIGURED != 'true'")
    assert.match(skip[0]!.run ?? '', /^echo "::notice title=SonarQube::SONAR_TOKEN is not set/)
    assert.doesNotMatch(skip[0]!.run ?? '', /exit [1-9]/)
  })

  it('analyses with the official scan action, pinned, and waits for the quality gate', () => {
    const [scan] = stepsUsing(sonarJob(), scanAction)
    assert.ok(scan, `uses ${scanAction}`)
    assert.equal(scan.id, 'scan')
    const args = String(scan.with?.args)
    assert.match(args, /-Dsonar\.qualitygate\.wait=true/)
    assert.match(args, /-Dsonar\.qualitygate\.timeout=\d+/)
    for (const variable of ['SONAR_HOST_URL', 'SONAR_ORGANIZATION', 'SONAR_PROJECT_KEY']) {
      assert.match(args, new RegExp(`vars\\.${variable} != '' && format\\(`), `${variable} is passed only when set`)
    }
    assert.equal(scan.env?.SONAR_TOKEN, '${{ secrets.SONAR_TOKEN }}')
  })

  it('reports the gate even when it failed, as job outputs the Slack job reads', () => {
    const job = sonarJob()
    const gate = (job.steps ?? []).find((step) => step.id === 'gate')
    assert.ok(gate)
    assert.match(gate.if ?? '', /^always\(\) && /)
    assert.match(gate.run ?? '', /^\.github\/scripts\/sonar-quality-gate\.sh /)
    assert.equal(job.outputs?.['quality-gate'], '${{ steps.gate.outputs.quality-gate }}')
    assert.equal(job.outputs['quality-gate-url'], '${{ steps.gate.outputs.dashboard-url }}')
    assert.ok(needsOf(delivery.data.jobs.notify!).includes('sonarqube'))
    assert.ok(needsOf(delivery.data.jobs['terraform-dev']!).includes('sonarqube'), 'a failed gate keeps the commit from the environments')
  })

  it('feeds SonarQube the coverage of the test job and the ESLint report it writes', async () => {
    const settings = properties(await readFile(join(repositoryRoot, 'sonar-project.properties'), 'utf8'))
    assert.equal(settings['sonar.sources'], 'src')
    assert.equal(settings['sonar.tests'], 'test')
    const job = sonarJob()
    assert.deepEqual(needsOf(job), ['test'])

    const [download] = stepsUsing(job, 'actions/download-artifact')
    const uploads = stepsUsing(delivery.data.jobs.test!, 'actions/upload-artifact')
    assert.ok(download && uploads.length === 1)
    assert.equal(download.with?.name, 'coverage-node24')
    assert.equal(uploads[0]!.with?.name, 'coverage-node${{ matrix.node }}')
    assert.ok((delivery.data.jobs.test as { strategy?: { matrix?: { node?: number[] } } }).strategy?.matrix?.node?.includes(24))
    assert.ok(String(uploads[0]!.with.path).includes('coverage/lcov.info'))
    assert.equal(join(String(download.with.path), 'lcov.info'), settings['sonar.javascript.lcov.reportPaths'])

    const eslint = (job.steps ?? []).find((step) => step.run?.includes('eslint'))
    assert.ok(eslint?.run?.includes(`--format json --output-file ${settings['sonar.eslint.reportPaths'] ?? '<unset>'}`))
  })

  it('lets ESLint findings through to SonarQube but not a crash of ESLint', async () => {
    const script = (sonarJob().steps ?? []).find((step) => step.run?.includes('eslint'))!.run!
    const directory = await mkdtemp(join(tmpdir(), 'eslint-step-'))
    try {
      // A stand-in npx that exits as ESLint would.
      await writeFile(join(directory, 'npx'), '#!/usr/bin/env bash\nexit "$ESLINT_EXIT"\n', { mode: 0o755 })
      const run = (code: number) =>
        runCommand('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', script], {
          cwd: directory,
          env: { PATH: `${directory}:${process.env.PATH ?? ''}`, ESLINT_EXIT: String(code) },
        })
      assert.equal((await run(0)).exitCode, 0)
      assert.equal((await run(1)).exitCode, 0, 'findings are the report, not a failure here')
      assert.notEqual((await run(2)).exitCode, 0, 'a crashed ESLint fails the step')
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
  })

  it('the test job writes the coverage summary and uploads the report even after a failure', () => {
    const steps = delivery.data.jobs.test!.steps ?? []
    assert.ok(steps.some((step) => step.run === 'npm run test:all'))
    const summary = steps.find((step) => step.run?.includes('coverage-summary.sh'))
    assert.ok(summary?.run, 'the test job runs coverage-summary.sh')
    assert.ok(summary.run.endsWith('>> "$GITHUB_STEP_SUMMARY"'), 'the test job appends the coverage summary')
    assert.equal(summary.if, '${{ !cancelled() }}')
    assert.equal(stepsUsing(delivery.data.jobs.test!, 'actions/upload-artifact')[0]?.if, '${{ !cancelled() }}')
  })
})

// ───────────── The gate script against a stand-in SonarQube ─────────────

const TOKEN = 'squ_placeholder0000000000000000000000000000'

interface SonarStandIn {
  url: string
  taskRequests: number
  authorizations: (string | undefined)[]
  pendingPolls: number
  taskStatus: string
  gate: object
}

// The scripts run with the real curl and jq, as on GitHub's runners; without them they skip.
describe('sonar-quality-gate.sh', { skip: skipUnlessInstalled([SYSTEM_TOOLS.curl, SYSTEM_TOOLS.jq]) }, () => {
  let server: Server
  let directory: string
  const sonar: SonarStandIn = { url: '', taskRequests: 0, authorizations: [], pendingPolls: 0, taskStatus: 'SUCCESS', gate: {} }

  before(async () => {
    server = createServer((request: IncomingMessage, response) => {
      sonar.authorizations.push(request.headers.authorization)
      if (request.headers.authorization !== `Basic ${Buffer.from(`${TOKEN}:`).toString('base64')}`) {
        response.writeHead(401).end()
        return
      }
      const url = new URL(request.url ?? '/', sonar.url)
      if (url.pathname === '/api/ce/task' && url.searchParams.get('id') === 'TASK1') {
        sonar.taskRequests++
        const status = sonar.taskRequests <= sonar.pendingPolls ? 'PENDING' : sonar.taskStatus
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ task: { id: 'TASK1', status, analysisId: 'ANALYSIS1' } }))
      } else if (url.pathname === '/api/qualitygates/project_status' && url.searchParams.get('analysisId') === 'ANALYSIS1') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(sonar.gate))
      } else {
        response.writeHead(404).end()
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    sonar.url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
    directory = await mkdtemp(join(tmpdir(), 'sonar-gate-'))
  })
  after(async () => {
    server.close()
    await rm(directory, { recursive: true, force: true })
  })

  async function checkGate(options: { token?: string; report?: string | null; env?: Record<string, string> } = {}) {
    const report = join(directory, 'report-task.txt')
    const output = join(directory, 'output')
    const summary = join(directory, 'summary')
    await writeFile(output, '')
    await writeFile(summary, '')
    await rm(report, { force: true })
    if (options.report !== null) {
      await writeFile(
        report,
        options.report ??
          [
            'projectKey=user-api',
            `serverUrl=${sonar.url}`,
            'serverVersion=2026.1',
            `dashboardUrl=${sonar.url}/dashboard?id=user-api`,
            'ceTaskId=TASK1',
            `ceTaskUrl=${sonar.url}/api/ce/task?id=TASK1`,
          ].join('\n') + '\n',
      )
    }
    sonar.taskRequests = 0
    sonar.authorizations = []
    const result = await runCommand(join(githubDirectory, 'scripts', 'sonar-quality-gate.sh'), [report], {
      env: {
        SONAR_TOKEN: options.token ?? TOKEN,
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
        SONAR_POLL_INTERVAL_SECONDS: '0',
        ...options.env,
      },
    })
    const outputs = Object.fromEntries(
      (await readFile(output, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    )
    return { ...result, outputs, summary: await readFile(summary, 'utf8') }
  }

  it('reports a passed gate with its dashboard, authenticated with the token', async () => {
    sonar.gate = { projectStatus: { status: 'OK', conditions: [{ status: 'OK', metricKey: 'new_coverage', actualValue: '97.0', comparator: 'LT', errorThreshold: '85' }] } }
    const result = await checkGate()
    assert.equal(result.exitCode, 0, result.stderr)
    assert.deepEqual(result.outputs, { 'dashboard-url': `${sonar.url}/dashboard?id=user-api`, 'quality-gate': 'PASSED' })
    assert.match(result.summary, /^### SonarQube quality gate: PASSED\n/)
    assert.ok(result.summary.includes(`[Dashboard](${sonar.url}/dashboard?id=user-api)`))
    assert.doesNotMatch(result.summary, /failed condition/)
    assert.ok(!result.stdout.includes(TOKEN) && !result.stderr.includes(TOKEN), 'the token is never printed')
  })

  it('fails on a failed gate and lists the conditions that failed', async () => {
    sonar.gate = {
      projectStatus: {
        status: 'ERROR',
        conditions: [
          { status: 'ERROR', metricKey: 'new_coverage', actualValue: '70.0', comparator: 'LT', errorThreshold: '85' },
          { status: 'OK', metricKey: 'new_reliability_rating', actualValue: '1', comparator: 'GT', errorThreshold: '1' },
          { status: 'ERROR', metricKey: 'new_violations', actualValue: '3', comparator: 'GT', errorThreshold: '0' },
        ],
      },
    }
    const result = await checkGate()
    assert.equal(result.exitCode, 1)
    assert.equal(result.outputs['quality-gate'], 'FAILED')
    assert.ok(result.summary.includes('| new_coverage | 70.0 | LT 85 |'), result.summary)
    assert.ok(result.summary.includes('| new_violations | 3 | GT 0 |'))
    assert.ok(!result.summary.includes('new_reliability_rating'))
  })

  it('waits while SonarQube still processes the analysis, within a bound', async () => {
    sonar.gate = { projectStatus: { status: 'OK' } }
    sonar.pendingPolls = 2
    const waited = await checkGate()
    assert.equal(waited.exitCode, 0, waited.stderr)
    assert.equal(sonar.taskRequests, 3)
    const gaveUp = await checkGate({ env: { SONAR_POLL_SECONDS: '0' } })
    assert.equal(gaveUp.exitCode, 1)
    assert.match(gaveUp.stderr, /still PENDING after 0s/)
    assert.equal(gaveUp.outputs['quality-gate'], 'NONE')
    sonar.pendingPolls = 0
  })

  it('fails when SonarQube could not process the analysis, or the token is refused', async () => {
    sonar.taskStatus = 'FAILED'
    const failed = await checkGate()
    sonar.taskStatus = 'SUCCESS'
    assert.equal(failed.exitCode, 1)
    assert.match(failed.stderr, /could not process the analysis \(task FAILED\)/)
    const refused = await checkGate({ token: 'squ_wrong' })
    assert.notEqual(refused.exitCode, 0)
    assert.match(refused.stderr, /401/)
  })

  it('warns about a project without a gate, and fails without an uploaded analysis', async () => {
    sonar.gate = { projectStatus: { status: 'NONE' } }
    const none = await checkGate()
    assert.equal(none.exitCode, 0)
    assert.equal(none.outputs['quality-gate'], 'NONE')
    assert.match(none.stdout, /::warning title=SonarQube::the project has no quality gate/)
    const missing = await checkGate({ report: null })
    assert.equal(missing.exitCode, 1)
    assert.equal(missing.outputs['quality-gate'], 'NONE')
    assert.match(missing.stderr, /uploaded no analysis/)
    const incomplete = await checkGate({ report: 'projectKey=user-api\n' })
    assert.equal(incomplete.exitCode, 1)
    assert.match(incomplete.stderr, /no serverUrl or ceTaskUrl/)
    assert.deepEqual(sonar.authorizations, [], 'nothing is requested without a task to ask about')
  })
})

// ───────────── Job summary and Slack ─────────────

describe('coverage-summary.sh', { skip: skipUnlessInstalled(SYSTEM_TOOLS.jq) }, () => {
  it('shows the totals against the thresholds and the files not fully covered, weakest first', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'coverage-summary-'))
    try {
      const metric = (covered: number, total: number) => ({ total, covered, skipped: 0, pct: Math.round((10000 * covered) / total) / 100 })
      const file = (lines: number, branches: number) => ({ lines: metric(lines, 100), statements: metric(lines, 100), functions: metric(10, 10), branches: metric(branches, 100) })
      await writeFile(
        join(directory, 'coverage-summary.json'),
        JSON.stringify({
          total: { lines: metric(990, 1000), statements: metric(990, 1000), functions: metric(100, 100), branches: metric(90, 100) },
          [join(repositoryRoot, 'src/a.ts')]: file(100, 100),
          [join(repositoryRoot, 'src/b.ts')]: file(95, 99),
          [join(repositoryRoot, 'src/c.ts')]: file(100, 60),
        }),
      )
      await writeFile(join(directory, 'thresholds.json'), JSON.stringify({ lines: 98, branches: 92, functions: 98, statements: 98 }))
      const script = join(githubDirectory, 'scripts', 'coverage-summary.sh')
      const result = await runCommand(script, ['Coverage on Node 24', join(directory, 'coverage-summary.json'), join(directory, 'thresholds.json')])
      assert.equal(result.exitCode, 0, result.stderr)
      const lines = result.stdout.split('\n')
      assert.equal(lines[0], '### Coverage on Node 24')
      assert.ok(lines.includes('| lines | 99% (990/1000) | 98% ✅ |'), result.stdout)
      assert.ok(lines.includes('| branches | 90% (90/100) | 92% ❌ |'))
      assert.ok(lines.includes('<details><summary>2 files not fully covered</summary>'))
      const rows = lines.filter((line) => line.startsWith('| `'))
      assert.deepEqual(rows, ['| `src/c.ts` | 100% | 60% | 100% |', '| `src/b.ts` | 95% | 99% | 100% |'])

      const missing = await runCommand(script, ['Coverage on Node 22', join(directory, 'absent.json'), join(directory, 'thresholds.json')])
      assert.equal(missing.exitCode, 0)
      assert.match(missing.stdout, /No coverage report: the test run did not finish\./)
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
  })
})

describe('the Slack message', { skip: skipUnlessInstalled(SYSTEM_TOOLS.jq) }, () => {
  async function payload(needs: Record<string, { result: string; outputs: Record<string, string> }>): Promise<string[]> {
    const outcome = await runCommand(join(githubDirectory, 'actions', 'notify-slack', 'slack-payload.sh'), [], {
      env: {
        NEEDS_JSON: JSON.stringify(needs),
        RESULT: 'failure',
        WORKFLOW: 'Delivery',
        RUN_NUMBER: '7',
        RUN_URL: 'https://github.com/example/user-api/actions/runs/7',
        REPOSITORY: 'example/user-api',
        BRANCH: 'dev',
        EVENT: 'push',
        ACTOR: 'octocat',
        COMMIT: '0123456789abcdef0123456789abcdef01234567',
        COMMIT_URL: 'https://github.com/example/user-api/commit/0123456789abcdef0123456789abcdef01234567',
      },
    })
    assert.equal(outcome.exitCode, 0, outcome.stderr)
    const message = JSON.parse(outcome.stdout) as { blocks: { fields?: { text: string }[] }[] }
    return message.blocks.flatMap((block) => (block.fields ?? []).map((field) => field.text))
  }

  it('carries the quality gate and links its dashboard', async () => {
    const fields = await payload({
      test: { result: 'success', outputs: {} },
      sonarqube: { result: 'failure', outputs: { 'quality-gate': 'FAILED', 'quality-gate-url': 'https://sonarcloud.io/dashboard?id=user-api' } },
    })
    assert.ok(fields.includes('*Quality gate*\n<https://sonarcloud.io/dashboard?id=user-api|FAILED>'), fields.join('\n'))
    const withoutUrl = await payload({ sonarqube: { result: 'success', outputs: { 'quality-gate': 'PASSED' } } })
    assert.ok(withoutUrl.includes('*Quality gate*\nPASSED'))
  })

  it('leaves the gate out when no analysis ran', async () => {
    const fields = await payload({ sonarqube: { result: 'success', outputs: { 'quality-gate': '' } }, lint: { result: 'success', outputs: {} } })
    assert.ok(!fields.some((field) => field.includes('Quality gate')))
  })
})
