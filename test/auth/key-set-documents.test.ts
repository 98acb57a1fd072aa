// What the key set takes from an issuer, and what it tells operators when it cannot: which keys
// of a JSON Web Key Set may ever verify a token, what discovery must say, the exact errors and log
// lines of each failure, and the boundaries of its retry, cooldown and refresh periods. Documents
// come from a loopback server whose answers each test sets; the clock stands still unless moved.
import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { after, before, beforeEach, describe, it } from 'node:test'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import pino from 'pino'
import { fetchJson, KeysUnavailableError, RemoteKeySet, type KeySetTimings } from '../../src/auth/key-set.js'

const TIMINGS: KeySetTimings = { fetchTimeoutMs: 2000, refreshAfterMs: 600_000, cooldownMs: 30_000, retryAfterFailureMs: 5000 }

interface Answer {
  status?: number
  body?: unknown
  headers?: Record<string, string>
}

describe('the key set and the documents of an issuer', () => {
  const answers = new Map<string, Answer>()
  const requests: { url: string; headers: IncomingHttpHeaders }[] = []
  const server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', headers: request.headers })
    const answer = answers.get(request.url ?? '') ?? { status: 404, body: {} }
    const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {})
    response.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers }).end(answer.status === 204 ? undefined : body)
  })
  let base = ''
  let signing: JWK
  let logLines: Record<string, unknown>[] = []
  let fetches: string[] = []
  let now = 1_000_000

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    signing = { ...(await exportJWK((await generateKeyPair('ES256')).publicKey)), kid: 'signing', alg: 'ES256' }
  })
  after(() => {
    server.close()
  })
  beforeEach(() => {
    answers.clear()
    requests.length = 0
    logLines = []
    fetches = []
    now = 1_000_000
  })

  /** A key set for the issuer at `base`; `discover` leaves the key set address to discovery. */
  function keySet({ jwksUri = `${base}/jwks`, discover = false, issuer = base } = {}): RemoteKeySet {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
        done()
      },
    })
    return new RemoteKeySet({ issuer, jwksUri: discover ? undefined : jwksUri, timings: TIMINGS, log: pino(sink), now: () => now, onFetch: (outcome) => fetches.push(outcome) })
  }
  const lookUp = (keys: RemoteKeySet, kid: string) => keys.getKey({ alg: 'ES256', kid }, { payload: '', signature: '' })
  /** The error of the last failed fetch, as the warning in the log gives it. */
  const lastWarning = () => logLines.filter((line) => line.msg === 'could not fetch the token issuer signing keys').at(-1)

  it('keeps only public signing keys of asymmetric types', async () => {
    const { d: _private, ...publicPart } = { ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey)) }
    const privateKey = { ...publicPart, d: _private, kid: 'private', alg: 'ES256' }
    answers.set('/jwks', {
      body: {
        keys: [
          signing,
          { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0', kid: 'oct', alg: 'HS256' },
          privateKey,
          { ...signing, kid: 'encryption', use: 'enc' },
          { ...signing, kid: 'marked', use: 'sig' },
          'not a key',
          null,
        ],
      },
    })
    const keys = keySet()
    assert.equal((await lookUp(keys, 'signing')).type, 'public')
    assert.equal((await lookUp(keys, 'marked')).type, 'public')
    for (const kid of ['private', 'encryption']) await assert.rejects(lookUp(keys, kid), { code: 'ERR_JWKS_NO_MATCHING_KEY' }, kid)
    assert.deepEqual(fetches, ['success'], 'an unknown key within the cooldown fetches nothing')
    assert.deepEqual(
      logLines.map(({ msg, jwks_uri, keys: count }) => ({ msg, jwks_uri, keys: count })),
      [{ msg: 'fetched the token issuer signing keys', jwks_uri: `${base}/jwks`, keys: 2 }],
    )
  })

  it('refuses a key set without a "keys" array or without a usable key, saying which', async () => {
    for (const [body, error] of [
      [{ keys: 'none' }, 'the JSON Web Key Set has no "keys" array'],
      [[signing], 'the JSON Web Key Set has no "keys" array'],
      [{ keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'oct' }] }, 'the JSON Web Key Set holds no public signing key'],
    ] as const) {
      answers.set('/jwks', { body })
      const failure = await lookUp(keySet(), 'signing').then(
        () => assert.fail('a key from a bad set'),
        (thrown: unknown) => thrown,
      )
      assert.ok(failure instanceof KeysUnavailableError)
      assert.equal(failure.name, 'KeysUnavailableError')
      assert.equal(failure.message, 'could not fetch the token issuer signing keys')
      assert.equal((failure.cause as Error).message, error)
      assert.deepEqual(lastWarning(), { ...lastWarning(), issuer: base, error, cached_keys: false })
    }
    assert.deepEqual(fetches, ['failure', 'failure', 'failure'])
  })

  it('finds the key set through discovery, which must name this issuer and a safe key set address', async () => {
    const discovery = '/.well-known/openid-configuration'
    const url = `${base}${discovery}`
    const failures: [unknown, string][] = [
      [[], `${url} is not a JSON object`],
      [{ issuer: 'https://impostor.example', jwks_uri: `${base}/jwks` }, `${url} names the issuer "https://impostor.example", not ${base}`],
      [{ issuer: base }, `${url} has no jwks_uri`],
      [{ issuer: base, jwks_uri: 'http://keys.example/jwks' }, `the jwks_uri of ${url} must be an https URL; plain http is accepted only on 127.0.0.1, [::1] or localhost`],
    ]
    for (const [body, error] of failures) {
      answers.set(discovery, { body })
      await assert.rejects(lookUp(keySet({ discover: true }), 'signing'), KeysUnavailableError)
      assert.equal(lastWarning()?.error, error)
    }
    // An issuer written with a trailing slash: one slash before .well-known, and the issuer compared as written.
    answers.set(discovery, { body: { issuer: `${base}/`, jwks_uri: `${base}/jwks` } })
    answers.set('/jwks', { body: { keys: [signing] } })
    requests.length = 0
    assert.equal((await lookUp(keySet({ discover: true, issuer: `${base}/` }), 'signing')).type, 'public')
    assert.deepEqual(
      requests.map(({ url: path }) => path),
      [discovery, '/jwks'],
    )
  })

  it('asks for JSON, follows no redirect, and names the address and the problem of each bad answer', async () => {
    answers.set('/ok', { body: { ok: true } })
    assert.deepEqual(await fetchJson(`${base}/ok`, 1000), { ok: true })
    assert.equal(requests[0]?.headers.accept, 'application/json, application/jwk-set+json')
    await assert.rejects(fetchJson(`${base}/missing`, 1000), { message: `${base}/missing answered HTTP 404` })
    answers.set('/empty', { status: 204 })
    await assert.rejects(fetchJson(`${base}/empty`, 1000), { message: `${base}/empty answered HTTP 204` })
    answers.set('/moved', { status: 302, headers: { location: '/ok' } })
    requests.length = 0
    await assert.rejects(fetchJson(`${base}/moved`, 1000))
    assert.deepEqual(
      requests.map(({ url }) => url),
      ['/moved'],
    )
    answers.set('/eleven', { body: '"0123456789"' })
    assert.equal(await fetchJson(`${base}/eleven`, 1000, 12), '0123456789')
    await assert.rejects(fetchJson(`${base}/eleven`, 1000, 11), { message: `${base}/eleven sent more than 11 bytes` })
    answers.set('/undeclared', { body: '"0123456789"', headers: { 'transfer-encoding': 'chunked' } })
    await assert.rejects(fetchJson(`${base}/undeclared`, 1000, 11), { message: `${base}/undeclared sent more than 11 bytes` })
    answers.set('/html', { body: '<html>' })
    await assert.rejects(fetchJson(`${base}/html`, 1000), { message: `${base}/html sent something other than JSON` })
  })

  it('logs the cause of a network failure with its message', async () => {
    // A port that was free a moment ago: nothing listens there.
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const { port } = closed.address() as AddressInfo
    await new Promise((resolve) => closed.close(resolve))
    await assert.rejects(lookUp(keySet({ jwksUri: `http://127.0.0.1:${port}/jwks` }), 'signing'), KeysUnavailableError)
    assert.equal(lastWarning()?.error, `connect ECONNREFUSED 127.0.0.1:${port}`)
  })

  it('retries a failed fetch from retryAfterFailureMs on, not before', async () => {
    const keys = keySet()
    await assert.rejects(lookUp(keys, 'signing'), KeysUnavailableError)
    answers.set('/jwks', { body: { keys: [signing] } })
    now += TIMINGS.retryAfterFailureMs - 1
    await assert.rejects(lookUp(keys, 'signing'), { message: 'the token issuer cannot be reached and no cached key fits the token' })
    assert.deepEqual(fetches, ['failure'])
    now += 1
    assert.equal((await lookUp(keys, 'signing')).type, 'public')
    assert.deepEqual(fetches, ['failure', 'success'])
  })

  it('looks for an unknown key from cooldownMs after the last fetch on, not before', async () => {
    answers.set('/jwks', { body: { keys: [signing] } })
    const keys = keySet()
    await lookUp(keys, 'signing')
    const rotated = { ...signing, kid: 'rotated' }
    answers.set('/jwks', { body: { keys: [signing, rotated] } })
    now += TIMINGS.cooldownMs - 1
    await assert.rejects(lookUp(keys, 'rotated'), { code: 'ERR_JWKS_NO_MATCHING_KEY' })
    now += 1
    assert.equal((await lookUp(keys, 'rotated')).type, 'public')
    assert.deepEqual(fetches, ['success', 'success'])
  })

  it('refreshes the keys in the background from refreshAfterMs on, and drops a withdrawn key then', async () => {
    answers.set('/jwks', { body: { keys: [signing] } })
    const keys = keySet()
    await lookUp(keys, 'signing')
    answers.set('/jwks', { body: { keys: [{ ...signing, kid: 'next' }] } })
    now += TIMINGS.refreshAfterMs - 1
    await lookUp(keys, 'signing')
    assert.deepEqual(fetches, ['success'])
    now += 1
    // The lookup that starts the refresh still answers from the cached keys.
    assert.equal((await lookUp(keys, 'signing')).type, 'public')
    for (const deadline = Date.now() + 10_000; fetches.length < 2 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.deepEqual(fetches, ['success', 'success'])
    now += 1
    assert.equal((await lookUp(keys, 'next')).type, 'public')
    await assert.rejects(lookUp(keys, 'signing'), { code: 'ERR_JWKS_NO_MATCHING_KEY' })
  })
})
