// The SLO rules of the chart's PrometheusRule, proven with the real promtool (Debian's prometheus
// package): the rendered rules pass `promtool check rules`, and `promtool test rules` replays
// synthetic traffic through them: a healthy service (no alert), a fast burn (the page fires within
// minutes), a slow burn (a ticket, no page), recovery (the alerts resolve) and a latency burn.
// Without promtool these skip with the install command (test/support/system-tools.ts).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { stringify } from 'yaml'
import { HTTP_DURATION_BUCKETS_SECONDS } from '../../src/metrics/metrics.js'
import { SYSTEM_TOOLS, skipUnlessInstalled } from '../support/system-tools.js'
import { chartDirectory, helm, onlyObjectOfKind, render } from './helm.js'

interface Rule {
  alert?: string
  record?: string
  expr: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}
interface RuleGroup {
  name: string
  rules: Rule[]
}

const runbooks = new URL('../../docs/runbooks/', import.meta.url)
const BURN_ALERTS = ['UserApiAvailabilityFastBurn', 'UserApiAvailabilitySlowBurn', 'UserApiLatencyFastBurn', 'UserApiLatencySlowBurn'] as const
type BurnAlert = (typeof BURN_ALERTS)[number]

async function renderedRuleGroups(extra: string[] = []): Promise<RuleGroup[]> {
  const rule = onlyObjectOfKind(await render('default', ['--set', 'metrics.prometheusRule.enabled=true', ...extra]), 'PrometheusRule')
  return (rule.spec as { groups: RuleGroup[] }).groups
}

describe('SLO rules: what the chart renders', () => {
  it('accepts exactly the bucket bounds of http_request_duration_seconds as latency thresholds, and refuses any other', async () => {
    const schema = JSON.parse(readFileSync(join(chartDirectory, 'values.schema.json'), 'utf8')) as {
      properties: { metrics: { properties: { slo: { properties: { latency: { properties: { thresholdSeconds: { enum: number[] } } } } } } } }
    }
    assert.deepEqual(schema.properties.metrics.properties.slo.properties.latency.properties.thresholdSeconds.enum, [...HTTP_DURATION_BUCKETS_SECONDS])
    const refused = await helm(['template', 'user-api', '.', '--set', 'metrics.prometheusRule.enabled=true', '--set', 'metrics.slo.latency.thresholdSeconds=0.35'])
    assert.notEqual(refused.exitCode, 0)
    assert.match(refused.stderr, /thresholdSeconds/)
    const perGroup = await helm(['template', 'user-api', '.', '--set-json', 'metrics.slo.routeGroups.writes.latencyThresholdSeconds=0.45'])
    assert.notEqual(perGroup.exitCode, 0, 'a route group threshold is checked too')
    const sli = (await renderedRuleGroups(['--set-json', 'metrics.slo.routeGroups.writes.latencyThresholdSeconds=0.5'])).flatMap((group) => group.rules)
    const latencyErrors = sli.filter((rule) => rule.record === 'user_api_slo:errors:rate5m' && rule.labels?.slo === 'latency')
    assert.deepEqual(latencyErrors.map((rule) => /le="([^"]+)"/.exec(rule.expr)?.[1]), ['0.3', '0.5'], 'reads keep the default threshold, writes take their own')
  })

  it('gives every alert a runbook in docs/runbooks that says what it means, how to look and what to do', async () => {
    const alerts = (await renderedRuleGroups()).flatMap((group) => group.rules).filter((rule) => rule.alert !== undefined)
    assert.deepEqual([...new Set(alerts.map((rule) => rule.alert))].sort(), ['UserApiDynamoDbThrottled', 'UserApiReplicasUnavailable', ...BURN_ALERTS].sort())
    for (const rule of alerts) {
      const url = rule.annotations?.runbook_url ?? ''
      assert.equal(url, `https://github.com/example/user-api/blob/main/docs/runbooks/${rule.alert}.md`)
      const file = new URL(`${rule.alert}.md`, runbooks)
      assert.ok(existsSync(file), `${rule.alert} has no runbook at docs/runbooks/${rule.alert}.md`)
      const text = readFileSync(file, 'utf8')
      for (const heading of ['## What it means', '## How to look', '## What to do']) assert.ok(text.includes(heading), `${rule.alert}.md lacks "${heading}"`)
    }
  })
})

// --- promtool ---

/** The dashboard's queries by panel title, with its variables filled in as Grafana would. */
function dashboardQueries(variables: Record<string, string>): Record<string, string> {
  const dashboard = JSON.parse(readFileSync(join(chartDirectory, 'dashboards/user-api.json'), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] }
  return Object.fromEntries(
    dashboard.panels
      .filter((panel) => panel.targets?.length === 1)
      .map((panel) => [panel.title, panel.targets![0]!.expr.replace(/\$(\w+)/g, (_, name: string) => variables[name] ?? `$${name}`)]),
  )
}

