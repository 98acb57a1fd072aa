// Security and reliability rules that must hold for every value set, checked on rendered output.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { IContainer } from 'kubernetes-models/v1/Container'
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec'
import { objectsOfKind, onlyObjectOfKind, render, valueSets, type KubernetesObject, type ValueSetName } from './helm.js'

const valueSetNames = Object.keys(valueSets) as ValueSetName[]

interface Workload {
  name: string
  pod: IPodSpec
}

function workloads(objects: readonly KubernetesObject[]): Workload[] {
  return [
    ...objectsOfKind(objects, 'Deployment').map((deployment) => ({
      name: `Deployment/${deployment.metadata!.name!}`,
      pod: deployment.spec!.template.spec!,
    })),
    ...objectsOfKind(objects, 'Pod').map((pod) => ({ name: `Pod/${pod.metadata!.name!}`, pod: pod.spec! })),
  ]
}

function containersOf(pod: IPodSpec): IContainer[] {
  return [...(pod.initContainers ?? []), ...pod.containers]
}

const deploymentOf = (objects: readonly KubernetesObject[]) => onlyObjectOfKind(objects, 'Deployment')
const podAnnotation = (objects: readonly KubernetesObject[], key: string) =>
  deploymentOf(objects).spec!.template.metadata!.annotations![key]

describe('security policy, every value set', () => {
  for (const valueSet of valueSetNames) {
    test(valueSet, async () => {
      const objects = await render(valueSet)
      const found = workloads(objects)
      assert.ok(found.length >= 2, 'expected the Deployment and the helm test Pod')
      for (const { name, pod } of found) {
        assert.equal(pod.automountServiceAccountToken, false, `${name}: the Kubernetes API token is mounted`)
        assert.equal(pod.securityContext?.runAsNonRoot, true, `${name}: runAsNonRoot`)
        assert.ok((pod.securityContext.runAsUser ?? 0) > 0, `${name}: runs as root`)
        assert.equal(pod.securityContext.seccompProfile?.type, 'RuntimeDefault', `${name}: seccomp profile`)
        assert.ok(!pod.hostNetwork && !pod.hostPID && !pod.hostIPC, `${name}: shares a host namespace`)
        for (const container of containersOf(pod)) {
          const where = `${name} container ${container.name}`
          const context = container.securityContext
          assert.ok(context, `${where}: no securityContext`)
          assert.notEqual(context.runAsNonRoot, false, `${where}: runAsNonRoot overridden`)
          assert.notEqual(context.runAsUser, 0, `${where}: runs as root`)
          assert.equal(context.readOnlyRootFilesystem, true, `${where}: root filesystem is writable`)
          assert.equal(context.allowPrivilegeEscalation, false, `${where}: privilege escalation allowed`)
          assert.notEqual(context.privileged, true, `${where}: privileged`)
          assert.ok(context.capabilities?.drop?.includes('ALL'), `${where}: capabilities not all dropped`)
          assert.deepEqual(context.capabilities?.add ?? [], [], `${where}: capabilities added`)
          assert.ok(container.resources?.requests?.cpu !== undefined, `${where}: no CPU request`)
          assert.ok(container.resources.requests.memory !== undefined, `${where}: no memory request`)
          assert.ok(container.resources.limits?.memory !== undefined, `${where}: no memory limit`)
          assert.match(container.image ?? '', /^[^:@]+(:[\w.-]+)?(@sha256:[a-f0-9]{64})?$/, `${where}: image reference`)
          assert.match(container.image ?? '', /(:[\w.-]+|@sha256:[a-f0-9]{64})$/, `${where}: image is neither tagged nor pinned by digest`)
          assert.doesNotMatch(container.image ?? '', /:latest(@|$)/, `${where}: uses the latest tag`)
        }
      }
    })
  }
})

