// The Argo CD project and ApplicationSet of deploy/argocd, pointed at the commit under test for the
// end-to-end job on kind (.github/e2e/run-e2e.sh): one environment, e2e, in the kind cluster's own
// namespace user-api-e2e, with the end-to-end values and the image the job loaded into the cluster.
// Everything else stays as shipped (sync options, namespace labels, retries, ignored differences,
// the allowed kinds, the templatePatch), so the test exercises the real manifests, not a copy.
// Usage: tsx scripts/gitops/e2e-manifests.ts REPOSITORY_URL REVISION IMAGE_REPOSITORY IMAGE_TAG > manifests.json
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { parse } from 'yaml'

export const E2E_NAMESPACE = 'user-api-e2e'

interface Options {
  repositoryUrl: string
  revision: string
  imageRepository: string
  imageTag: string
}

type Manifest = Record<string, unknown> & { spec: Record<string, unknown> }

const read = (path: string) => parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')) as Manifest

export function e2eManifests(options: Options): Manifest[] {
  if (!/^[0-9a-f]{40}$/.test(options.revision)) throw new Error(`the revision must be a full commit SHA, not ${options.revision}`)
  if (!/^https:\/\/\S+\.git$/.test(options.repositoryUrl)) throw new Error(`the repository URL must be https://...git, not ${options.repositoryUrl}`)

  const project = read('deploy/argocd/project.yaml')
  project.spec = {
    ...project.spec,
    sourceRepos: [options.repositoryUrl],
    destinations: [{ name: 'in-cluster', namespace: E2E_NAMESPACE }],
  }

  const applicationSet = read('deploy/argocd/applicationset.yaml')
  const template = structuredClone(applicationSet.spec.template) as { spec: { source: Record<string, unknown> & { helm: Record<string, unknown> } } }
  template.spec.source = {
    ...template.spec.source,
    repoURL: options.repositoryUrl,
    targetRevision: options.revision,
    helm: {
      ...template.spec.source.helm,
      valueFiles: ['../../.github/e2e/values-e2e.yaml'],
      parameters: [
        { name: 'image.repository', value: options.imageRepository },
        { name: 'image.tag', value: options.imageTag },
      ],
    },
  }
  applicationSet.spec = {
    ...applicationSet.spec,
    generators: [{ list: { elements: [{ environment: 'e2e', cluster: 'in-cluster', namespace: E2E_NAMESPACE, automated: true }] } }],
    template,
  }
  return [project, applicationSet]
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [repositoryUrl, revision, imageRepository, imageTag] = process.argv.slice(2)
  if (!repositoryUrl || !revision || !imageRepository || !imageTag) {
    console.error('usage: tsx scripts/gitops/e2e-manifests.ts REPOSITORY_URL REVISION IMAGE_REPOSITORY IMAGE_TAG')
    process.exit(1)
  }
  try {
    process.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: e2eManifests({ repositoryUrl, revision, imageRepository, imageTag }) }, null, 2)}\n`)
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error))
    process.exit(1)
  }
}
