// What the pipeline's environment values (.github/deploy/values-<env>.yaml) make the chart render:
// monitoring a default kube-prometheus-stack actually loads, and an image the cluster can pull.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { helm, objectsOfKind, onlyObjectOfKind, parseManifests, type KubernetesObject } from './helm.js'

async function renderEnvironment(environment: string): Promise<KubernetesObject[]> {
  const result = await helm(['template', 'user-api', '.', '--namespace', 'user-api', '--values', `../../.github/deploy/values-${environment}.yaml`])
  assert.equal(result.exitCode, 0, result.stderr)
  return parseManifests(result.stdout)
}

describe('environment values of the pipeline', () => {
  for (const environment of ['release', 'prod']) {
    test(`${environment}: ServiceMonitor and PrometheusRule carry the release label Prometheus selects on`, async () => {
      const objects = await renderEnvironment(environment)
      for (const kind of ['ServiceMonitor', 'PrometheusRule']) {
        const [object] = objectsOfKind(objects, kind)
        assert.ok(object, `${environment} renders no ${kind}`)
        assert.equal(object.metadata.labels?.release, 'kube-prometheus-stack', `${kind} of ${environment}`)
      }
    })
  }

  for (const environment of ['dev', 'release', 'prod']) {
    test(`${environment}: pods pull the private GHCR image with the documented pull secret`, async () => {
      const deployment = onlyObjectOfKind(await renderEnvironment(environment), 'Deployment')
      assert.deepEqual(deployment.spec?.template.spec?.imagePullSecrets, [{ name: 'ghcr-pull' }])
    })
  }

  test('the pull secret and the alternative (a public package) are documented', () => {
    for (const path of ['charts/user-api/README.md', 'docs/delivery.md']) {
      const text = readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')
      assert.match(text, /ghcr-pull/, path)
      assert.match(text, /Change visibility/, path)
    }
  })
})
