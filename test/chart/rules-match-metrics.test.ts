// The PrometheusRule and the Grafana dashboard query metrics by name and label; a renamed metric or
// label in src/metrics would leave them silently empty (an SLO that never burns, a panel with no
// data). This test serves real traffic through the app on loopback, scrapes its /metrics, and
// checks that every metric and label the rules and the dashboard use exists there, and that every
// route the SLO route groups name is a route the app reports.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { chartDirectory, onlyObjectOfKind, render } from './helm.js'
import type { RegisteredUser } from '../support/http.js'
import { startTestStack, type TestStack } from '../support/test-stack.js'

// Labels Prometheus adds to every scraped series (the ServiceMonitor's target labels).
const TARGET_LABELS = new Set(['namespace', 'service', 'pod', 'job', 'instance', 'endpoint', 'container'])
// kube-state-metrics, not the app, exports these (the chart README says it is needed).
const fromKubeStateMetrics = (metric: string) => metric.startsWith('kube_')

// PromQL words that are not metric names.
const PROMQL_WORDS = new Set([
  ...['sum', 'rate', 'histogram_quantile', 'sum_over_time', 'vector', 'by', 'on', 'and', 'or', 'unless', 'without', 'ignoring', 'group_left'],
  ...['__rate_interval'],
])

interface Query {
  where: string
  expr: string
}

interface Selector {
  metric: string
  labels: string[]
}

