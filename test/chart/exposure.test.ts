// What the chart exposes: /metrics only on its own port, which no Ingress or HTTPRoute routes to
// and which the NetworkPolicy opens to the monitoring namespace only; /docs only where enabled.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { helm, objectsOfKind, onlyObjectOfKind, render, valueArguments, valueSets, type KubernetesObject, type ValueSetName } from './helm.js'

const valueSetNames = Object.keys(valueSets) as ValueSetName[]

interface HttpRouteSpec {
  rules: { backendRefs: { name: string; port: number }[] }[]
}

function appConfig(objects: readonly KubernetesObject[]): Record<string, string> {
  const deployment = onlyObjectOfKind(objects, 'Deployment')
  return objectsOfKind(objects, 'ConfigMap').find((map) => map.metadata!.name === deployment.metadata!.name)!.data!
}

describe('/metrics on its own port, every value set', () => {
  for (const valueSet of valueSetNames) {
    test(valueSet, async () => {
      const objects = await render(valueSet)
      const container = onlyObjectOfKind(objects, 'Deployment').spec!.template.spec!.containers[0]!
      const containerPort = (name: string) => container.ports!.find((port) => port.name === name)?.containerPort
      const config = appConfig(objects)
      assert.equal(String(containerPort('metrics')), config.METRICS_PORT, 'the app listens where the pod says')
      assert.equal(String(containerPort('http')), config.PORT)
      assert.notEqual(config.METRICS_PORT, config.PORT)

      const service = onlyObjectOfKind(objects, 'Service')
      const servicePort = (name: string) => service.spec!.ports!.find((port) => port.name === name)
      assert.equal(servicePort('metrics')?.targetPort, 'metrics')
      assert.equal(servicePort('http')?.targetPort, 'http')

      for (const monitor of objectsOfKind(objects, 'ServiceMonitor')) {
        const endpoints = (monitor.spec as { endpoints: { port: string; path: string }[] }).endpoints
        assert.deepEqual(endpoints.map(({ port, path }) => ({ port, path })), [{ port: 'metrics', path: '/metrics' }])
      }
      for (const ingress of objectsOfKind(objects, 'Ingress')) {
        for (const rule of ingress.spec!.rules ?? []) {
          for (const path of rule.http!.paths) assert.deepEqual(path.backend.service?.port, { name: 'http' }, 'an Ingress routes only to the API port')
        }
      }
      for (const route of objectsOfKind(objects, 'HTTPRoute')) {
        for (const rule of (route.spec as HttpRouteSpec).rules) {
          for (const backend of rule.backendRefs) assert.equal(backend.port, servicePort('http')!.port, 'an HTTPRoute routes only to the API port')
        }
      }

      for (const policy of objectsOfKind(objects, 'NetworkPolicy')) {
        const rules = policy.spec!.ingress!
        const metricsRules = rules.filter((rule) => rule.ports?.some((port) => port.port === 'metrics'))
        assert.equal(metricsRules.length, 1, 'one rule admits the metrics port')
        assert.deepEqual(metricsRules[0]!.ports, [{ port: 'metrics', protocol: 'TCP' }])
        for (const peer of metricsRules[0]!.from!) {
          assert.ok(peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'], 'only the monitoring namespace selector')
          assert.equal(peer.ipBlock, undefined)
        }
        const monitoring = metricsRules[0]!.from![0]!.namespaceSelector!.matchLabels!['kubernetes.io/metadata.name']
        for (const rule of rules.filter((candidate) => candidate !== metricsRules[0])) {
          assert.ok(!(rule.ports ?? []).some((port) => port.port === 'metrics' || port.port === Number(config.METRICS_PORT)), 'no other rule opens the metrics port')
          assert.ok(rule.ports?.length, 'every other rule names its ports')
          assert.ok(!(rule.from ?? []).some((peer) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === monitoring), 'monitoring gets the metrics port only')
        }
      }
    })
  }
})

describe('/docs and /openapi.json', () => {
  const docsEnabled = async (valueSet: ValueSetName) => appConfig(await render(valueSet)).DOCS_ENABLED

  test('off by default, in production and in release; on in dev', async () => {
    assert.equal(await docsEnabled('default'), 'false')
    assert.equal(await docsEnabled('environmentProd'), 'false')
    assert.equal(await docsEnabled('environmentRelease'), 'false')
    assert.equal(await docsEnabled('environmentDev'), 'true')
  })

  test('NOTES.txt points to the docs only when they are served', async () => {
    const notes = async (extra: string[]) => {
      const result = await helm(['install', 'user-api', '.', '--dry-run=client', '--namespace', 'apps', ...valueArguments('default', extra)])
      assert.equal(result.exitCode, 0, result.stderr)
      return result.stdout.slice(result.stdout.indexOf('NOTES:'))
    }
    assert.doesNotMatch(await notes([]), /\/docs/)
    assert.match(await notes(['--set', 'config.docsEnabled=true']), /API documentation: http:\/\/127\.0\.0\.1:8000\/docs/)
  })
})