function promtool(args: string[], cwd: string): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve) => {
    execFile('promtool', args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ exitCode: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, output: stdout + stderr })
    })
  })
}

/** A counter growing by `perMinute` for `minutes`, segment after segment, in promtool's series notation. */
function counter(...segments: [minutes: number, perMinute: number][]): string {
  let value = 0
  const parts = ['0']
  for (const [minutes, perMinute] of segments) {
    parts.push(`${value + perMinute}+${perMinute}x${minutes - 1}`)
    value += perMinute * minutes
  }
  return parts.join(' ')
}

const target = { namespace: 'apps', service: 'user-api', pod: 'user-api-0', job: 'user-api' }
const selector = (labels: Record<string, string>) =>
  `{${Object.entries({ ...target, ...labels })
    .map(([name, value]) => `${name}="${value}"`)
    .join(', ')}}`

/**
 * The series one route exports: requests by status and the latency histogram (only the threshold's
 * bucket matters to the rules). `slow` of the requests take longer than 300 ms.
 */
function routeSeries(route: string, method: string, segments: { minutes: number; ok: number; errors?: number; slow?: number }[]) {
  const ok = segments.map(({ minutes, ok }) => [minutes, ok] as [number, number])
  const errors = segments.map(({ minutes, errors = 0 }) => [minutes, errors] as [number, number])
  const all = segments.map(({ minutes, ok, errors = 0 }) => [minutes, ok + errors] as [number, number])
  const fast = segments.map(({ minutes, ok, errors = 0, slow = 0 }) => [minutes, ok + errors - slow] as [number, number])
  const labels = { route, method }
  return [
    { series: `http_requests_total${selector({ ...labels, status_code: method === 'POST' ? '201' : '200' })}`, values: counter(...ok) },
    { series: `http_requests_total${selector({ ...labels, status_code: '503' })}`, values: counter(...errors) },
    { series: `http_request_duration_seconds_count${selector(labels)}`, values: counter(...all) },
    { series: `http_request_duration_seconds_bucket${selector({ ...labels, le: '0.3' })}`, values: counter(...fast) },
  ]
}

interface Expectation {
  at: string
  firing: { alert: BurnAlert; group: 'reads' | 'writes' }[]
}

