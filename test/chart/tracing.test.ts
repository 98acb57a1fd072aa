// The chart's tracing values: they become the OTEL_* variables the service reads (and accepts), and
// the NetworkPolicy lets spans out to the collector's port only when an endpoint is set.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { loadConfig } from '../../src/config/config.js'
import { helm, onlyObjectOfKind, render } from './helm.js'

const collector = ['--set', 'tracing.otlpEndpoint=http://otel-collector.observability:4318', '--set-json', 'tracing.samplerRatio=0.25']

const egressPorts = (policy: { spec?: { egress?: { ports?: { port?: number | string }[] }[] } }) =>
  policy.spec!.egress!.flatMap((rule) => (rule.ports ?? []).map((port) => port.port))

describe('chart: tracing', () => {
  test('off by default: no OTEL_* variable, no egress beyond DNS, HTTPS and the Pod Identity agent', async () => {
    const objects = await render()
    const data = onlyObjectOfKind(objects, 'ConfigMap').data!
    assert.deepEqual(
      Object.keys(data).filter((key) => key.startsWith('OTEL_')),
      [],
    )
    assert.deepEqual([...new Set(egressPorts(onlyObjectOfKind(objects, 'NetworkPolicy')))].sort(), [443, 53, 80])
  })

  test('an endpoint turns it on: the service accepts the variables as the values meant them', async () => {
    const data = onlyObjectOfKind(await render('default', collector), 'ConfigMap').data!
    const config = loadConfig({ ...data, API_KEYS: 'k'.repeat(32) })
    assert.deepEqual(config.tracing, {
      exporter: 'otlp',
      otlpTracesUrl: 'http://otel-collector.observability:4318/v1/traces',
      protocol: 'http/protobuf',
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
      serviceName: 'user-api',
    })
  })

  test('the NetworkPolicy admits the collector: its port, and only its namespace and pods when named', async () => {
    const anywhere = onlyObjectOfKind(await render('default', collector), 'NetworkPolicy')
    const open = anywhere.spec!.egress!.find((rule) => rule.ports?.some((port) => port.port === 4318))
    assert.ok(open, 'no egress rule for the collector port')
    assert.equal(open.to, undefined)

    const named = onlyObjectOfKind(
      await render('default', [
        ...collector,
        '--set',
        'networkPolicy.tracingCollector.namespace=observability',
        '--set',
        'networkPolicy.tracingCollector.podLabels.app=otel-collector',
      ]),
      'NetworkPolicy',
    )
    const rule = named.spec!.egress!.find((candidate) => candidate.ports?.some((port) => port.port === 4318))
    assert.deepEqual(rule?.to, [
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } }, podSelector: { matchLabels: { app: 'otel-collector' } } },
    ])

    const https = onlyObjectOfKind(await render('default', ['--set', 'tracing.otlpEndpoint=https://otel.example.com']), 'NetworkPolicy')
    assert.ok(egressPorts(https).filter((port) => port === 443).length >= 2, 'an https endpoint without a port uses 443')
  })

  test('refuses an endpoint with credentials in it, or that is not http(s)', async () => {
    for (const endpoint of ['http://user:secret@otel:4318', 'grpc://otel:4317', 'otel:4318']) {
      const result = await helm(['template', 'user-api', '.', '--set', `tracing.otlpEndpoint=${endpoint}`])
      assert.notEqual(result.exitCode, 0, endpoint)
      assert.match(result.stderr, /otlpEndpoint/)
    }
  })
})
