// Every object the chart renders, for every value set, matches the Kubernetes (and CRD) API
// schemas: types, enums, required fields and no unknown fields.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { onlyObjectOfKind, render, valueSets, type KubernetesObject, type ValueSetName } from './helm.js'
import { typeErrors, validationErrors } from './kubernetes-models.js'

async function renderAllValueSets(): Promise<KubernetesObject[]> {
  const rendered = await Promise.all((Object.keys(valueSets) as ValueSetName[]).map((valueSet) => render(valueSet)))
  return rendered.flat()
}

describe('rendered objects against the Kubernetes API schemas', () => {
  test('validate() accepts every object of every value set', async () => {
    const objects = await renderAllValueSets()
    assert.deepEqual(await validationErrors(objects), [])
  })

  test('no object of any value set has an unknown field or a wrong type', async () => {
    const objects = await renderAllValueSets()
    assert.deepEqual(typeErrors(objects), [])
  })

  test('the checks catch a misspelt field, a wrong type and a bad enum value', async () => {
    const deployment = onlyObjectOfKind(await render(), 'Deployment')
    const broken = structuredClone(deployment) as unknown as KubernetesObject & {
      spec: { replicas?: unknown; template: { spec: { containers: Record<string, unknown>[] } } }
    }
    const container = broken.spec.template.spec.containers[0]!
    container.securityContext = { ...(container.securityContext as object), readOnlyRootFilesytem: true }
    broken.spec.replicas = '2'
    container.imagePullPolicy = 'Sometimes'

    const unknownField = typeErrors([broken]).join('\n')
    assert.match(unknownField, /readOnlyRootFilesytem/)
    assert.match(unknownField, /Sometimes|imagePullPolicy/)
    const invalid = (await validationErrors([broken])).join('\n')
    assert.match(invalid, /replicas must be integer/)
  })

  test('custom resources are checked too: an unknown ServiceMonitor field is caught', async () => {
    const serviceMonitor = onlyObjectOfKind(await render('monitoring'), 'ServiceMonitor')
    const broken = { ...serviceMonitor, spec: { ...(serviceMonitor.spec as object), scrapeEvery: '30s' } }
    assert.match(typeErrors([broken]).join('\n'), /scrapeEvery/)
  })
})
