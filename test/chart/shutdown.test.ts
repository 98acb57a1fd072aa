// Rollouts, drains and node maintenance: the pod keeps serving while load balancers stop sending
// it requests (a preStop sleep where the cluster has one, else the app's own drain), the drain and
// the grace period follow the probe and load-balancer timings, a starting pod's probe outlasts the
// app's DynamoDB check, unhealthy pods never block a node drain, and prod spreads pods without
// leaving them Pending.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { READINESS_CHECK_TIMEOUT_MS } from '../../src/health/readiness.js'
import { helm, objectsOfKind, onlyObjectOfKind, render, valueArguments, valueSets, type KubernetesObject, type ValueSetName } from './helm.js'

async function shutdownOf(objects: readonly KubernetesObject[]) {
  const deployment = onlyObjectOfKind(objects, 'Deployment')
  const pod = deployment.spec!.template.spec!
  const container = pod.containers[0]!
  const config = objectsOfKind(objects, 'ConfigMap').find((map) => map.metadata!.name === deployment.metadata!.name)!.data!
  return {
    preStopSleep: container.lifecycle?.preStop?.sleep?.seconds,
    preStopExec: container.lifecycle?.preStop?.exec,
    appDrain: Number(config.SHUTDOWN_DRAIN_SECONDS),
    appTimeout: Number(config.SHUTDOWN_TIMEOUT_SECONDS),
    grace: pod.terminationGracePeriodSeconds!,
    probe: container.readinessProbe!,
  }
}

const template = (extra: string[]) => helm(['template', 'user-api', '.', ...valueArguments('default', extra)])

describe('drain before SIGTERM', () => {
  test('Kubernetes 1.30 and later (helm template\'s default): a preStop sleep of period x threshold + deregistration; the app then drains no more', async () => {
    const shutdown = await shutdownOf(await render())
    assert.equal(shutdown.preStopSleep, 5 * 2 + 5)
    assert.equal(shutdown.appDrain, 0)
    assert.equal(shutdown.grace, 15 + 10 + 5)
    assert.equal(shutdown.preStopExec, undefined, 'no exec hook: the image promises no shell or sleep binary')
  })

  test('Kubernetes 1.29: no sleep action to rely on, so the app drains itself for the same time', async () => {
    const shutdown = await shutdownOf(await render('default', ['--kube-version', '1.29.8']))
    assert.equal(shutdown.preStopSleep, undefined)
    assert.equal(shutdown.appDrain, 15)
    assert.equal(shutdown.grace, 30)
  })

  test('drain.preStop chooses explicitly', async () => {
    assert.equal((await shutdownOf(await render('default', ['--set', 'drain.preStop=app']))).preStopSleep, undefined)
    assert.equal((await shutdownOf(await render('default', ['--kube-version', '1.29.8', '--set', 'drain.preStop=sleep']))).preStopSleep, 15)
  })

  test('the drain follows the readiness probe and the load balancer; the grace period follows the drain', async () => {
    const extra = ['--set', 'readinessProbe.periodSeconds=10,readinessProbe.failureThreshold=3,drain.loadBalancerDeregistrationSeconds=20,config.shutdownTimeoutSeconds=12']
    const [sleeping, draining] = await Promise.all([shutdownOf(await render('default', extra)), shutdownOf(await render('default', ['--kube-version', '1.29.8', ...extra]))])
    assert.equal(sleeping.preStopSleep, 10 * 3 + 20)
    assert.equal(draining.appDrain, 50)
    assert.equal(sleeping.grace, 50 + 12 + 5)
    assert.equal(draining.grace, 67)
  })

  test('an explicit grace period that does not cover drain + shutdown timeout is refused', async () => {
    for (const grace of [15, 25]) {
      const result = await template(['--set', `terminationGracePeriodSeconds=${grace}`])
      assert.notEqual(result.exitCode, 0, `grace ${grace}`)
      assert.match(result.stderr, new RegExp(`terminationGracePeriodSeconds \\(${grace}\\) must exceed the drain \\(15 s: readinessProbe.periodSeconds x failureThreshold \\+ drain.loadBalancerDeregistrationSeconds\\) \\+ config.shutdownTimeoutSeconds \\(10 s\\)`))
    }
    assert.equal((await template(['--set', 'terminationGracePeriodSeconds=26'])).exitCode, 0)
    const slowerBalancer = await template(['--set', 'terminationGracePeriodSeconds=26,drain.loadBalancerDeregistrationSeconds=10'])
    assert.notEqual(slowerBalancer.exitCode, 0, 'a slower load balancer needs a longer grace period')
  })

  test('the readiness probe must outlast the app\'s DynamoDB check', async () => {
    const checkSeconds = READINESS_CHECK_TIMEOUT_MS / 1000
    const tooShort = await template(['--set', `readinessProbe.timeoutSeconds=${checkSeconds}`])
    assert.notEqual(tooShort.exitCode, 0)
    assert.match(tooShort.stderr, new RegExp(`readinessProbe.timeoutSeconds \\(${checkSeconds}\\) must exceed the app's DynamoDB check timeout \\(${checkSeconds} s\\)`))
    assert.equal((await template(['--set', `readinessProbe.timeoutSeconds=${checkSeconds + 1}`])).exitCode, 0)
  })
})

describe('every value set', () => {
  for (const valueSet of Object.keys(valueSets) as ValueSetName[]) {
    test(`${valueSet}: grace period > preStop sleep + app drain + shutdown timeout >= the probe-derived drain; probe outlasts the check`, async () => {
      const shutdown = await shutdownOf(await render(valueSet))
      const drain = (shutdown.preStopSleep ?? 0) + shutdown.appDrain
      assert.ok(drain >= shutdown.probe.periodSeconds! * shutdown.probe.failureThreshold!, `drain ${drain} s`)
      assert.ok(shutdown.grace > drain + shutdown.appTimeout, `grace ${shutdown.grace} s, drain ${drain} s, timeout ${shutdown.appTimeout} s`)
      assert.ok(shutdown.probe.timeoutSeconds! * 1000 > READINESS_CHECK_TIMEOUT_MS)
    })
  }
})

describe('disruption budget and spread', () => {
  test('the PodDisruptionBudget lets drains evict unhealthy pods', async () => {
    assert.equal(onlyObjectOfKind(await render(), 'PodDisruptionBudget').spec!.unhealthyPodEvictionPolicy, 'AlwaysAllow')
  })

  test('prod: zones strictly, nodes preferably, tainted nodes not counted', async () => {
    const constraints = onlyObjectOfKind(await render('environmentProd'), 'Deployment').spec!.template.spec!.topologySpreadConstraints!
    assert.deepEqual(
      constraints.map(({ topologyKey, whenUnsatisfiable, nodeTaintsPolicy }) => ({ topologyKey, whenUnsatisfiable, nodeTaintsPolicy })),
      [
        { topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor' },
        { topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', nodeTaintsPolicy: 'Honor' },
      ],
    )
  })
})
