// The chart lints strictly and renders for every value set, and each set renders what it is for.
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { chartDirectory, helm, objectsOfKind, onlyObjectOfKind, render, valueArguments, valueSets, type ValueSetName } from './helm.js'

const valueSetNames = Object.keys(valueSets) as ValueSetName[]
const kinds = async (valueSet: ValueSetName) => new Set((await render(valueSet)).map((object) => object.kind))

describe('helm lint --strict and helm template', () => {
  for (const valueSet of valueSetNames) {
    test(`value set ${valueSet}`, async () => {
      const lint = await helm(['lint', '--strict', '.', ...valueArguments(valueSet)])
      assert.equal(lint.exitCode, 0, lint.stdout + lint.stderr)
      const objects = await render(valueSet)
      assert.ok(objects.length >= 6, `only ${objects.length} objects rendered`)
    })
  }

  test('every file in ci/ is one of the tested value sets', () => {
    const tested = new Set<string>(Object.values(valueSets).flat())
    for (const file of readdirSync(join(chartDirectory, 'ci'))) {
      assert.ok(tested.has(`ci/${file}`), `ci/${file} is not listed in test/chart/helm.ts`)
    }
  })
})

describe('what each value set renders', () => {
  test('default: workload, config, autoscaler, budget, network policy and helm test; no Secret, no ingress', async () => {
    const rendered = await kinds('default')
    for (const kind of ['Deployment', 'Service', 'ServiceAccount', 'ConfigMap', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'Pod']) {
      assert.ok(rendered.has(kind), `${kind} missing`)
    }
    for (const kind of ['Secret', 'Ingress', 'HTTPRoute', 'ServiceMonitor', 'PrometheusRule']) {
      assert.ok(!rendered.has(kind), `${kind} rendered by default`)
    }
  })

  test('monitoring: ServiceMonitor, PrometheusRule and the dashboard ConfigMap', async () => {
    const objects = await render('monitoring')
    assert.equal(objectsOfKind(objects, 'ServiceMonitor').length, 1)
    assert.equal(objectsOfKind(objects, 'PrometheusRule').length, 1)
    const dashboards = objectsOfKind(objects, 'ConfigMap').filter((object) => object.metadata?.labels?.grafana_dashboard === '1')
    assert.equal(dashboards.length, 1)
  })

  test('ingressTls: an Ingress with TLS and the cert-manager annotation', async () => {
    const ingress = onlyObjectOfKind(await render('ingressTls'), 'Ingress')
    assert.equal(ingress.metadata!.annotations?.['cert-manager.io/cluster-issuer'], 'letsencrypt')
    assert.equal(ingress.spec!.ingressClassName, 'nginx')
    // cert-manager issues the certificate into secretName for exactly these hosts.
    assert.deepEqual(ingress.spec!.tls, [{ secretName: 'user-api-tls', hosts: ['user-api.example.com'] }])
    assert.deepEqual(ingress.spec!.rules!.map((rule) => rule.host), ['user-api.example.com'])
  })

  test('gateway: an HTTPRoute', async () => {
    assert.ok((await kinds('gateway')).has('HTTPRoute'))
  })

  test('devSecret: the chart creates both Secrets', async () => {
    const secrets = objectsOfKind(await render('devSecret'), 'Secret').map((secret) => secret.metadata.name)
    assert.deepEqual(secrets.sort(), ['user-api-api-keys', 'user-api-aws-credentials'])
  })

  test('existingSecret: no Secret and no ServiceAccount are created', async () => {
    const rendered = await kinds('existingSecret')
    assert.ok(!rendered.has('Secret'))
    assert.ok(!rendered.has('ServiceAccount'))
  })

  test('kindEndToEnd: the image is used as loaded, and the emulators are reachable', async () => {
    // run-e2e.sh sets the image of the freshly loaded build.
    const objects = await render('kindEndToEnd', ['--set', 'image.repository=user-api', '--set', 'image.tag=e2e'])
    const container = onlyObjectOfKind(objects, 'Deployment').spec!.template.spec!.containers[0]!
    assert.equal(container.image, 'user-api:e2e')
    assert.equal(container.imagePullPolicy, 'Never')
    const egressPorts = onlyObjectOfKind(objects, 'NetworkPolicy').spec!.egress!.flatMap((rule) => (rule.ports ?? []).map((port) => port.port))
    assert.ok(egressPorts.includes(8000) && egressPorts.includes(9000))
  })

  test('autoscalingOff: no HorizontalPodAutoscaler', async () => {
    assert.ok(!(await kinds('autoscalingOff')).has('HorizontalPodAutoscaler'))
  })
})

describe('NOTES.txt', () => {
  const notes = async (valueSet: ValueSetName) => {
    const result = await helm(['install', 'user-api', '.', '--dry-run=client', '--namespace', 'apps', ...valueArguments(valueSet)])
    assert.equal(result.exitCode, 0, result.stderr)
    return result.stdout.slice(result.stdout.indexOf('NOTES:'))
  }

  test('without ingress: port-forward, then the local URL', async () => {
    const text = await notes('default')
    assert.match(text, /kubectl --namespace apps port-forward service\/user-api 8000:80/)
    assert.match(text, /curl -fsS http:\/\/127\.0\.0\.1:8000\/readyz/)
  })

  test('with bearer tokens only: the token call and the cursor secret to create, no API key', async () => {
    const text = await notes('bearerTokens')
    assert.match(text, /Authorization: Bearer <access token from https:\/\/cognito-idp\.eu-west-1\.amazonaws\.com\/eu-west-1_EXAMPLE with scope user-api\/users:read>/)
    assert.match(text, /create secret generic user-api-cursor-secret --from-literal=cursor-secret=/)
    assert.doesNotMatch(text, /X-API-Key|api-keys/)
  })

  test('with a TLS ingress: the public https URL', async () => {
    const text = await notes('ingressTls')
    assert.match(text, /curl -fsS https:\/\/user-api\.example\.com\/readyz/)
    assert.doesNotMatch(text, /port-forward/)
  })
})
