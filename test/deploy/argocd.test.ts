// The Argo CD manifests and the admission policy in deploy/: every object matches its CRD schema,
// the Applications the ApplicationSet generates (rendered with the real Go template engine) sync
// the way docs/delivery.md says, the project allows nothing but this repository, the three
// namespaces and the kinds the chart renders, notifications reach Slack as valid JSON, and only
// images signed by this repository's Delivery workflow on main are admitted.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { describe, test } from 'node:test'
import { Ajv } from 'ajv'
import { parse } from 'yaml'
import { render, valueSets, type KubernetesObject, type ValueSetName } from '../chart/helm.js'
import { typeErrors, validationErrors } from '../chart/kubernetes-models.js'
import {
  appProject,
  applicationSet,
  deployManifests,
  environmentFile,
  environmentFiles,
  environments,
  generateApplications,
  imagePolicy,
  notifications,
  readYaml,
  renderGoTemplates,
  repositoryRoot,
} from './gitops.js'

const repository = 'example/user-api'
const repositoryUrl = `https://github.com/${repository}.git`

// ───────────── Schemas ─────────────

type SchemaNode = Record<string, unknown> & { properties?: Record<string, SchemaNode>; items?: SchemaNode }

/** A CRD's structural schema made strict: the API server prunes unknown fields silently, so an
 *  object with a field the CRD lacks (a typo) would lose it without a word. Here it fails. */
function withoutUnknownFields(node: SchemaNode): SchemaNode {
  const strict: SchemaNode = { ...node }
  if (node.properties) {
    strict.properties = Object.fromEntries(Object.entries(node.properties).map(([key, child]) => [key, withoutUnknownFields(child)]))
    if (node['x-kubernetes-preserve-unknown-fields'] !== true && node.additionalProperties === undefined) strict.additionalProperties = false
  }
  if (node.items) strict.items = withoutUnknownFields(node.items)
  return strict
}

const crdSchema = JSON.parse(readFileSync(new URL('./fixtures/clusterimagepolicy-v1beta1.schema.json', import.meta.url), 'utf8')) as SchemaNode
// The API server adds the fields every object has; the CRD schema describes only the rest.
const imagePolicySchema = withoutUnknownFields({
  ...crdSchema,
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    ...crdSchema.properties,
    apiVersion: { const: 'policy.sigstore.dev/v1beta1' },
    kind: { const: 'ClusterImagePolicy' },
    metadata: { type: 'object', required: ['name'], properties: { name: { type: 'string' } }, 'x-kubernetes-preserve-unknown-fields': true },
  },
})
const validateImagePolicy = new Ajv({ strict: false, allErrors: true }).compile(imagePolicySchema)

