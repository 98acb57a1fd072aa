// scripts/gitops/e2e-manifests.ts: what the end-to-end job on kind applies is deploy/argocd's
// project and ApplicationSet, pointed at the commit under test and the kind cluster, and nothing
// else changed: same sync policy, namespace labels, retries and allowed kinds. The generated
// Application renders the chart with the e2e values, within the project's allowed kinds.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, test } from 'node:test'
import type { IAppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject'
import type { IApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet'
import { render, type KubernetesObject } from '../chart/helm.js'
import { typeErrors, validationErrors } from '../chart/kubernetes-models.js'
import { e2eManifests, E2E_NAMESPACE } from '../../scripts/gitops/e2e-manifests.js'
import { appProject, applicationSet, generateApplications, repositoryRoot } from './gitops.js'

const options = {
  repositoryUrl: 'https://github.com/example/user-api.git',
  revision: 'f'.repeat(40),
  imageRepository: 'user-api',
  imageTag: 'e2e',
}
const [project, set] = e2eManifests(options) as unknown as [IAppProject & KubernetesObject, IApplicationSet & KubernetesObject]

describe('the Argo CD manifests of the end-to-end job', () => {
  test('validate against the Argo CD schemas', async () => {
    assert.deepEqual([...(await validationErrors([project, set])), ...typeErrors([project, set])], [])
  })

  test('one Application, in the kind cluster, at the commit under test, with the loaded image', async () => {
    const generated = await generateApplications(set)
    assert.equal(generated.length, 1)
    const { application } = generated[0]!
    assert.equal(application.metadata.name, 'user-api-e2e')
    assert.deepEqual(application.spec.destination, { name: 'in-cluster', namespace: E2E_NAMESPACE })
    assert.equal(application.spec.source?.repoURL, options.repositoryUrl)
    assert.equal(application.spec.source.targetRevision, options.revision)
    assert.deepEqual(application.spec.source.helm?.parameters, [
      { name: 'image.repository', value: 'user-api' },
      { name: 'image.tag', value: 'e2e' },
    ])
    for (const file of application.spec.source.helm.valueFiles ?? []) {
      assert.ok(existsSync(resolve(join(repositoryRoot, application.spec.source.path!), file)), file)
    }
    assert.deepEqual(application.spec.syncPolicy?.automated, { prune: true, selfHeal: true })
  })

  test('keeps everything else of the shipped manifests', async () => {
    const shipped = (await generateApplications(applicationSet()))[0]!.application
    const e2e = (await generateApplications(set))[0]!.application
    assert.deepEqual(e2e.spec.syncPolicy, shipped.spec.syncPolicy)
    assert.deepEqual(e2e.spec.ignoreDifferences, shipped.spec.ignoreDifferences)
    assert.equal(e2e.spec.project, shipped.spec.project)
    assert.equal(set.spec.templatePatch, applicationSet().spec.templatePatch)
    const original = appProject()
    assert.deepEqual(project.spec.namespaceResourceWhitelist, original.spec.namespaceResourceWhitelist)
    assert.deepEqual(project.spec.clusterResourceWhitelist, original.spec.clusterResourceWhitelist)
    assert.deepEqual(project.spec.roles, original.spec.roles)
  })

  test('what the e2e values render is within the project\'s allowed kinds', async () => {
    const allowed = new Set((project.spec.namespaceResourceWhitelist ?? []).map((entry) => `${entry.group}/${entry.kind}`))
    for (const object of await render('kindEndToEnd')) {
      const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0]! : ''
      assert.ok(allowed.has(`${group}/${object.kind}`), `${object.kind} is not allowed by the project`)
    }
  })

  test('refuses a revision that is not a commit and a repository URL that is not https', () => {
    assert.throws(() => e2eManifests({ ...options, revision: 'main' }), /full commit SHA/)
    assert.throws(() => e2eManifests({ ...options, repositoryUrl: 'git@github.com:example/user-api.git' }), /https/)
  })
})
