// The local stack's token flow as a newcomer meets it: `npm start` (scripts/local-stack.ts) in a
// fresh data folder, the web page it prints and its sign-in at the local issuer (Authorization Code
// with PKCE), `npm run -s token` printing only a token, and that token working against the running
// API; without a running stack the token script says so and exits 1.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { decodeJwt } from 'jose'
import { issuerInfoFile, LOCAL_AUDIENCE, LOCAL_BROWSER_SUBJECT, LOCAL_WEB_CLIENT_ID } from '../../scripts/local/issuer.js'
import { unassignedPort } from '../support/ports.js'
import { contractFetch } from '../support/response-contract.js'

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

// Asynchronous on purpose: nothing here may block the event loop while children run.
function run(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/token.ts', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('error', reject)
    child.once('exit', (code) => {
      resolve({ code, stdout, stderr })
    })
  })
}

describe('npm start and npm run token', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'user-api-local-'))
  const env = { LOCAL_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }
  let stack: ChildProcess | undefined
  let api = ''
  let output = ''

  before(async () => {
    const port = await unassignedPort()
    api = `http://127.0.0.1:${port}`
    stack = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-stack.ts'], {
      env: { ...process.env, ...env, PORT: String(port), API_KEYS: '', API_KEYS_FILE: '', OIDC_ISSUER: '', CURSOR_SECRET: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    stack.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    stack.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  })
  after(async () => {
    if (stack?.exitCode === null) {
      const running = stack
      const exited = new Promise((resolve) => running.once('exit', resolve))
      running.kill('SIGINT')
      await exited
    }
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('says that no issuer runs before the stack is up, and exits 1 with nothing on stdout', async () => {
    const result = await run(['--scope', 'users:read'], env)
    assert.equal(result.code, 1)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, /No local issuer is running.*npm start/s)
  })

  it('starts with an issuer, prints how to get a token, and the token lists users', async () => {
    for (const deadline = Date.now() + 60_000; !output.includes('Press Ctrl-C') && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 100))
    assert.match(output, /Issuer: +http:\/\/127\.0\.0\.1:\d+/)
    assert.match(output, /npm run -s token -- --scope users:read/)

    const result = await run(['--scope', 'users:read users:write'], env)
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/, 'only the token, on one line')
    const token = result.stdout.trim()
    const registered = await contractFetch(`${api}/user`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Local Token', email: 'local-token@example.com' }),
    })
    assert.equal(registered.status, 201)
    const listed = await contractFetch(`${api}/users`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(listed.status, 200)
    assert.equal(((await listed.json()) as unknown[]).length, 1)
  })

  it('prints the web page\'s URL and serves it, offering the local key and the local issuer', async () => {
    assert.match(output, new RegExp(`Web page: ${api}/ `))
    const page = await fetch(`${api}/`)
    assert.equal(page.status, 200)
    assert.match(await page.text(), /<script type="module" src="\/assets\/main-/)
    const config = (await (await fetch(`${api}/page-config.json`)).json()) as { sign_in: { api_key: boolean; issuer: { client_id: string; token_endpoint: string } | null } }
    assert.equal(config.sign_in.api_key, true)
    assert.equal(config.sign_in.issuer?.client_id, LOCAL_WEB_CLIENT_ID)
  })

  it('signs a browser in with Authorization Code and PKCE, with the scopes it asked for', async () => {
    const { sign_in: signIn } = (await (await fetch(`${api}/page-config.json`)).json()) as { sign_in: { issuer: { authorization_endpoint: string; token_endpoint: string } } }
    const verifier = randomBytes(32).toString('base64url')
    const authorize = new URL(signIn.issuer.authorization_endpoint)
    const redirectUri = `${api}/`
    for (const [name, value] of Object.entries({ response_type: 'code', client_id: LOCAL_WEB_CLIENT_ID, redirect_uri: redirectUri, scope: 'users:read', state: 'st', code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' })) {
      authorize.searchParams.set(name, value)
    }
    const redirect = await fetch(authorize, { redirect: 'manual' })
    const back = new URL(redirect.headers.get('location') ?? '')
    assert.equal(`${back.origin}${back.pathname}`, redirectUri)
    assert.equal(back.searchParams.get('state'), 'st')
    const exchange = (code: string, codeVerifier: string) =>
      fetch(signIn.issuer.token_endpoint, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: LOCAL_WEB_CLIENT_ID, code_verifier: codeVerifier }),
      })
    const code = back.searchParams.get('code') ?? ''
    assert.notEqual((await exchange(code, randomBytes(32).toString('base64url'))).status, 200, 'another verifier is refused')
    const redirectAgain = await fetch(authorize, { redirect: 'manual' })
    const token = ((await (await exchange(new URL(redirectAgain.headers.get('location') ?? '').searchParams.get('code') ?? '', verifier)).json()) as { access_token: string }).access_token
    const claims = decodeJwt(token)
    assert.deepEqual([claims.scope, claims.aud, claims.sub], ['users:read', LOCAL_AUDIENCE, LOCAL_BROWSER_SUBJECT])
    assert.equal((await fetch(`${api}/users`, { headers: { authorization: `Bearer ${token}` } })).status, 200)
    assert.equal((await fetch(`${api}/user`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status, 403, 'only the scope asked for')
  })

  it('makes the tokens the service must refuse: another audience, expired, a missing scope', async () => {
    const status = async (args: string[], method = 'GET') => {
      const result = await run(args, env)
      assert.equal(result.code, 0, result.stderr)
      return (await contractFetch(`${api}/users`, { method, headers: { authorization: `Bearer ${result.stdout.trim()}` } })).status
    }
    assert.equal(await status(['--audience', 'another-api']), 401)
    assert.equal(await status(['--expires-in', '-60']), 401)
    assert.equal(await status(['--expires-in=-60']), 401)
    assert.equal(await status(['--scope', 'users:write']), 403)
    const subject = await run(['--subject', 'alice', '--expires-in', '120'], env)
    const claims = decodeJwt(subject.stdout.trim())
    assert.equal(claims.sub, 'alice')
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 120)
    assert.equal(claims.scope, 'users:read users:write users:delete', 'all three scopes by default')
  })

  it('refuses bad options with the usage and exit code 2', async () => {
    for (const args of [['--expires-in', 'soon'], ['--scopes', 'users:read'], ['positional']]) {
      const result = await run(args, env)
      assert.equal(result.code, 2, args.join(' '))
      assert.match(result.stderr, /Usage: npm run -s token/)
      assert.equal(result.stdout, '')
    }
  })

  it('removes its issuer file on Ctrl-C, and a stale one is reported as no issuer running', async () => {
    const info = issuerInfoFile(dataDir)
    assert.ok(existsSync(info))
    const exited = new Promise((resolve) => stack?.once('exit', resolve))
    stack?.kill('SIGINT')
    assert.equal(await exited, 0)
    assert.ok(!existsSync(info))
    const port = await unassignedPort()
    writeFileSync(info, JSON.stringify({ issuer: `http://127.0.0.1:${port}`, token_endpoint: `http://127.0.0.1:${port}/token`, audience: 'x' }))
    const result = await run([], env)
    assert.equal(result.code, 1)
    assert.match(result.stderr, /No local issuer is running[\s\S]*does not answer/)
  })
})