/** The metric selectors of an expression (`name{label="x", ...}`) and the labels it groups or matches on. */
function parse(expr: string): { selectors: Selector[]; groupingLabels: string[] } {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')
  const selectors = [...withoutStrings.matchAll(/([A-Za-z_:][\w:]*)\s*\{([^}]*)\}/g)].map((match) => ({
    metric: match[1]!,
    labels: [...match[2]!.matchAll(/([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((label) => label[1]!),
  }))
  const groupingLabels = [...withoutStrings.matchAll(/\b(?:by|on|without|ignoring)\s*\(([^)]*)\)/g)].flatMap((match) =>
    match[1]!
      .split(',')
      .map((label) => label.trim())
      .filter(Boolean),
  )
  // Any other name is a bare metric (no labels) or a PromQL word; an unknown function fails loudly.
  const rest = withoutStrings
    .replace(/([A-Za-z_:][\w:]*)\s*\{[^}]*\}/g, ' ')
    .replace(/\b(?:by|on|without|ignoring)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
  for (const [, word, call] of rest.matchAll(/([A-Za-z_:][\w:]*)(\s*\()?/g)) {
    if (PROMQL_WORDS.has(word!)) continue
    assert.ok(call === undefined, `unknown function ${word!} in: ${expr}`)
    selectors.push({ metric: word!, labels: [] })
  }
  return { selectors, groupingLabels }
}

/** Metric name -> label names, from the Prometheus text format. */
function exposed(text: string): Map<string, Set<string>> {
  const metrics = new Map<string, Set<string>>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? /.exec(line)
    assert.ok(match, `not a sample line: ${line}`)
    const labels = metrics.get(match[1]!) ?? new Set<string>()
    for (const label of (match[2] ?? '').matchAll(/([A-Za-z_]\w*)="/g)) labels.add(label[1]!)
    metrics.set(match[1]!, labels)
  }
  return metrics
}

describe('the rules and the dashboard query what the app exports', () => {
  let stack: TestStack
  let metrics: Map<string, Set<string>>
  let queries: Query[]
  let recorded: Map<string, Set<string>>

  before(async () => {
    stack = await startTestStack({}, { readinessCacheMs: 0 })
    await stack.app.listen({ host: '127.0.0.1', port: 0 })
    await stack.app.metricsServer.listen({ host: '127.0.0.1', port: 0 })
    const origin = (server: { address(): unknown }) => `http://127.0.0.1:${String((server.address() as { port: number }).port)}`
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${origin(stack.app.server)}${path}`, {
        ...init,
        headers: { 'x-api-key': stack.apiKey, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      })
    // Every route of both SLO route groups, with successes and failures (a 409 is an AWS error too).
    const registered = await api('/user', { method: 'POST', body: JSON.stringify({ name: 'Metric', email: 'metric@example.com' }) })
    assert.equal(registered.status, 201)
    const { id } = ((await registered.json()) as RegisteredUser).user
    assert.equal((await api('/user', { method: 'POST', body: JSON.stringify({ name: 'Again', email: 'metric@example.com' }) })).status, 409)
    assert.equal((await api('/users')).status, 200)
    assert.equal((await api(`/users/${id}`)).status, 200)
    assert.equal((await api(`/users/${id}/avatar-upload`, { method: 'POST', body: '{}' })).status, 201)
    assert.equal((await api(`/users/${id}`, { method: 'DELETE' })).status, 204)
    assert.equal((await api(`/users/${id}`)).status, 404)

    const scrape = await fetch(`${origin(stack.app.metricsServer.server)}/metrics`)
    assert.equal(scrape.status, 200)
    metrics = exposed(await scrape.text())

    const rule = onlyObjectOfKind(await render('default', ['--set', 'metrics.prometheusRule.enabled=true']), 'PrometheusRule') as unknown as {
      spec: { groups: { name: string; rules: { record?: string; alert?: string; expr: string; labels?: Record<string, string> }[] }[] }
    }
    const rules = rule.spec.groups.flatMap((group) => group.rules)
    queries = rules.map((candidate) => ({ where: `rule ${candidate.record ?? candidate.alert ?? '?'}`, expr: candidate.expr }))
    // A recorded series has the labels its expression keeps (those it aggregates by, or else those
    // of its inputs) plus the rule's own. Rules read only what earlier rules record.
    recorded = new Map()
    for (const candidate of rules) {
      if (candidate.record === undefined) continue
      const { selectors, groupingLabels } = parse(candidate.expr)
      const kept = /\bby\s*\(/.test(candidate.expr) ? groupingLabels : selectors.flatMap(({ metric }) => [...(metrics.get(metric) ?? recorded.get(metric) ?? [])])
      const labels = recorded.get(candidate.record) ?? new Set<string>()
      for (const label of [...kept, ...Object.keys(candidate.labels ?? {})]) labels.add(label)
      recorded.set(candidate.record, labels)
    }
    const dashboard = JSON.parse(readFileSync(join(chartDirectory, 'dashboards/user-api.json'), 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[]
      templating: { list: { name: string; query?: unknown }[] }
    }
    for (const panel of dashboard.panels) for (const target of panel.targets ?? []) queries.push({ where: `panel "${panel.title}"`, expr: target.expr })
    for (const variable of dashboard.templating.list) {
      if (typeof variable.query === 'string' && variable.query.startsWith('label_values(')) {
        queries.push({ where: `variable $${variable.name}`, expr: variable.query.slice('label_values('.length, variable.query.lastIndexOf(',')) })
      }
    }
  })

  after(async () => {
    await stack.close()
  })

  it('every metric name and label the rules and the dashboard use is in the app\'s /metrics (or recorded by a rule)', () => {
    assert.ok(queries.length > 30, `only ${String(queries.length)} queries found`)
    const problems: string[] = []
    for (const { where, expr } of queries) {
      const { selectors, groupingLabels } = parse(expr.replaceAll('$__rate_interval', '5m'))
      const available = new Set<string>(TARGET_LABELS)
      for (const { metric, labels } of selectors) {
        if (fromKubeStateMetrics(metric)) continue
        const known = metrics.get(metric) ?? recorded.get(metric)
        if (!known) {
          problems.push(`${where}: ${metric} is neither exported by the app nor recorded by a rule`)
          continue
        }
        for (const label of known) available.add(label)
        for (const label of labels) if (!known.has(label) && !TARGET_LABELS.has(label)) problems.push(`${where}: ${metric} has no label ${label}`)
      }
      if (selectors.every(({ metric }) => fromKubeStateMetrics(metric))) continue
      for (const label of groupingLabels) if (!available.has(label)) problems.push(`${where}: groups by ${label}, which none of its metrics has`)
    }
    assert.deepEqual(problems, [])
  })

  it('every route an SLO route group names is a route the app reports, so no group silently matches nothing', async () => {
    const reported = new Set<string>()
    const text = (await stack.app.metricsServer.inject('/metrics')).body
    for (const match of text.matchAll(/^http_requests_total\{[^}]*route="([^"]+)"/gm)) reported.add(match[1]!)
    const values = parseYaml(readFileSync(join(chartDirectory, 'values.yaml'), 'utf8')) as {
      metrics: { slo: { routeGroups: Record<string, { selector: string }> } }
    }
    for (const [group, { selector }] of Object.entries(values.metrics.slo.routeGroups)) {
      const routes = /route=~?"([^"]+)"/.exec(selector)?.[1]
      assert.ok(routes, `${group}: no route matcher in ${selector}`)
      for (const route of routes.split('|')) assert.ok(reported.has(route), `${group}: route ${route} is not a route label of http_requests_total (${[...reported].join(', ')})`)
    }
  })
})