function imagePolicyErrors(object: unknown): string[] {
  return validateImagePolicy(object) ? [] : (validateImagePolicy.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''} ${JSON.stringify(error.params)}`)
}

async function schemaErrors(objects: readonly KubernetesObject[]): Promise<string[]> {
  const sigstore = objects.filter((object) => object.apiVersion.startsWith('policy.sigstore.dev/'))
  const others = objects.filter((object) => !sigstore.includes(object))
  return [
    ...sigstore.flatMap((object) => imagePolicyErrors(object).map((error) => `${object.kind}/${object.metadata.name}: ${error}`)),
    ...(await validationErrors(others)),
    ...typeErrors(others),
  ]
}

describe('deploy/ manifests against their schemas', () => {
  test('every Argo CD object, every generated Application and the image policy validate', async () => {
    const manifests = deployManifests().map(({ object }) => object)
    assert.deepEqual(manifests.map((object) => `${object.apiVersion} ${object.kind}`).sort(), [
      'argoproj.io/v1alpha1 AppProject',
      'argoproj.io/v1alpha1 ApplicationSet',
      'policy.sigstore.dev/v1beta1 ClusterImagePolicy',
      'v1 ConfigMap',
    ])
    const applications = (await generateApplications()).map(({ application }) => application)
    assert.deepEqual(await schemaErrors([...manifests, ...applications]), [])
  })

  test('the checks catch a misspelt field in the ApplicationSet, an Application and the image policy', async () => {
    const set = structuredClone(applicationSet())
    ;(set.spec.template.spec.syncPolicy as Record<string, unknown>).automatic = { prune: true }
    assert.match((await schemaErrors([set])).join('\n'), /automatic/)

    const [generated] = await generateApplications()
    const broken = structuredClone(generated!.application)
    ;(broken.spec.source as unknown as Record<string, unknown>).targetRevison = 'main'
    assert.match((await schemaErrors([broken])).join('\n'), /targetRevison/)

    const policy = structuredClone(imagePolicy())
    ;(policy.spec.authorities[0] as Record<string, unknown>).keyles = {}
    assert.match((await schemaErrors([policy])).join('\n'), /additionalProperty.*keyles/)
    const wrongType = structuredClone(imagePolicy())
    ;(wrongType.spec as Record<string, unknown>).images = 'ghcr.io/example/user-api'
    assert.match((await schemaErrors([wrongType])).join('\n'), /images must be array/)
  })
})

// ───────────── The Applications ─────────────

const generated = await generateApplications()
const applications = generated.map(({ application }) => application)
const byEnvironment = new Map(generated.map(({ element, application }) => [element.environment as string, application]))
const tfvarsNamespace = (environment: string) =>
  /^kubernetes_namespace\s*=\s*"([^"]+)"/m.exec(readFileSync(join(repositoryRoot, 'terraform/environments', environment, 'terraform.tfvars.example'), 'utf8'))?.[1]

describe('the Applications the ApplicationSet generates', () => {
  test('one per environment, in the user-api project, rendering the chart from main', () => {
    assert.deepEqual([...byEnvironment.keys()], [...environments])
    for (const [environment, application] of byEnvironment) {
      assert.equal(application.metadata.name, `user-api-${environment}`)
      assert.equal(application.metadata.namespace, 'argocd')
      assert.equal(application.spec.project, 'user-api')
      assert.equal(application.spec.sources, undefined, 'one source: its revision is the one the pipeline waits for')
      assert.equal(application.spec.source?.repoURL, repositoryUrl)
      assert.equal(application.spec.source.targetRevision, 'main')
      assert.equal(application.spec.source.path, 'charts/user-api')
      assert.equal(application.spec.source.helm?.releaseName, 'user-api')
    }
  })

  test('prod is never synced automatically; dev and release sync with prune and self-heal', () => {
    assert.equal(byEnvironment.get('prod')!.spec.syncPolicy?.automated, undefined)
    for (const environment of ['dev', 'release']) {
      assert.deepEqual(byEnvironment.get(environment)!.spec.syncPolicy?.automated, { prune: true, selfHeal: true }, environment)
    }
  })

  test('the prod check would catch an automated prod', async () => {
    const set = structuredClone(applicationSet())
    const elements = set.spec.generators[0]!.list!.elements as Record<string, unknown>[]
    elements.find((element) => element.environment === 'prod')!.automated = 'false' // a string is truthy in Go templates
    const prod = (await generateApplications(set)).find(({ element }) => element.environment === 'prod')!
    assert.notEqual(prod.application.spec.syncPolicy?.automated, undefined)
  })

  test('server-side apply, a namespace with the restricted Pod Security labels, the signature policy and the ALB readiness gate, retries with back-off', () => {
    for (const [environment, application] of byEnvironment) {
      const policy = application.spec.syncPolicy!
      for (const option of ['ServerSideApply=true', 'CreateNamespace=true', 'RespectIgnoreDifferences=true']) {
        assert.ok(policy.syncOptions?.includes(option), `${environment}: ${option}`)
      }
      assert.deepEqual(policy.managedNamespaceMetadata?.labels, {
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
        'policy.sigstore.dev/include': 'true',
        'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled',
      })
      assert.ok((policy.retry?.limit ?? 0) >= 3, `${environment}: retry limit`)
      assert.ok((policy.retry?.backoff?.factor ?? 0) > 1, `${environment}: the back-off grows`)
      assert.ok(policy.retry?.backoff?.maxDuration, `${environment}: the back-off is bounded`)
    }
  })

  test('the replica count the HPA owns is not drift', () => {
    for (const application of applications) {
      assert.deepEqual(application.spec.ignoreDifferences, [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }])
    }
  })

  test('values come from the environment\'s own folder, in order, inside the repository', () => {
    for (const [environment, application] of byEnvironment) {
      const chart = join(repositoryRoot, application.spec.source!.path!)
      const files = (application.spec.source!.helm!.valueFiles ?? []).map((file) => resolve(chart, file))
      assert.deepEqual(files, environmentFiles.map((file) => environmentFile(environment, file)))
      for (const file of files) {
        const inside = relative(repositoryRoot, file)
        assert.ok(!inside.startsWith('..') && !isAbsolute(inside), `${file} leaves the repository`)
        assert.ok(existsSync(file), `${file} is missing`)
      }
    }
  })

  test('the chart tests render exactly the files Argo CD layers, in its order', () => {
    const names: Record<string, ValueSetName> = { dev: 'environmentDev', release: 'environmentRelease', prod: 'environmentProd' }
    for (const [environment, application] of byEnvironment) {
      const chart = join(repositoryRoot, 'charts/user-api')
      const tested = valueSets[names[environment]!].map((file) => resolve(chart, file))
      assert.deepEqual(tested, application.spec.source!.helm!.valueFiles!.map((file) => resolve(chart, file)))
    }
  })

  test('each goes to its own namespace, the one its Terraform role trusts', () => {
    for (const [environment, application] of byEnvironment) {
      assert.equal(application.spec.destination.namespace, `user-api-${environment}`)
      assert.equal(application.spec.destination.namespace, tfvarsNamespace(environment), `terraform/environments/${environment}/terraform.tfvars.example`)
    }
  })
})

// ───────────── The project ─────────────

/** Group and kind of every object the chart renders with any value set. */
async function renderedKinds(): Promise<string[]> {
  const rendered = await Promise.all((Object.keys(valueSets) as ValueSetName[]).map((valueSet) => render(valueSet)))
  const kinds = rendered.flat().map((object) => `${object.apiVersion.includes('/') ? object.apiVersion.split('/')[0]! : ''}/${object.kind}`)
  return [...new Set(kinds)].sort()
}

const whitelist = (entries: { group: string; kind: string }[] | undefined) => (entries ?? []).map((entry) => `${entry.group}/${entry.kind}`).sort()

describe('the AppProject', () => {
  const project = appProject()

  test('allows this repository only, and exactly the three destinations of the Applications', () => {
    assert.deepEqual(project.spec.sourceRepos, [repositoryUrl])
    assert.equal(project.spec.sourceNamespaces, undefined, 'Applications only in the argocd namespace, made by the ApplicationSet')
    const destinations = (project.spec.destinations ?? []).map((destination) => `${destination.name ?? destination.server ?? ''} ${destination.namespace ?? ''}`).sort()
    const used = applications.map((application) => `${application.spec.destination.name ?? ''} ${application.spec.destination.namespace ?? ''}`).sort()
    assert.deepEqual(destinations, used)
    assert.doesNotMatch(JSON.stringify({ ...project.spec, roles: undefined }), /\*/, 'no wildcards in what the project allows')
  })

  test('no cluster-scoped kind but the Namespace that CreateNamespace makes', () => {
    assert.deepEqual(whitelist(project.spec.clusterResourceWhitelist), ['/Namespace'])
    assert.equal(project.spec.clusterResourceBlacklist, undefined)
  })

  test('exactly the namespaced kinds the chart renders with any value set', async () => {
    assert.deepEqual(whitelist(project.spec.namespaceResourceWhitelist), await renderedKinds())
  })

  test('the pipeline\'s tokens read the three Applications, and only the prod token may sync, only prod', () => {
    const policies = (project.spec.roles ?? []).flatMap((role) => (role.policies ?? []).map((line) => ({ role: role.name, fields: line.split(',').map((field) => field.trim()) })))
    assert.ok(policies.length > 0)
    for (const { role, fields } of policies) {
      const [kind, subject, resource, action, object, effect] = fields
      assert.equal(kind, 'p')
      assert.equal(subject, `proj:user-api:${role}`)
      assert.equal(resource, 'applications')
      assert.equal(effect, 'allow')
      assert.ok(action === 'get' || (action === 'sync' && object === 'user-api/user-api-prod'), `${role}: ${fields.join(', ')}`)
      assert.match(object ?? '', /^user-api\/(user-api-prod|\*)$/)
    }
    const sync = policies.filter(({ fields }) => fields[3] === 'sync').map(({ role }) => role)
    assert.deepEqual(sync, ['ci-prod-sync'])
  })
})

// ───────────── Notifications ─────────────

interface Trigger {
  when: string
  send: string[]
  oncePer?: string
}

describe('Argo CD Notifications to the pipeline\'s Slack channel', () => {
  const data = notifications().data ?? {}
  const triggers = ['user-api-on-sync-succeeded', 'user-api-on-sync-failed', 'user-api-on-health-degraded']

  test('the three outcomes have triggers, each sending a template that exists, and every Application subscribes', () => {
    const conditions: Record<string, RegExp> = {
      'user-api-on-sync-succeeded': /phase in \['Succeeded'\]/,
      'user-api-on-sync-failed': /phase in \['Error', 'Failed'\]/,
      'user-api-on-health-degraded': /health\.status == 'Degraded'/,
    }
    for (const trigger of triggers) {
      const [rule] = parse(data[`trigger.${trigger}`] ?? '[]') as Trigger[]
      assert.ok(rule, `trigger.${trigger} is missing`)
      assert.match(rule.when, conditions[trigger]!)
      assert.ok(rule.oncePer, `${trigger}: one message per revision, not one per status change`)
      for (const template of rule.send) assert.ok(data[`template.${template}`], `template.${template} is missing`)
    }
    for (const application of applications) {
      for (const trigger of triggers) {
        assert.equal(application.metadata.annotations?.[`notifications.argoproj.io/subscribe.${trigger}.user-api-slack`], '', `${application.metadata.name}: ${trigger}`)
      }
    }
  })

  test('the webhook URL comes from argocd-notifications-secret, never from the repository', () => {
    const service = parse(data['service.webhook.user-api-slack'] ?? '') as { url: string }
    assert.equal(service.url, '$user-api-slack-webhook-url')
    assert.doesNotMatch(JSON.stringify(data), /hooks\.slack\.com/)
  })

  test('every template renders a Slack message that is valid JSON, whatever the sync message holds', async () => {
    const templates = Object.entries(data).filter(([key]) => key.startsWith('template.'))
    assert.equal(templates.length, 3)
    const bodies = templates.map(([, text]) => (parse(text) as { webhook: Record<string, { method: string; body: string }> }).webhook['user-api-slack']!.body)
    const revision = '0123456789abcdef0123456789abcdef01234567'
    const app = {
      metadata: { name: 'user-api-prod' },
      status: {
        sync: { status: 'Synced', revision },
        health: { status: 'Degraded' },
        operationState: { phase: 'Failed', message: 'one or more objects failed to apply: "quoted" <angle> & co', syncResult: { revision } },
      },
    }
    const [rendered] = await renderGoTemplates(bodies, [{ app, context: { argocdUrl: 'https://argocd.example.com' } }])
    for (const body of rendered!) {
      const message = JSON.parse(body) as { text: string }
      assert.match(message.text, /user-api-prod/)
      assert.match(message.text, /0123456789ab/)
      assert.match(message.text, /https:\/\/argocd\.example\.com\/applications\/argocd\/user-api-prod/)
      assert.doesNotMatch(message.text, /<angle>/, 'Slack mrkdwn control characters are escaped')
    }
  })
})

// ───────────── Signed images only ─────────────

/** The policy-controller's glob: `**` crosses slashes, `*` does not. */
const globPattern = (glob: string) =>
  new RegExp(`^${glob.split('**').map((part) => part.split('*').map((text) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')).join('.*')}$`)

describe('the image policy', () => {
  const policy = imagePolicy()
  const images = environments.map((environment) => {
    const { image } = (readYaml(environmentFile(environment, 'image.yaml')) as { image: Record<string, string> })
    return `${image.registry!}/${image.repository!}:${image.tag!}@${image.digest!}`
  })

  test('covers the image every environment runs, and nothing else', () => {
    const globs = policy.spec.images.map((entry) => globPattern(entry.glob))
    for (const image of images) assert.ok(globs.some((glob) => glob.test(image)), image)
    for (const other of ['ghcr.io/example/other@sha256:00', 'docker.io/library/node:24']) assert.ok(!globs.some((glob) => glob.test(other)), other)
  })

  test('admits only keyless signatures of the Delivery workflow on main, logged in Rekor, and enforces', () => {
    assert.equal(policy.spec.mode, 'enforce')
    assert.equal(policy.spec.authorities.length, 1)
    const [authority] = policy.spec.authorities
    assert.equal(authority!.ctlog?.url, 'https://rekor.sigstore.dev')
    const keyless = authority!.keyless!
    assert.equal(keyless.url, 'https://fulcio.sigstore.dev')
    const [identity] = keyless.identities ?? []
    assert.equal(keyless.identities?.length, 1)
    assert.equal(identity!.issuer, 'https://token.actions.githubusercontent.com')
    const subject = new RegExp(identity!.subjectRegExp!)
    const workflow = `https://github.com/${repository}/.github/workflows/delivery.yml`
    assert.ok(subject.test(`${workflow}@refs/heads/main`))
    for (const other of [
      `${workflow}@refs/heads/feature/main`,
      `${workflow}@refs/heads/main-old`,
      `${workflow}@refs/tags/v1.0.0`,
      `https://github.com/${repository}/.github/workflows/promote.yml@refs/heads/main`,
      `https://github.com/${repository}-fork/.github/workflows/delivery.yml@refs/heads/main`,
      `https://github.com/other/user-api/.github/workflows/delivery.yml@refs/heads/main`,
      `https://github.comXexample/user-api/.github/workflows/delivery.yml@refs/heads/main`,
    ]) {
      assert.ok(!subject.test(other), other)
    }
  })

  test('that workflow is the one that signs the pushed image by digest, keyless', () => {
    const delivery = readFileSync(join(repositoryRoot, '.github/workflows/delivery.yml'), 'utf8')
    assert.match(delivery, /cosign sign --yes "\$IMAGE@\$DIGEST"/)
    assert.match(delivery, /id-token: write # keyless cosign signature/)
  })

  test('the Argo CD manifests, the policy and the image files name the same repository', () => {
    const texts = ['deploy/argocd/applicationset.yaml', 'deploy/argocd/project.yaml', 'deploy/policy/cluster-image-policy.yaml', 'charts/user-api/values.yaml']
    for (const path of texts) assert.match(readFileSync(join(repositoryRoot, path), 'utf8'), /example\/user-api/, path)
    for (const image of images) assert.ok(image.startsWith(`ghcr.io/${repository}:`), image)
  })
})
