import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { BackendBusyError, CallQueue, neverSent } from '../../src/aws/call-queue.js'
import { isTemporaryAwsFailure } from '../../src/aws/aws-errors.js'

const settledState = async (promise: Promise<unknown>) =>
  Promise.race([promise.then(() => 'resolved', () => 'rejected'), sleep(20, 'pending')])

describe('CallQueue', () => {
  it('lets maxActive attempts through and queues the rest in arrival order', async () => {
    const queue = new CallQueue({ maxActive: 2, timeoutMs: 5000, maxWaiting: 10 })
    const first = await queue.acquire()
    const second = await queue.acquire()
    const order: string[] = []
    const third = queue.acquire().then((release) => (order.push('third'), release))
    const fourth = queue.acquire().then((release) => (order.push('fourth'), release))
    assert.deepEqual([queue.active, queue.waiting], [2, 2])
    assert.equal(await settledState(third), 'pending')

    second()
    const releaseThird = await third
    assert.deepEqual(order, ['third'])
    assert.deepEqual([queue.active, queue.waiting], [2, 1])
    first()
    releaseThird()
    ;(await fourth)()
    assert.deepEqual(order, ['third', 'fourth'])
    assert.deepEqual([queue.active, queue.waiting], [0, 0])
  })

  it('frees a slot only once however often release is called', async () => {
    const queue = new CallQueue({ maxActive: 1, timeoutMs: 5000, maxWaiting: 10 })
    const release = await queue.acquire()
    const waiting = queue.acquire()
    release()
    release()
    const next = await waiting
    assert.equal(queue.active, 1, 'the slot passed to the waiter, the second release did nothing')
    next()
    assert.equal(queue.active, 0)
  })

  it('fails a wait that outlasts timeoutMs with BackendBusyError, which the API answers with 503', async () => {
    const queue = new CallQueue({ maxActive: 1, timeoutMs: 50, maxWaiting: 10 })
    const release = await queue.acquire()
    const started = performance.now()
    const error = await queue.acquire().then(() => undefined, (reason: unknown) => reason)
    assert.ok(error instanceof BackendBusyError, String(error))
    assert.equal(error.name, 'BackendBusyError')
    assert.equal(error.message, 'no AWS connection became free within 50 ms')
    assert.ok(performance.now() - started >= 45)
    assert.equal(isTemporaryAwsFailure(error), true)
    assert.deepEqual([queue.active, queue.waiting], [1, 0], 'the timed-out waiter is gone')
    release()
    assert.equal(queue.active, 0)
  })

  it('refuses at once when maxWaiting attempts are already waiting', async () => {
    const queue = new CallQueue({ maxActive: 1, timeoutMs: 5000, maxWaiting: 2 })
    const release = await queue.acquire()
    const waiters = [queue.acquire(), queue.acquire()]
    await assert.rejects(queue.acquire(), { name: 'BackendBusyError', message: '2 AWS calls are already waiting for a connection' })
    release()
    for (const waiter of waiters) (await waiter)()
    assert.deepEqual([queue.active, queue.waiting], [0, 0])
  })

  it('tells a call refused on its first attempt, which never reached AWS, from one refused on a retry', () => {
    assert.equal(neverSent(new BackendBusyError('busy')), true)
    assert.equal(neverSent(Object.assign(new BackendBusyError('busy'), { $metadata: { attempts: 1 } })), true)
    assert.equal(neverSent(Object.assign(new BackendBusyError('busy'), { $metadata: { attempts: 2 } })), false, 'the first attempt may have landed')
    assert.equal(neverSent(Object.assign(new Error('timeout'), { name: 'TimeoutError' })), false)
  })
})
