// Swagger UI at /docs renders in a real browser under its Content-Security-Policy: headless
// Chromium loads the page from the service on loopback, runs its scripts, fetches the document and
// draws every operation, and reports no CSP violation on its console.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config/config.js'
import { SYSTEM_TOOLS, skipUnlessInstalled } from '../support/system-tools.js'
import { newApiKey, testEnvironment } from '../support/test-stack.js'

const OPERATIONS = ['registerUser', 'listUsers', 'getUser', 'deleteUser', 'renewAvatarUpload', 'getLiveness', 'getReadiness']

interface Rendered {
  dom: string
  console: string[]
}

// --virtual-time-budget lets the page's scripts and fetches finish before the DOM is printed.
function renderInChromium(url: string, profile: string): Promise<Rendered> {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    `--user-data-dir=${profile}`,
    '--enable-logging=stderr',
    '--v=0',
    '--virtual-time-budget=10000',
    '--dump-dom',
    url,
  ]
  return new Promise((resolve, reject) => {
    execFile('chromium', args, { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`chromium failed: ${error.message}\n${stderr}`))
      else resolve({ dom: stdout, console: stderr.split('\n').filter((line) => line.includes(':CONSOLE')) })
    })
  })
}

describe('Swagger UI in Chromium', { skip: skipUnlessInstalled(SYSTEM_TOOLS.chromium) }, () => {
  let app: FastifyInstance
  let profile: string
  before(async () => {
    // No AWS call is made: the page and the document need none.
    app = await buildApp(loadConfig(testEnvironment({ API_KEYS: newApiKey(), DOCS_ENABLED: 'true' })), { logger: false })
    await app.listen({ port: 0, host: '127.0.0.1' })
    profile = await mkdtemp(join(tmpdir(), 'user-api-chromium-'))
  })
  after(async () => {
    await app.close()
    await rm(profile, { recursive: true, force: true })
  })

  it('draws every operation, with no Content-Security-Policy violation', async () => {
    const address = app.server.address()
    assert.ok(address !== null && typeof address === 'object')
    const { dom, console } = await renderInChromium(`http://127.0.0.1:${address.port}/docs/`, profile)
    assert.deepEqual(
      console.filter((line) => /Content Security Policy|Refused to/i.test(line)),
      [],
      'the page broke its own policy',
    )
    for (const operationId of OPERATIONS) assert.match(dom, new RegExp(`id="operations-[a-z]+-${operationId}"`), `${operationId} not drawn`)
    assert.doesNotMatch(dom, /Failed to load API definition/)
  })
})
