// Memory: the V8 heap limit follows the container's memory limit, the limit leaves room above the
// bench's measured peak, and the autoscaler scales on CPU unless memory is asked for.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { MEMORY_BUDGET_MIB, PRODUCTION_ENVIRONMENT, PRODUCTION_NODE_OPTIONS } from '../../bench/bench-settings.js'
import { helm, onlyObjectOfKind, render, valueArguments } from './helm.js'

const environmentVariable = async (name: string, extra: string[] = []) => {
  const container = onlyObjectOfKind(await render('default', extra), 'Deployment').spec!.template.spec!.containers[0]!
  return container.env!.find((variable) => variable.name === name)?.value
}
const nodeOptionsOf = (extra: string[] = []) => environmentVariable('NODE_OPTIONS', extra)

const mebibytes = (quantity: string) => {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity)
  assert.ok(match, `unexpected quantity ${quantity}`)
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1)
}

describe('V8 heap limits from resources.limits.memory', () => {
  test('the default limit gives the settings the bench measures', async () => {
    assert.equal(await nodeOptionsOf(), PRODUCTION_NODE_OPTIONS)
  })

  const cases: [string, number][] = [
    ['1Gi', 1024 - 176],
    ['0.5Gi', 512 - 176],
    ['536870912', 512 - 176],
    ['500M', 476 - 176],
    ['262144Ki', 256 - 176],
  ]
  for (const [limit, oldSpace] of cases) {
    test(`a ${limit} limit leaves ${oldSpace} MiB to the old generation`, async () => {
      assert.equal(await nodeOptionsOf(['--set-string', `resources.limits.memory=${limit}`]), `--max-old-space-size=${oldSpace} --max-semi-space-size=16`)
    })
  }

  test('the default malloc settings are the ones the bench measures', async () => {
    for (const [name, value] of Object.entries(PRODUCTION_ENVIRONMENT)) assert.equal(await environmentVariable(name), value, name)
  })

  test('nodeMemory.jemallocConf sets MALLOC_CONF, or leaves it unset when empty', async () => {
    assert.equal(await environmentVariable('MALLOC_CONF', ['--set', 'nodeMemory.jemallocConf=narenas:1']), 'narenas:1')
    assert.equal(await environmentVariable('MALLOC_CONF', ['--set', 'nodeMemory.jemallocConf=']), undefined)
  })

  test('refuses a jemallocConf that is not a list of name:value settings', async () => {
    const result = await helm(['template', 'user-api', '.', ...valueArguments('default', ['--set-string', 'nodeMemory.jemallocConf=narenas 2;x'])])
    assert.notEqual(result.exitCode, 0)
    assert.match(result.stderr, /jemallocConf/)
  })

  test('nodeMemory.mallocArenas sets MALLOC_ARENA_MAX', async () => {
    assert.equal(await environmentVariable('MALLOC_ARENA_MAX', ['--set', 'nodeMemory.mallocArenas=4']), '4')
  })

  test('a plain number of bytes, as a values file gives it, works too', async () => {
    assert.equal(await nodeOptionsOf(['--set-json', 'resources.limits.memory=536870912']), '--max-old-space-size=336 --max-semi-space-size=16')
  })

  test('follows nodeMemory', async () => {
    assert.equal(await nodeOptionsOf(['--set', 'nodeMemory.reservedMiB=100,nodeMemory.semiSpaceMiB=8']), '--max-old-space-size=252 --max-semi-space-size=8')
  })

  test('refuses a limit that leaves the old generation less than 64 MiB', async () => {
    const result = await helm(['template', 'user-api', '.', ...valueArguments('default', ['--set', 'resources.limits.memory=224Mi'])])
    assert.notEqual(result.exitCode, 0)
    assert.match(result.stderr, /resources\.limits\.memory \(224 MiB\) minus nodeMemory\.reservedMiB \(176 MiB\) leaves 48 MiB/)
  })

  test('refuses NODE_OPTIONS in extraEnv, which would replace the derived limits', async () => {
    const result = await helm(['template', 'user-api', '.', '--set', 'extraEnv[0].name=NODE_OPTIONS,extraEnv[0].value=--max-old-space-size=4096'])
    assert.notEqual(result.exitCode, 0)
    assert.match(result.stderr, /extraEnv must not set NODE_OPTIONS/)
  })

  test('every value set gets them, within its own limit', async () => {
    for (const valueSet of ['production', 'environmentProd', 'kindEndToEnd'] as const) {
      const container = onlyObjectOfKind(await render(valueSet), 'Deployment').spec!.template.spec!.containers[0]!
      const oldSpace = Number(/--max-old-space-size=(\d+)/.exec(container.env!.find((variable) => variable.name === 'NODE_OPTIONS')?.value ?? '')?.[1])
      assert.ok(oldSpace >= 64 && oldSpace < mebibytes(String(container.resources!.limits!.memory)), `${valueSet}: old space ${oldSpace} MiB`)
    }
  })
})

describe('requests and limits sized from the measurements', () => {
  test('the default limit is at least 1.5 times the peak RSS budget the bench enforces', async () => {
    const resources = onlyObjectOfKind(await render(), 'Deployment').spec!.template.spec!.containers[0]!.resources!
    const highestBudget = Math.max(MEMORY_BUDGET_MIB.peakRss, MEMORY_BUDGET_MIB.tracedPeakRss)
    assert.ok(mebibytes(String(resources.limits!.memory)) >= 1.5 * highestBudget, `limit ${resources.limits!.memory}`)
    assert.ok(mebibytes(String(resources.requests!.memory)) > MEMORY_BUDGET_MIB.idleRss, `request ${resources.requests!.memory} below idle use`)
  })
})

describe('autoscaling', () => {
  test('scales on CPU only by default', async () => {
    const hpa = onlyObjectOfKind(await render(), 'HorizontalPodAutoscaler')
    assert.deepEqual(hpa.spec.metrics!.map((metric) => metric.resource?.name), ['cpu'])
  })

  test('scales on memory too when asked', async () => {
    const hpa = onlyObjectOfKind(await render('default', ['--set', 'autoscaling.scaleOnMemory=true']), 'HorizontalPodAutoscaler')
    const memory = hpa.spec.metrics!.find((metric) => metric.resource?.name === 'memory')
    assert.equal(memory?.resource?.target.averageUtilization, 90)
  })
})