describe('reliability policy, every value set', () => {
  for (const valueSet of valueSetNames) {
    test(valueSet, async () => {
      const objects = await render(valueSet)
      const deployment = deploymentOf(objects)
      const pod = deployment.spec!.template.spec!
      for (const container of pod.containers) {
        assert.equal(container.startupProbe?.httpGet?.path, '/healthz', `${container.name}: startup probe`)
        assert.equal(container.livenessProbe?.httpGet?.path, '/healthz', `${container.name}: liveness probe`)
        assert.equal(container.readinessProbe?.httpGet?.path, '/readyz', `${container.name}: readiness probe`)
        const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp')
        assert.ok(tmp, `${container.name}: /tmp is not mounted`)
        assert.ok(pod.volumes?.find((volume) => volume.name === tmp.name)?.emptyDir, '/tmp is not an emptyDir')
      }


      assert.deepEqual(
        Object.keys(deployment.spec!.selector.matchLabels!).sort(),
        ['app.kubernetes.io/instance', 'app.kubernetes.io/name'],
        'selector labels must be only name and instance: selectors are immutable',
      )
      const autoscaled = objectsOfKind(objects, 'HorizontalPodAutoscaler').length === 1
      assert.equal(deployment.spec!.replicas === undefined, autoscaled, 'replicas must be left to the HPA exactly when one exists')
      const spreadKeys = (pod.topologySpreadConstraints ?? []).map((constraint) => constraint.topologyKey)
      assert.deepEqual(spreadKeys, ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'])
    })
  }
})

describe('PodDisruptionBudget exactly when more than one pod can run', () => {
  const cases: [string, ValueSetName, string[], boolean][] = [
    ['HPA up to 10 pods (default)', 'default', [], true],
    ['one fixed replica', 'autoscalingOff', [], false],
    ['three fixed replicas', 'autoscalingOff', ['--set', 'replicaCount=3'], true],
    ['HPA pinned to one pod', 'default', ['--set', 'autoscaling.minReplicas=1,autoscaling.maxReplicas=1'], false],
    ['HPA from one to two pods', 'default', ['--set', 'autoscaling.minReplicas=1,autoscaling.maxReplicas=2'], true],
  ]
  for (const [title, valueSet, extra, expected] of cases) {
    test(title, async () => {
      const budgets = objectsOfKind(await render(valueSet, extra), 'PodDisruptionBudget')
      assert.equal(budgets.length, expected ? 1 : 0)
    })
  }
})

describe('checksum annotations roll the pods when configuration changes', () => {
  test('a changed setting changes checksum/config and nothing else', async () => {
    const [before, again, after] = await Promise.all([render(), render(), render('default', ['--set', 'config.logLevel=debug'])])
    assert.equal(podAnnotation(before, 'checksum/config'), podAnnotation(again, 'checksum/config'), 'checksum is not deterministic')
    assert.notEqual(podAnnotation(before, 'checksum/config'), podAnnotation(after, 'checksum/config'))
    assert.equal(podAnnotation(before, 'checksum/secret'), podAnnotation(after, 'checksum/secret'))
  })

  test('a changed chart-created Secret changes checksum/secret', async () => {
    const [before, after] = await Promise.all([
      render('devSecret'),
      render('devSecret', ['--set', 'apiKeys.keys[0]=<another-api-key-of-at-least-32-characters>']),
    ])
    assert.notEqual(podAnnotation(before, 'checksum/secret'), podAnnotation(after, 'checksum/secret'))
  })
})

describe('identity, secrets and network', () => {
  test('IRSA: the ServiceAccount carries the role ARN and the pod uses it', async () => {
    const objects = await render('irsa')
    const account = onlyObjectOfKind(objects, 'ServiceAccount')
    assert.equal(account.metadata!.annotations!['eks.amazonaws.com/role-arn'], 'arn:aws:iam::123456789012:role/user-api-dev')
    assert.equal(account.automountServiceAccountToken, false)
    assert.equal(deploymentOf(objects).spec!.template.spec!.serviceAccountName, account.metadata!.name)
  })

  test('API keys are mounted as a file by default, never put into the environment', async () => {
    const pod = deploymentOf(await render()).spec!.template.spec!
    const container = pod.containers[0]!
    const env = container.env ?? []
    const keysFile = env.find((variable) => variable.name === 'API_KEYS_FILE')?.value
    assert.equal(keysFile, '/var/run/secrets/user-api/api-keys')
    assert.ok(!env.some((variable) => variable.name === 'API_KEYS'))
    const mount = container.volumeMounts?.find((candidate) => keysFile.startsWith(`${candidate.mountPath}/`))
    assert.equal(mount?.readOnly, true)
    const volume = pod.volumes?.find((candidate) => candidate.name === mount.name)
    assert.equal(volume?.secret?.secretName, 'user-api-api-keys')
  })

  test('bearer tokens: OIDC settings in the ConfigMap, the cursor secret mounted as a file, no API keys', async () => {
    const objects = await render('bearerTokens')
    const data = onlyObjectOfKind(objects, 'ConfigMap').data ?? {}
    assert.equal(data.OIDC_ISSUER, 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE')
    assert.equal(data.OIDC_AUDIENCE, '1example23456789abcdefghij')
    assert.equal(data.OIDC_ALGORITHMS, 'RS256,ES256')
    assert.equal(data.OIDC_CLOCK_TOLERANCE_SECONDS, '30')
    assert.equal(data.OIDC_SCOPE_PREFIX, 'user-api/')
    assert.ok(!('OIDC_JWKS_URI' in data))
    const pod = deploymentOf(objects).spec!.template.spec!
    const container = pod.containers[0]!
    const env = container.env ?? []
    assert.ok(!env.some((variable) => variable.name.startsWith('API_KEYS')), 'API keys are off')
    assert.ok(!(pod.volumes ?? []).some((volume) => volume.name === 'api-keys'))
    const secretFile = env.find((variable) => variable.name === 'CURSOR_SECRET_FILE')?.value
    assert.equal(secretFile, '/var/run/secrets/user-api-cursor/cursor-secret')
    const mount = container.volumeMounts?.find((candidate) => secretFile.startsWith(`${candidate.mountPath}/`))
    assert.equal(mount?.readOnly, true)
    const volume = pod.volumes?.find((candidate) => candidate.name === mount.name)
    assert.equal(volume?.secret?.secretName, 'user-api-cursor-secret')
    assert.equal(volume.secret.defaultMode, 0o440)
    // Without an issuer nothing of it is rendered.
    const plain = await render()
    assert.ok(!Object.keys(onlyObjectOfKind(plain, 'ConfigMap').data ?? {}).some((name) => name.startsWith('OIDC_')))
    assert.ok(!(deploymentOf(plain).spec!.template.spec!.containers[0]!.env ?? []).some((variable) => variable.name === 'CURSOR_SECRET_FILE'))
  })

  test('browsers: the web page on by default without sign-in options, CORS only for the listed origins', async () => {
    const defaults = onlyObjectOfKind(await render(), 'ConfigMap').data ?? {}
    assert.equal(defaults.WEB_PAGE_ENABLED, 'true')
    assert.equal(defaults.WEB_PAGE_API_KEY_SIGN_IN, 'false')
    assert.ok(!('WEB_PAGE_OIDC_CLIENT_ID' in defaults) && !('CORS_ALLOWED_ORIGINS' in defaults))
    const set = onlyObjectOfKind(
      await render('bearerTokens', ['--set', 'webPage.enabled=false,webPage.oidcClientId=web-page-client,cors.allowedOrigins[0]=https://app.example.com,cors.allowedOrigins[1]=http://localhost:5173']),
      'ConfigMap',
    ).data ?? {}
    assert.equal(set.WEB_PAGE_ENABLED, 'false')
    assert.equal(set.WEB_PAGE_OIDC_CLIENT_ID, 'web-page-client')
    assert.equal(set.CORS_ALLOWED_ORIGINS, 'https://app.example.com,http://localhost:5173')
  })

  test('a chart-created cursor secret (development) is a Secret of its own that rolls the pods', async () => {
    const values = ['--set', 'auth.oidc.issuer=https://issuer.example,auth.oidc.audience[0]=user-api,auth.oidc.cursorSecret.create=true']
    const [before, after] = await Promise.all([
      render('default', [...values, '--set', `auth.oidc.cursorSecret.value=${'a'.repeat(32)}`]),
      render('default', [...values, '--set', `auth.oidc.cursorSecret.value=${'b'.repeat(32)}`]),
    ])
    assert.deepEqual(objectsOfKind(before, 'Secret').map((secret) => secret.metadata.name), ['user-api-cursor-secret'])
    assert.notEqual(podAnnotation(before, 'checksum/secret'), podAnnotation(after, 'checksum/secret'))
  })

  test('existing Secrets: API_KEYS from the named Secret, AWS credentials loaded with envFrom', async () => {
    const container = deploymentOf(await render('existingSecret')).spec!.template.spec!.containers[0]!
    const apiKeys = container.env?.find((variable) => variable.name === 'API_KEYS')
    assert.deepEqual(apiKeys?.valueFrom?.secretKeyRef, { name: 'shared-api-keys', key: 'keys' })
    const envFrom = container.envFrom ?? []
    assert.ok(envFrom.some((source) => source.secretRef?.name === 'user-api-aws-credentials'))
    assert.ok(envFrom.some((source) => source.configMapRef?.name === 'shared-settings'))
  })

  test('NetworkPolicy: egress only to DNS, HTTPS and the Pod Identity agent; the test pod may connect', async () => {
    const objects = await render()
    const policy = onlyObjectOfKind(objects, 'NetworkPolicy')
    assert.deepEqual(policy.spec!.policyTypes, ['Ingress', 'Egress'])
    const egressPorts = policy.spec!.egress!.flatMap((rule) => (rule.ports ?? []).map((port) => port.port))
    assert.deepEqual([...new Set(egressPorts)].sort(), [443, 53, 80])
    const agentRule = policy.spec!.egress!.find((rule) => rule.ports?.some((port) => port.port === 80))
    // The agent's IPv4 and IPv6 link-local addresses: IPv6 clusters reach it on the second.
    assert.deepEqual(agentRule?.to, [{ ipBlock: { cidr: '169.254.170.23/32' } }, { ipBlock: { cidr: 'fd00:ec2::23/128' } }])

    const testPod = onlyObjectOfKind(objects, 'Pod')
    const peers = policy.spec!.ingress!.flatMap((rule) => rule.from ?? [])
    const admitsTestPod = peers.some(
      (peer) =>
        peer.namespaceSelector === undefined &&
        Object.entries(peer.podSelector?.matchLabels ?? {}).every(([key, value]) => testPod.metadata!.labels![key] === value),
    )
    assert.ok(admitsTestPod, 'the helm test pod would be blocked by the NetworkPolicy')
  })

  test('helm test hook (and Argo CD PostSync hook) calls /readyz through the Service', async () => {
    const objects = await render()
    const testPod = onlyObjectOfKind(objects, 'Pod')
    assert.equal(testPod.metadata!.annotations!['helm.sh/hook'], 'test')
    // Argo CD ignores Helm test hooks; it runs the same check after every sync instead.
    assert.equal(testPod.metadata!.annotations!['argocd.argoproj.io/hook'], 'PostSync')
    const url = testPod.spec!.containers[0]!.env!.find((variable) => variable.name === 'READYZ_URL')!.value
    const service = onlyObjectOfKind(objects, 'Service')
    assert.equal(url, `http://${service.metadata!.name!}.apps.svc:80/readyz`)
  })

  test('an image digest pins the exact image', async () => {
    const digest = `sha256:${'ab'.repeat(32)}`
    const image = deploymentOf(await render('default', ['--set', `image.digest=${digest}`])).spec!.template.spec!.containers[0]!.image
    assert.equal(image, `ghcr.io/example/user-api:0.1.0@${digest}`)
  })
})

describe('selector labels', () => {
  test('only the Deployment\'s pods match the Service and NetworkPolicy selectors', async () => {
    const objects = await render('production')
    const selector = onlyObjectOfKind(objects, 'Service').spec!.selector!
    const policySelector = onlyObjectOfKind(objects, 'NetworkPolicy').spec!.podSelector!.matchLabels!
    const matches = (labels: Record<string, string> | undefined, wanted: Record<string, string>) =>
      Object.entries(wanted).every(([key, value]) => labels?.[key] === value)
    assert.ok(matches(deploymentOf(objects).spec!.template.metadata!.labels, selector))
    for (const pod of objectsOfKind(objects, 'Pod')) {
      assert.ok(!matches(pod.metadata!.labels, selector), `Pod/${pod.metadata!.name!} would receive Service traffic`)
      assert.ok(!matches(pod.metadata!.labels, policySelector), `Pod/${pod.metadata!.name!} would be restricted like the app`)
    }
  })
})
