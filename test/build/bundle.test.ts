// The production entry point is a bundle (scripts/bundle-server.mjs, run by `npm run build`): this
// builds it as the image does and runs it as its own process against the emulators, so a
// dependency that cannot live in a bundle (files next to its own, a dynamic require) fails here
// and not in a pod. The docs are a chunk of their own and must still load when enabled.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { copyFile, mkdtemp, readdir, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { unassignedPort } from '../support/ports.js'
import { startTestStack, TEST_CREDENTIALS, testEnvironment, type TestStack } from '../support/test-stack.js'

const root = resolve(import.meta.dirname, '../..')
// Bounds a regression that never becomes ready; a start takes well under a second.
const READY_LIMIT_MS = 30_000

function run(args: string[]): Promise<void> {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
  return once(child, 'exit').then(([code]) => {
    if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${String(code)}`)
  })
}

describe('the production bundle', () => {
  let stack: TestStack
  let folder: string

  before(async () => {
    stack = await startTestStack()
    folder = await mkdtemp(join(tmpdir(), 'user-api-bundle-'))
    await run(['scripts/bundle-server.mjs', join(folder, 'dist')])
    // As in the image: package.json beside dist/ ("type": "module", the version) and node_modules.
    await copyFile(join(root, 'package.json'), join(folder, 'package.json'))
    await symlink(join(root, 'node_modules'), join(folder, 'node_modules'), 'dir')
  })
  after(async () => {
    await stack.close()
    await rm(folder, { recursive: true, force: true })
  })

  it('is one entry file with a few chunks, and serves registrations and the docs', async () => {
    const files = await readdir(join(folder, 'dist'), { recursive: true })
    const scripts = files.filter((file) => file.endsWith('.js'))
    assert.ok(scripts.includes('server.js'))
    assert.ok(scripts.length < 20, `${scripts.length} files`)

    const [port, metricsPort] = [await unassignedPort(), await unassignedPort()]
    const child = spawn(process.execPath, [join(folder, 'dist/server.js')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        ...testEnvironment({ API_KEYS: stack.apiKey, LOG_LEVEL: 'warn', DOCS_ENABLED: 'true' }),
        HOST: '127.0.0.1',
        PORT: String(port),
        METRICS_PORT: String(metricsPort === port ? port + 1 : metricsPort),
        SHUTDOWN_DRAIN_SECONDS: '0',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL_DYNAMODB: stack.emulators.dynamoEndpoint,
        AWS_ENDPOINT_URL_S3: stack.emulators.s3Endpoint,
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      },
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = once(child, 'exit')
    const url = `http://127.0.0.1:${port}`
    try {
      const started = performance.now()
      for (;;) {
        const ready = await fetch(`${url}/readyz`).then((response) => response.status === 200, () => false)
        if (ready) break
        assert.equal(child.exitCode, null, `the bundle exited:\n${output}`)
        assert.ok(performance.now() - started < READY_LIMIT_MS, `not ready after ${READY_LIMIT_MS} ms:\n${output}`)
        await sleep(20)
      }
      const registered = await fetch(`${url}/user`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
        body: JSON.stringify({ name: 'Bundled', email: 'bundled@example.com' }),
      })
      assert.equal(registered.status, 201, await registered.clone().text())
      const { user } = (await registered.json()) as { user: { id: string } }
      const read = await fetch(`${url}/users/${user.id}`, { headers: { 'x-api-key': stack.apiKey } })
      assert.equal(read.status, 200)
      await read.arrayBuffer()
      for (const path of ['/openapi.json', '/docs/', '/docs/static/swagger-ui.css']) {
        const response = await fetch(`${url}${path}`)
        await response.arrayBuffer()
        assert.equal(response.status, 200, path)
      }
    } finally {
      child.kill('SIGTERM')
      const [code] = (await exited) as [number | null]
      assert.equal(code, 0, output)
    }
  })
})
