// Secure by default: a route behind the authentication hook that does not say which scope it
// needs stops the start-up instead of being served without a scope check.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import Fastify from 'fastify'
import pino from 'pino'
import { authentication, Authenticator } from '../../src/auth/authentication.js'
import { createMetrics } from '../../src/metrics/metrics.js'

test('a route without config.scope behind the hook is refused at registration; one with a scope is served', async () => {
  const authenticator = new Authenticator({ apiKeys: ['k'.repeat(32)], oidc: undefined, metrics: createMetrics(), log: pino({ level: 'silent' }), now: () => new Date() })
  const app = Fastify()
  await app.register(async (scoped) => {
    await scoped.register(authentication, { authenticator })
    scoped.get('/scoped', { config: { scope: 'users:read' } }, async () => ({ ok: true }))
    assert.throws(() => scoped.get('/unscoped', async () => ({ ok: true })), /must declare config\.scope/)
  })
  await app.ready()
  assert.equal((await app.inject({ url: '/scoped', headers: { 'x-api-key': 'k'.repeat(32) } })).statusCode, 200)
  assert.equal((await app.inject({ url: '/scoped' })).statusCode, 401)
  assert.equal((await app.inject({ url: '/unscoped', headers: { 'x-api-key': 'k'.repeat(32) } })).statusCode, 404)
  await app.close()
})
