// The issuer's keys under rotation, floods and outages, against a real issuer on loopback: how
// many fetches reach the issuer, and what a token gets (verified, 401 or 503) in each situation.
// The clock is the test's, so cooldowns pass without waiting.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { after, afterEach, beforeEach, describe, it } from 'node:test'
import pino from 'pino'
import { createBearerTokenVerifier, TokenRejectedError } from '../../src/auth/bearer-tokens.js'
import { fetchJson, KeysUnavailableError, MAX_DOCUMENT_BYTES, RemoteKeySet, type KeySetTimings } from '../../src/auth/key-set.js'
import { loadConfig } from '../../src/config/config.js'
import { TestClock, TestIssuer } from '../support/oidc-issuer.js'
import { testEnvironment } from '../support/test-stack.js'

// A loopback fetch takes milliseconds; the timeout is far above that so a loaded machine (or
// mutation testing's instrumented code) does not turn a slow answer into "unavailable".
const TIMINGS: KeySetTimings = { fetchTimeoutMs: 2000, refreshAfterMs: 600_000, cooldownMs: 30_000, retryAfterFailureMs: 5000 }

describe('the issuer key set', () => {
  let issuer: TestIssuer
  let clock: TestClock
  let logLines: string[]

  beforeEach(async () => {
    issuer = await TestIssuer.start()
    clock = new TestClock()
    logLines = []
  })
  afterEach(async () => {
    await issuer.close()
  })

  function verifier(env: Record<string, string> = {}, timings = TIMINGS) {
    const config = loadConfig(testEnvironment({ API_KEYS: '', ...issuer.environment(env) }))
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString())
        done()
      },
    })
    const keySet = new RemoteKeySet({ issuer: issuer.url, jwksUri: config.oidc!.jwksUri, timings, log: pino(sink), now: () => clock.now().getTime() })
    return createBearerTokenVerifier({ config: config.oidc!, getKey: keySet.getKey, now: clock.now })
  }

  /** What verifying gives: 'ok', the reason of a 401, or 'unavailable' (a 503). */
  async function outcome(verify: (token: string) => Promise<unknown>, token: string): Promise<string> {
    try {
      await verify(token)
      return 'ok'
    } catch (error) {
      if (error instanceof TokenRejectedError) return error.reason
      if (error instanceof KeysUnavailableError) return 'unavailable'
      throw error
    }
  }

  it('fetches discovery and keys once, then verifies from memory', async () => {
    const verify = verifier()
    for (let index = 0; index < 20; index++) assert.equal(await outcome(verify, await issuer.token()), 'ok')
    assert.deepEqual(issuer.fetches, { discovery: 1, jwks: 1 })
  })

  it('accepts a rotated key after one refetch, and stops accepting the withdrawn one', async () => {
    const verify = verifier()
    const before = await issuer.token()
    assert.equal(await outcome(verify, before), 'ok')
    clock.advance(31)
    await issuer.rotate()
    assert.equal(await outcome(verify, await issuer.token()), 'ok')
    assert.deepEqual(issuer.fetches, { discovery: 1, jwks: 2 })
    assert.equal(await outcome(verify, before), 'unknown_key', 'the old key is gone from the refetched set')
    assert.deepEqual(issuer.fetches, { discovery: 1, jwks: 2 }, 'and that caused no fetch, within the cooldown')
  })

  it('lets a flood of unknown key ids cause at most one fetch per cooldown', async () => {
    const verify = verifier()
    assert.equal(await outcome(verify, await issuer.token()), 'ok')
    const unknownKey = await issuer.addKey('RS256', { publish: false })
    const flood = async (count: number) => {
      const tokens = await Promise.all(Array.from({ length: count }, () => issuer.token({}, { key: unknownKey, header: { kid: randomUUID() } })))
      return Promise.all(tokens.map((token) => outcome(verify, token)))
    }
    // Right after the first fetch: within the cooldown, nothing reaches the issuer.
    assert.deepEqual(new Set(await flood(200)), new Set(['unknown_key']))
    assert.equal(issuer.fetches.jwks, 1)
    for (let cooldown = 1; cooldown <= 3; cooldown++) {
      clock.advance(31)
      // 200 at once after the cooldown: one fetch, which all of them wait for.
      assert.deepEqual(new Set(await flood(200)), new Set(['unknown_key']))
      assert.equal(issuer.fetches.jwks, 1 + cooldown, `one fetch in cooldown ${cooldown}`)
      assert.deepEqual(new Set(await flood(50)), new Set(['unknown_key']))
      assert.equal(issuer.fetches.jwks, 1 + cooldown)
    }
  })

  it('keeps verifying with cached keys while the issuer is down, also once they are due for a refresh', async () => {
    const verify = verifier()
    assert.equal(await outcome(verify, await issuer.token({}, { expiresIn: 3600 })), 'ok')
    issuer.behaviour = 'down'
    assert.equal(await outcome(verify, await issuer.token({}, { expiresIn: 3600 })), 'ok')
    clock.advance(11 * 60)
    // Due for a refresh: it runs in the background and fails; tokens are verified meanwhile.
    for (let index = 0; index < 10; index++) assert.equal(await outcome(verify, await issuer.token({}, { expiresIn: 7200 })), 'ok')
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.equal(issuer.fetches.jwks, 2, 'one background attempt, not one per token')
    assert.ok(logLines.some((line) => line.includes('could not fetch the token issuer signing keys') && line.includes('"cached_keys":true')))
    // A key the cache does not hold cannot be checked while the issuer is down: 503, not 401.
    clock.advance(31)
    const rotated = await issuer.addKey('RS256', { makeCurrent: true })
    const rotatedToken = await issuer.token({}, { key: rotated, expiresIn: 7200 })
    // Two at once: one fetches, the other waits for that fetch; neither is told the key is unknown.
    assert.deepEqual(await Promise.all([outcome(verify, rotatedToken), outcome(verify, rotatedToken)]), ['unavailable', 'unavailable'])
    // And within the cooldown after that failed fetch, still 503 rather than 401.
    assert.equal(await outcome(verify, rotatedToken), 'unavailable')
    // The issuer is back: the refresh picks up the new key.
    issuer.behaviour = 'normal'
    clock.advance(31)
    assert.equal(await outcome(verify, await issuer.token({}, { key: rotated, expiresIn: 7200 })), 'ok')
  })

  it('answers "unavailable" (503), not a verdict on the token, when no key was ever fetched; and spaces out attempts', async () => {
    issuer.behaviour = 'down'
    const verify = verifier()
    const token = await issuer.token({}, { expiresIn: 3600 })
    assert.equal(await outcome(verify, token), 'unavailable')
    const attempts = issuer.fetches.discovery
    for (let index = 0; index < 20; index++) assert.equal(await outcome(verify, token), 'unavailable')
    assert.equal(issuer.fetches.discovery, attempts, 'no new attempt within retryAfterFailureMs')
    issuer.behaviour = 'normal'
    assert.equal(await outcome(verify, token), 'unavailable', 'still spaced out')
    clock.advance(6)
    assert.equal(await outcome(verify, token), 'ok')
    // A bad token is still judged as such once keys are there.
    assert.equal(await outcome(verify, await issuer.token({ aud: 'elsewhere' })), 'audience')
  })

  it('gives up on a stalled issuer after the fetch timeout', async () => {
    issuer.behaviour = 'stall'
    const verify = verifier()
    const started = performance.now()
    assert.equal(await outcome(verify, await issuer.token()), 'unavailable')
    const elapsed = performance.now() - started
    assert.ok(elapsed >= TIMINGS.fetchTimeoutMs - 50 && elapsed < TIMINGS.fetchTimeoutMs * 6, `gave up after ${Math.round(elapsed)} ms`)
  })

  it('refuses an oversized key set and a discovery document that names another issuer', async () => {
    issuer.behaviour = 'oversized'
    assert.equal(await outcome(verifier(), await issuer.token()), 'unavailable')
    assert.ok(logLines.some((line) => line.includes(`more than ${MAX_DOCUMENT_BYTES} bytes`)))
    issuer.behaviour = 'wrong-issuer'
    assert.equal(await outcome(verifier(), await issuer.token()), 'unavailable')
    assert.ok(logLines.some((line) => line.includes('names the issuer') && line.includes('impostor.example')))
  })

  it('uses OIDC_JWKS_URI without discovery', async () => {
    const verify = verifier({ OIDC_JWKS_URI: issuer.jwksUri })
    assert.equal(await outcome(verify, await issuer.token()), 'ok')
    assert.deepEqual(issuer.fetches, { discovery: 0, jwks: 1 })
  })

  it('verifies a token without kid against each key of its algorithm', async () => {
    const verify = verifier()
    const second = await issuer.addKey('RS256')
    const withoutKid = (key = issuer.currentKey) => issuer.token({}, { key, header: { kid: undefined } })
    assert.equal(await outcome(verify, await withoutKid()), 'ok')
    assert.equal(await outcome(verify, await withoutKid(second)), 'ok')
    const stranger = await issuer.addKey('RS256', { publish: false })
    assert.equal(await outcome(verify, await withoutKid(stranger)), 'signature')
  })
})

