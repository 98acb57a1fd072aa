import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import pino from 'pino'
import { BackgroundRetries } from '../../src/lifecycle/background-retries.js'

const log = pino({ level: 'silent' })
const FAST = { maxPending: 10, firstDelayMs: 5, maxDelayMs: 20, giveUpAfterMs: 2000 }

describe('BackgroundRetries', () => {
  it('retries a failing task until it succeeds', async () => {
    const retries = new BackgroundRetries(log, FAST)
    let calls = 0
    retries.start('flaky', {}, async () => {
      calls++
      if (calls < 4) throw new Error('not yet')
    })
    assert.equal(retries.pending, 1)
    await retries.settled()
    assert.equal(calls, 4)
    assert.equal(retries.pending, 0)
  })

  it('gives up once the next attempt would come after the deadline', async () => {
    const retries = new BackgroundRetries(log, { ...FAST, giveUpAfterMs: 100 })
    let calls = 0
    const started = performance.now()
    retries.start('hopeless', {}, async () => {
      calls++
      throw new Error('never')
    })
    await retries.settled()
    assert.ok(performance.now() - started < 1000, 'did not run past its deadline')
    assert.ok(calls >= 3, `retried until the deadline (${calls} calls)`)
  })

  it('keeps at most maxPending tasks', async () => {
    const retries = new BackgroundRetries(log, { ...FAST, maxPending: 2 })
    let calls = 0
    for (let index = 0; index < 5; index++) {
      retries.start('bounded', {}, async () => {
        calls++
      })
    }
    assert.equal(retries.pending, 2)
    await retries.settled()
    assert.equal(calls, 2)
  })

  it('on close, aborts waits and the attempt in flight and takes no new task', async () => {
    const retries = new BackgroundRetries(log, { ...FAST, firstDelayMs: 60_000, maxDelayMs: 60_000, giveUpAfterMs: 600_000 })
    let waitingRan = false
    retries.start('waiting', {}, async () => {
      waitingRan = true
    })
    let sawAbort = false
    const inFlight = new BackgroundRetries(log, { ...FAST, firstDelayMs: 1 })
    inFlight.start('in flight', {}, (signal) =>
      new Promise<void>((_resolve, reject) => {
        signal?.addEventListener('abort', () => {
          sawAbort = true
          reject(new Error('aborted'))
        })
      }),
    )
    await new Promise((resolve) => setTimeout(resolve, 30))
    const started = performance.now()
    await Promise.all([retries.close(), inFlight.close()])
    assert.ok(performance.now() - started < 1000, 'close did not wait out the back-off')
    assert.equal(waitingRan, false)
    assert.equal(sawAbort, true)
    retries.start('late', {}, async () => {
      waitingRan = true
    })
    assert.equal(retries.pending, 0)
  })
})
