// What the pipeline's environment values (.github/deploy/values-<env>.yaml) make the chart render:
// monitoring a default kube-prometheus-stack actually loads.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { helm, objectsOfKind, parseManifests } from './helm.js'

describe('environment values of the pipeline', () => {
  for (const environment of ['release', 'prod']) {
    test(`${environment}: ServiceMonitor and PrometheusRule carry the release label Prometheus selects on`, async () => {
      const result = await helm(['template', 'user-api', '.', '--namespace', 'user-api', '--values', `../../.github/deploy/values-${environment}.yaml`])
      assert.equal(result.exitCode, 0, result.stderr)
      const objects = parseManifests(result.stdout)
      for (const kind of ['ServiceMonitor', 'PrometheusRule']) {
        const [object] = objectsOfKind(objects, kind)
        assert.ok(object, `${environment} renders no ${kind}`)
        assert.equal(object.metadata.labels?.release, 'kube-prometheus-stack', `${kind} of ${environment}`)
      }
    })
  }
})