describe('fetchJson', () => {
  const server = createServer((request, response) => {
    if (request.url === '/redirect') return response.writeHead(302, { location: '/small' }).end()
    if (request.url === '/declared-large') return response.writeHead(200, { 'content-length': String(MAX_DOCUMENT_BYTES + 1) }).end('x'.repeat(MAX_DOCUMENT_BYTES + 1))
    if (request.url === '/streamed-large') {
      response.writeHead(200, { 'content-type': 'application/json' })
      for (let index = 0; index < 64; index++) response.write('x'.repeat(16 * 1024))
      return response.end()
    }
    if (request.url === '/not-json') return response.writeHead(200).end('<html>')
    if (request.url === '/stalled-body') return response.writeHead(200, { 'content-type': 'application/json' }).write('{"keys":')
    return response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
  })
  let base: string
  after(() => {
    server.close()
  })

  it('reads a small document and refuses redirects, oversized bodies (declared or not) and non-JSON', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    assert.deepEqual(await fetchJson(`${base}/small`, 1000), { ok: true })
    await assert.rejects(fetchJson(`${base}/redirect`, 1000))
    await assert.rejects(fetchJson(`${base}/declared-large`, 1000), /more than/)
    await assert.rejects(fetchJson(`${base}/streamed-large`, 1000), /more than/)
    await assert.rejects(fetchJson(`${base}/not-json`, 1000), /other than JSON/)
  })

  it('gives up on a body that stops halfway, at the timeout, and the process carries on', async () => {
    const started = performance.now()
    await assert.rejects(fetchJson(`${base}/stalled-body`, 300))
    const elapsed = performance.now() - started
    assert.ok(elapsed >= 250 && elapsed < 300 * 6, `gave up after ${Math.round(elapsed)} ms`)
    // The abort reaches the request after its response was handed over: no uncaught error.
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.deepEqual(await fetchJson(`${base}/small`, 1000), { ok: true })
  })

  it('speaks TLS to an https URL', async () => {
    // No certificate is at hand here; what matters is that the first bytes are a TLS handshake
    // (record type 22), not a plain-text request, and that a failed handshake is an error.
    const firstBytes: Buffer[] = []
    const tlsPeer = createNetServer((socket) => {
      socket.once('data', (data: Buffer) => {
        firstBytes.push(data)
        socket.destroy()
      })
    })
    await new Promise<void>((resolve) => tlsPeer.listen(0, '127.0.0.1', resolve))
    try {
      await assert.rejects(fetchJson(`https://127.0.0.1:${(tlsPeer.address() as AddressInfo).port}/jwks`, 1000))
      assert.equal(firstBytes[0]?.[0], 22)
    } finally {
      tlsPeer.close()
    }
  })

  it('does not use the global fetch, which would load undici and its WebAssembly parser', async (t) => {
    t.mock.method(globalThis, 'fetch', () => {
      throw new Error('fetch called')
    })
    assert.deepEqual(await fetchJson(`${base}/small`, 1000), { ok: true })
  })
})
