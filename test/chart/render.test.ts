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
    const rules = (onlyObjectOfKind(objects, 'PrometheusRule') as unknown as { spec: { groups: { rules: { alert?: string; expr: string; for?: string }[] }[] } }).spec.groups.flatMap((group) => group.rules)
    const throttled = rules.find((rule) => rule.alert === 'UserApiDynamoDbThrottled')
    assert.ok(throttled, 'no alert for DynamoDB throttling')
    assert.match(throttled.expr, /aws_call_errors_total\{namespace="apps", service="user-api", aws_service="dynamodb", error_code=~"ThrottlingException\|ProvisionedThroughputExceededException\|RequestLimitExceeded"\}/)
    assert.equal(throttled.for, '1m')
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

  test('ingressTls (ingress-nginx): HSTS comes from the controller for TLS hosts, so no annotation and no header ConfigMap', async () => {
    const objects = await render('ingressTls')
    assert.deepEqual(Object.keys(onlyObjectOfKind(objects, 'Ingress').metadata!.annotations ?? {}), ['cert-manager.io/cluster-issuer'])
    assert.equal(objectsOfKind(objects, 'ConfigMap').filter((map) => map.metadata?.name?.endsWith('-edge-headers')).length, 0)
  })

  test('ingress-nginx with ingressNginxCustomHeaders: the custom-headers annotation names a ConfigMap with the HSTS header', async () => {
    const objects = await render('ingressTls', ['--set', 'ingress.hsts.ingressNginxCustomHeaders=true,ingress.hsts.maxAgeSeconds=600,ingress.hsts.includeSubDomains=false'])
    const ingress = onlyObjectOfKind(objects, 'Ingress')
    assert.equal(ingress.metadata!.annotations?.['nginx.ingress.kubernetes.io/custom-headers'], 'apps/user-api-edge-headers')
    const headers = objectsOfKind(objects, 'ConfigMap').find((map) => map.metadata!.name === 'user-api-edge-headers')
    assert.deepEqual(headers?.data, { 'Strict-Transport-Security': 'max-age=600' })
    const off = await render('ingressTls', ['--set', 'ingress.hsts.ingressNginxCustomHeaders=true,ingress.hsts.enabled=false'])
    assert.equal(onlyObjectOfKind(off, 'Ingress').metadata!.annotations?.['nginx.ingress.kubernetes.io/custom-headers'], undefined)
  })

  test('albWaf (AWS Load Balancer Controller): the WAF web ACL, HSTS and no Server header on the HTTPS listener; the values\' own annotations win', async () => {
    const annotations = onlyObjectOfKind(await render('albWaf'), 'Ingress').metadata!.annotations ?? {}
    assert.equal(annotations['alb.ingress.kubernetes.io/wafv2-acl-arn'], 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/user-api-prod-api/0b7c5f4e-8d8a-4d5c-9d2b-3f1b2a6c7d8e')
    // The controller splits this stringMap at commas and each pair at its first '='.
    const attributes = Object.fromEntries(
      (annotations['alb.ingress.kubernetes.io/listener-attributes.HTTPS-443'] ?? '').split(',').map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()]),
    )
    assert.deepEqual(attributes, {
      'routing.http.response.server.enabled': 'false',
      'routing.http.response.strict_transport_security.header_value': 'max-age=63072000; includeSubDomains; preload',
    })
    const overridden = await render('albWaf', ['--set', 'ingress.annotations.alb\\.ingress\\.kubernetes\\.io/wafv2-acl-arn=none,ingress.hsts.enabled=false'])
    const own = onlyObjectOfKind(overridden, 'Ingress').metadata!.annotations ?? {}
    assert.equal(own['alb.ingress.kubernetes.io/wafv2-acl-arn'], 'none')
    assert.equal(own['alb.ingress.kubernetes.io/listener-attributes.HTTPS-443'], 'routing.http.response.server.enabled=false')
  })

  test('albWaf: IP targets checked on /readyz, the NetworkPolicy admits the ALB\'s subnets and no ingress-controller pods', async () => {
    const objects = await render('albWaf')
    const annotations = onlyObjectOfKind(objects, 'Ingress').metadata!.annotations ?? {}
    assert.equal(annotations['alb.ingress.kubernetes.io/target-type'], 'ip')
    assert.equal(annotations['alb.ingress.kubernetes.io/healthcheck-path'], '/readyz')
    assert.deepEqual(onlyObjectOfKind(objects, 'Ingress').spec!.tls, [{ hosts: ['user-api.example.com'] }], 'no Secret: the controller finds the ACM certificate by host')
    const apiRule = onlyObjectOfKind(objects, 'NetworkPolicy').spec!.ingress!.find((rule) => rule.ports?.some((port) => port.port === 'http'))!
    assert.deepEqual(
      apiRule.from!.filter((peer) => peer.ipBlock).map((peer) => peer.ipBlock!.cidr),
      ['10.0.0.0/16', '2600:1f18:1234:5600::/56'],
    )
    assert.ok(!apiRule.from!.some((peer) => peer.namespaceSelector), 'no namespace of an ingress controller')
  })

  test('the AWS Load Balancer Controller without the ALB\'s subnets fails to render, naming the value', async () => {
    const result = await helm(['template', 'user-api', '.', ...valueArguments('albWaf', ['--set-json', 'networkPolicy.ingressController.ipBlocks=[]'])])
    assert.notEqual(result.exitCode, 0)
    assert.match(result.stderr, /networkPolicy\.ingressController\.ipBlocks must list the subnets of the ALB/)
    const withoutPolicy = await render('albWaf', ['--set-json', 'networkPolicy.ingressController.ipBlocks=[]', '--set', 'networkPolicy.enabled=false'])
    assert.equal(objectsOfKind(withoutPolicy, 'NetworkPolicy').length, 0)
  })

  for (const valueSet of ['environmentDev', 'environmentRelease', 'environmentProd'] as const) {
    test(`${valueSet}: served by an ALB; the web ACL attached where Terraform hands one over`, async () => {
      const objects = await render(valueSet)
      const annotations = onlyObjectOfKind(objects, 'Ingress').metadata!.annotations ?? {}
      assert.equal(onlyObjectOfKind(objects, 'Ingress').spec!.ingressClassName, 'alb')
      const acl = annotations['alb.ingress.kubernetes.io/wafv2-acl-arn']
      if (valueSet === 'environmentProd') assert.match(acl ?? '', /^arn:aws:wafv2:[a-z0-9-]+:\d{12}:regional\/webacl\//)
      else assert.equal(acl, undefined)
      assert.match(annotations['alb.ingress.kubernetes.io/listener-attributes.HTTPS-443'] ?? '', /strict_transport_security/)
    })
  }

  test('another controller gets none of these annotations, even with a WAF web ACL', async () => {
    const objects = await render('albWaf', ['--set', 'ingress.controller=other'])
    assert.deepEqual(Object.keys(onlyObjectOfKind(objects, 'Ingress').metadata!.annotations ?? {}).filter((key) => !key.endsWith('/scheme') && !key.endsWith('/target-type') && !key.endsWith('/listen-ports')), [])
  })

  test('the client address: X-Forwarded-For trusted one hop deep behind the Ingress or HTTPRoute, not at all without, as set when set', async () => {
    const hops = async (valueSet: ValueSetName, extra: string[] = []) =>
      objectsOfKind(await render(valueSet, extra), 'ConfigMap').find((map) => map.metadata!.name === 'user-api')?.data?.TRUSTED_PROXY_HOPS
    assert.equal(await hops('default'), '0')
    assert.equal(await hops('ingressTls'), '1')
    assert.equal(await hops('gateway'), '1')
    assert.equal(await hops('albWaf', ['--set', 'config.trustedProxyHops=2']), '2')
    assert.equal(await hops('ingressTls', ['--set', 'config.trustedProxyHops=0']), '0')
  })

  test('the rate limits reach the app as its settings', async () => {
    const data = objectsOfKind(await render('default', ['--set', 'config.rateLimit.reads=0,config.rateLimit.windowSeconds=30']), 'ConfigMap').find((map) => map.metadata!.name === 'user-api')?.data
    assert.deepEqual(
      Object.fromEntries(Object.entries(data ?? {}).filter(([key]) => key.startsWith('RATE_LIMIT_'))),
      { RATE_LIMIT_WINDOW_SECONDS: '30', RATE_LIMIT_REGISTRATION: '600', RATE_LIMIT_READS: '0', RATE_LIMIT_DELETES: '600', RATE_LIMIT_AUTH_FAILURES: '120' },
    )
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
  const notes = async (valueSet: ValueSetName, extra: string[] = []) => {
    const result = await helm(['install', 'user-api', '.', '--dry-run=client', '--namespace', 'apps', ...valueArguments(valueSet, extra)])
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

  test('with a WAF web ACL that the ingress controller cannot attach: a note saying so', async () => {
    assert.doesNotMatch(await notes('albWaf'), /NOTE: ingress\.wafv2AclArn/)
    const text = await notes('albWaf', ['--set', 'ingress.controller=ingress-nginx'])
    assert.match(text, /NOTE: ingress\.wafv2AclArn is set, but only the AWS Load Balancer Controller attaches an AWS WAF web ACL/)
  })

  test('with a TLS ingress: the public https URL', async () => {
    const text = await notes('ingressTls')
    assert.match(text, /curl -fsS https:\/\/user-api\.example\.com\/readyz/)
    assert.doesNotMatch(text, /port-forward/)
  })
})