describe('SLO rules under promtool', { skip: skipUnlessInstalled(SYSTEM_TOOLS.promtool) }, () => {
  let folder: string
  let groups: RuleGroup[]
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'user-api-slo-'))
    groups = await renderedRuleGroups()
    await writeFile(join(folder, 'rules.yaml'), stringify({ groups }))
  })
  after(async () => {
    await rm(folder, { recursive: true, force: true })
  })

  it('promtool check rules accepts the rendered PrometheusRule', async () => {
    const result = await promtool(['check', 'rules', 'rules.yaml'], folder)
    assert.equal(result.exitCode, 0, result.output)
    assert.match(result.output, /SUCCESS: \d+ rules found/)
  })

  // The alert as Prometheus would send it: the labels of the series plus the rule's, and the rule's annotations.
  const expectedAlert = (alert: BurnAlert, group: string) => {
    const rule = groups.flatMap((ruleGroup) => ruleGroup.rules).find((candidate) => candidate.alert === alert && candidate.labels?.route_group === group)!
    return { exp_labels: { namespace: 'apps', service: 'user-api', ...rule.labels }, exp_annotations: rule.annotations }
  }

  interface ExprTest {
    expr: string
    eval_time: string
    exp_samples: { labels: string; value: number }[]
  }

  async function runPromtoolTest(name: string, inputSeries: { series: string; values: string }[], expectations: Expectation[], exprTests: ExprTest[] = []): Promise<void> {
    const test = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          name,
          interval: '1m',
          input_series: inputSeries,
          // Every burn alert at every time: an alert not listed as firing must not be firing.
          alert_rule_test: expectations.flatMap(({ at, firing }) =>
            BURN_ALERTS.map((alert) => ({
              eval_time: at,
              alertname: alert,
              exp_alerts: firing.filter((expected) => expected.alert === alert).map((expected) => expectedAlert(alert, expected.group)),
            })),
          ),
          promql_expr_test: exprTests,
        },
      ],
    }
    const file = `${name.replace(/\W+/g, '-')}.test.yaml`
    await writeFile(join(folder, file), stringify(test))
    const result = await promtool(['test', 'rules', file], folder)
    assert.equal(result.exitCode, 0, result.output)
  }

  const healthyReads = { minutes: 60, ok: 100 }
  const healthyWrites = routeSeries('/user', 'POST', [{ minutes: 600, ok: 20 }])

  it('a healthy service: errors and slow answers well within the budgets, no alert', async () => {
    // 0.05% answered 503 (the budget is 0.1%), 0.5% slower than 300 ms (the budget is 1%).
    const series = [...routeSeries('/users', 'GET', [{ minutes: 600, ok: 1999, errors: 1, slow: 10 }]), ...healthyWrites]
    await runPromtoolTest('healthy', series, [
      { at: '30m', firing: [] },
      { at: '2h', firing: [] },
      { at: '9h', firing: [] },
    ])
  })

  it('a fast burn pages within minutes; recovery resolves the page at once and the ticket once the 6-hour window is clean', async () => {
    // An hour of health, 30 minutes with 10% of reads answered 503 (100 times the budget), then health again.
    const series = [
      ...routeSeries('/users/:id', 'GET', [healthyReads, { minutes: 30, ok: 90, errors: 10 }, { minutes: 480, ok: 100 }]),
      ...healthyWrites,
    ]
    const readsBurn = (alert: BurnAlert) => ({ alert, group: 'reads' as const })
    await runPromtoolTest('fast burn and recovery', series, [
      { at: '59m', firing: [] },
      // 10 minutes in: 1.7% of the last hour failed, over 14.4 x 0.1%.
      { at: '70m', firing: [readsBurn('UserApiAvailabilityFastBurn'), readsBurn('UserApiAvailabilitySlowBurn')] },
      { at: '89m', firing: [readsBurn('UserApiAvailabilityFastBurn'), readsBurn('UserApiAvailabilitySlowBurn')] },
      // Health came back at 90 minutes: the short windows clear, the page resolves; the budget
      // spent keeps the ticket open until the 6-hour window's short partner is clean.
      { at: '130m', firing: [readsBurn('UserApiAvailabilitySlowBurn')] },
      { at: '460m', firing: [] },
    ])
  })

  it('a slow burn opens a ticket and never pages; the dashboard\'s SLO panels show it', async () => {
    // 0.3% answered 503: 3 times the budget, which would spend it in 10 days, under the page rates.
    const series = [...routeSeries('/users', 'GET', [{ minutes: 600, ok: 997, errors: 3 }]), ...healthyWrites]
    // The SLO panels' queries as Grafana sends them for this service (rounded: float sums). Over
    // the data there is (9 hours of the period), reads were 99.7% good: their budget is overspent
    // three times.
    const panels = dashboardQueries({ namespace: 'apps', service: 'user-api' })
    const perSlo = (reads: { availability: number; latency: number }, writes: { availability: number; latency: number }) =>
      (['reads', 'writes'] as const).flatMap((group) =>
        (['availability', 'latency'] as const).map((slo) => ({
          labels: `{namespace="apps", route_group="${group}", service="user-api", slo="${slo}"}`,
          value: (group === 'reads' ? reads : writes)[slo],
        })),
      )
    await runPromtoolTest(
      'slow burn',
      series,
      [
        { at: '1h', firing: [{ alert: 'UserApiAvailabilitySlowBurn', group: 'reads' }] },
        { at: '9h', firing: [{ alert: 'UserApiAvailabilitySlowBurn', group: 'reads' }] },
      ],
      [
        { expr: `round(${panels['SLI over the SLO period']!}, 0.0001)`, eval_time: '9h', exp_samples: perSlo({ availability: 0.997, latency: 1 }, { availability: 1, latency: 1 }) },
        { expr: `round(${panels['Error budget left']!}, 0.0001)`, eval_time: '9h', exp_samples: perSlo({ availability: -2, latency: 1 }, { availability: 1, latency: 1 }) },
        { expr: `round(${panels['Burn rate (1 h)']!}, 0.0001)`, eval_time: '9h', exp_samples: perSlo({ availability: 3, latency: 0 }, { availability: 0, latency: 0 }) },
      ],
    )
  })

  it('a latency burn: registrations answered, but half of them slower than 300 ms, page the latency SLO only', async () => {
    const series = [
      ...routeSeries('/users', 'GET', [{ minutes: 600, ok: 100 }]),
      ...routeSeries('/user', 'POST', [{ minutes: 60, ok: 50 }, { minutes: 540, ok: 50, slow: 25 }]),
    ]
    await runPromtoolTest('latency burn', series, [
      { at: '59m', firing: [] },
      {
        // 20 minutes in: 17% of the last hour's registrations were slow, over 14.4 x 1%.
        at: '80m',
        firing: [
          { alert: 'UserApiLatencyFastBurn', group: 'writes' },
          { alert: 'UserApiLatencySlowBurn', group: 'writes' },
        ],
      },
    ])
  })
})
