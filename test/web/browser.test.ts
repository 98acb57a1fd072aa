// The web page in a real browser (Chromium through playwright-core) on the real local stack, as a
// newcomer meets it: `npm start` prints the page's URL; sign in with the local key or with the
// local issuer (Authorization Code with PKCE); register a user with a real PNG that goes straight
// to S3 and shows as an image; page through the users; delete one; see each error in words. An app
// on another listed origin registers and uploads (CORS on the API and on the bucket); an origin
// not listed is refused by both. Screenshots of each view go to test-results/screenshots/.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { allowBrowserUploads, loopbackOrigins } from '../../scripts/local/bucket-cors.js'
import { LOCAL_BROWSER_SUBJECT } from '../../scripts/local/issuer.js'
import { blankOrigin, launchChromium, pageErrors, screenshot, type Origin } from '../support/browser.js'
import { pngOfAtLeast, solidPng } from '../support/png.js'
import { unassignedPort } from '../support/ports.js'
import { startRadosgw, type RadosgwHandle } from '../support/radosgw.js'
import { SYSTEM_TOOLS, skipUnlessInstalled } from '../support/system-tools.js'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js'
import { startTestStack, type TestStack } from '../support/test-stack.js'
import { builtWebPage } from '../support/web-page.js'

const MAX_BYTES = 256 * 1024
// Starting the stack builds the page and starts three servers; on two busy cores, allow plenty.
const START_TIMEOUT_MS = 90_000

interface Registration {
  user: { id: string; email: string }
  avatar_upload: { url: string; fields: Record<string, string> }
}

// In the page, as a string: the test runner's compiler would wrap named functions in a helper the
// page does not have. WCAG 2.2 1.4.3: 4.5:1 for text, 3:1 for large text (24 px, or 18.66 px
// bold), against the first opaque background behind it. Lists every visible text that falls short.
const CONTRAST_SHORTFALLS = `(() => {
  const channels = (color) => (color.match(/[\\d.]+/g) || []).map(Number)
  const linear = (value) => (value / 255 <= 0.03928 ? value / 255 / 12.92 : ((value / 255 + 0.055) / 1.055) ** 2.4)
  const luminance = ([r, g, b]) => 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
  const background = (element) => {
    for (let current = element; current; current = current.parentElement) {
      const [r, g, b, alpha = 1] = channels(getComputedStyle(current).backgroundColor)
      if (alpha >= 1) return [r, g, b]
    }
    return [255, 255, 255]
  }
  const found = []
  for (const element of document.querySelectorAll('body *')) {
    const style = getComputedStyle(element)
    const ownText = [...element.childNodes].some((node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim())
    if (!ownText || style.visibility === 'hidden' || element.offsetParent === null) continue
    const [foreground, behind] = [luminance(channels(style.color)), luminance(background(element))]
    const ratio = (Math.max(foreground, behind) + 0.05) / (Math.min(foreground, behind) + 0.05)
    const size = parseFloat(style.fontSize)
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700)
    if (ratio < (large ? 3 : 4.5)) found.push(element.tagName.toLowerCase() + '#' + element.id + ' "' + element.textContent.trim().slice(0, 30) + '": ' + ratio.toFixed(2))
  }
  return found
})()`

describe('the web page in Chromium on the local stack', { skip: skipUnlessInstalled(SYSTEM_TOOLS.chromium) }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'user-api-browser-'))
  let stack: ChildProcess | undefined
  let output = ''
  let pageUrl = ''
  let api = ''
  let apiKey = ''
  let app: Origin | undefined
  let foreign: Origin | undefined
  let browser: Browser | undefined
  let context: BrowserContext
  let page: Page
  let errors: string[] = []

  const callApi = (path: string, init: { method?: string; body?: string } = {}) => fetch(`${api}${path}`, { ...init, headers: { 'x-api-key': apiKey, 'content-type': 'application/json' } })
  const registerThroughApi = async (name: string, email: string): Promise<Registration> => {
    const response = await callApi('/user', { method: 'POST', body: JSON.stringify({ name, email, avatar_content_type: 'image/png' }) })
    assert.equal(response.status, 201, await response.clone().text())
    return (await response.json()) as Registration
  }

  before(async () => {
    app = await blankOrigin()
    foreign = await blankOrigin()
    const port = await unassignedPort()
    api = `http://127.0.0.1:${port}`
    stack = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-stack.ts'], {
      env: {
        ...process.env,
        LOCAL_DATA_DIR: dataDir,
        PORT: String(port),
        LOG_LEVEL: 'warn',
        AVATAR_MAX_BYTES: String(MAX_BYTES),
        CORS_ALLOWED_ORIGINS: app.url,
        API_KEYS: '',
        API_KEYS_FILE: '',
        OIDC_ISSUER: '',
        CURSOR_SECRET: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    stack.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    stack.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const started = Date.now()
    while (!output.includes('Press Ctrl-C') && stack.exitCode === null && Date.now() - started < START_TIMEOUT_MS) await new Promise((resolve) => setTimeout(resolve, 100))
    assert.ok(output.includes('Press Ctrl-C'), `npm start did not come up:\n${output}`)
    pageUrl = /Web page: (\S+)/.exec(output)?.[1] ?? ''
    apiKey = readFileSync(join(dataDir, 'api-key'), 'utf8').trim()
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1100, height: 900 } })
    page = await context.newPage()
    errors = pageErrors(page)
  })

  after(async () => {
    await browser?.close()
    if (stack?.exitCode === null) {
      const running = stack
      const exited = new Promise((resolve) => running.once('exit', resolve))
      running.kill('SIGINT')
      await exited
    }
    await app?.close()
    await foreign?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const alertText = () => page.locator('#alert').innerText()
  const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '')
  const register = async (name: string, email: string, file?: { name: string; mimeType: string; buffer: Buffer }) => {
    await page.getByLabel('Name').fill(name)
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Avatar image').setInputFiles(file ?? [])
    await page.getByRole('button', { name: 'Register' }).click()
  }

  it('is where npm start says, and offers the local key and the local issuer', async () => {
    assert.equal(pageUrl, `${api}/`)
    await page.goto(pageUrl)
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    assert.ok(await page.getByRole('button', { name: 'Sign in' }).isVisible())
    assert.ok(await page.getByLabel('API key').isVisible())
    await screenshot(page, '1-sign-in')
  })

  it('signs in with the API key, registers a user with a real PNG straight to S3, and shows the avatar', async () => {
    await page.getByLabel('API key').fill(apiKey)
    await page.getByRole('button', { name: 'Use this key' }).click()
    await page.getByRole('heading', { name: 'Register a user' }).waitFor()
    assert.equal(await focusedId(), 'register-heading')
    assert.equal(await page.locator('#who').innerText(), 'Signed in with an API key')

    const uploads: string[] = []
    page.on('request', (request) => {
      if (request.method() === 'POST' && !request.url().startsWith(api)) uploads.push(request.url())
    })
    await register('Ada Lovelace', 'ada@example.com', { name: 'ada.png', mimeType: 'image/png', buffer: solidPng(120, [40, 90, 200]) })
    const avatar = page.locator('#registered img.avatar')
    await avatar.waitFor()
    await page.waitForFunction(() => (document.querySelector<HTMLImageElement>('#registered img.avatar')?.naturalWidth ?? 0) > 0)
    assert.equal(await avatar.evaluate((image: HTMLImageElement) => image.naturalWidth), 120)
    assert.equal(uploads.length, 1, 'one upload, to the bucket, not through the API')
    assert.match(await page.locator('#status').innerText(), /Registered Ada Lovelace with the avatar/)
    assert.equal(await focusedId(), 'registered-heading')
    // The key lives in this tab's sessionStorage only.
    assert.deepEqual(await page.evaluate(() => [localStorage.length, sessionStorage.getItem('user-api.api-key')?.length]), [0, apiKey.length])
    // A second one, so the list shows avatars side by side (the README's screenshot).
    await register('Alan Turing', 'alan@example.com', { name: 'alan.png', mimeType: 'image/png', buffer: solidPng(120, [30, 130, 70]) })
    await page.waitForFunction(() => document.querySelectorAll('#user-list img.avatar').length === 2 && Array.from(document.querySelectorAll<HTMLImageElement>('#user-list img.avatar')).every((image) => image.naturalWidth > 0))
    await screenshot(page, '2-registered')
  })

  it('says in words, with the request id, that the email is taken, and puts focus on the email', async () => {
    await register('Ada Again', 'ADA@example.com')
    await page.locator('#alert').waitFor()
    const text = await alertText()
    assert.match(text, /Conflict: A user with this email address is already registered\./)
    assert.match(text, /Request id: [0-9a-f-]{36}/)
    assert.equal(await focusedId(), 'email')
    await screenshot(page, '3-error-duplicate-email')
  })

  it('refuses a file of the wrong type and one too large before sending anything', async () => {
    const sent: string[] = []
    const record = (request: { method(): string; url(): string }) => {
      if (request.method() === 'POST') sent.push(request.url())
    }
    page.on('request', record)
    await register('Grace Hopper', 'grace@example.com', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') })
    await page.waitForFunction(() => document.querySelector('#alert')?.textContent.includes('notes.txt') === true)
    assert.match(await alertText(), /notes\.txt is text\/plain; the avatar must be one of: image\/png, image\/jpeg, image\/webp\./)
    assert.equal(await focusedId(), 'avatar')

    await register('Grace Hopper', 'grace@example.com', { name: 'huge.png', mimeType: 'image/png', buffer: pngOfAtLeast(MAX_BYTES + 1024) })
    await page.waitForFunction(() => document.querySelector('#alert')?.textContent.includes('huge.png') === true)
    assert.match(await alertText(), /huge\.png is \d+ KB; the avatar may be at most 256 KB\./)
    assert.equal(await focusedId(), 'avatar')
    page.off('request', record)
    assert.deepEqual(sent, [], 'nothing was sent')
    await screenshot(page, '4-error-file-too-large')
  })

  it('pages forward and back through the users, following Link rel="next"', async () => {
    for (let index = 1; index <= 11; index++) await registerThroughApi(`Person ${String(index).padStart(2, '0')}`, `person${index}@example.com`)
    await page.reload()
    await page.getByRole('heading', { name: 'Users' }).waitFor()
    await page.waitForFunction(() => document.querySelector('#users-page')?.textContent === 'Page 1, 10 users')
    assert.ok(await page.getByRole('button', { name: 'Previous page' }).isDisabled())
    await page.getByRole('button', { name: 'Next page' }).click()
    await page.waitForFunction(() => document.querySelector('#users-page')?.textContent === 'Page 2, 3 users')
    assert.equal(await focusedId(), 'users-heading')
    assert.ok(await page.getByRole('button', { name: 'Next page' }).isDisabled(), 'no Link rel="next" on the last page')
    assert.equal(await page.locator('#user-list .avatar.placeholder').count() + (await page.locator('#user-list img.avatar').count()), 3)
    await screenshot(page, '5-users-page-2')
    await page.getByRole('button', { name: 'Previous page' }).click()
    await page.waitForFunction(() => document.querySelector('#users-page')?.textContent === 'Page 1, 10 users')
    // Users without an avatar get a placeholder with their initials.
    assert.ok((await page.locator('#user-list .avatar.placeholder').allInnerTexts()).includes('P0'))
  })

  it('deletes a user only after a confirmation, and moves focus back to the list', async () => {
    // Whoever the index lists first on this page (its order follows the hash of the keys).
    const email = (await page.locator('#user-list li .email').first().innerText()).trim()
    const victim = page.locator('#user-list li').filter({ has: page.getByText(email, { exact: true }) })
    const name = (await victim.locator('.name').innerText()).trim()
    await victim.getByRole('button', { name: `Delete ${name}` }).click()
    const dialog = page.getByRole('dialog', { name: 'Delete this user?' })
    await dialog.waitFor()
    assert.ok((await dialog.innerText()).includes(`${name} (${email}) and their avatar will be deleted`))
    await screenshot(page, '6-confirm-delete', { fullPage: false })
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    assert.equal(await victim.count(), 1, 'cancel keeps the user')

    await victim.getByRole('button', { name: `Delete ${name}` }).click()
    await dialog.getByRole('button', { name: 'Delete' }).click()
    await page.waitForFunction((deleted) => document.querySelector('#status')?.textContent === `Deleted ${deleted}.`, name)
    await page.waitForFunction((deleted) => !Array.from(document.querySelectorAll('#user-list .email')).some((shown) => shown.textContent === deleted), email)
    assert.equal(await focusedId(), 'users-heading')
    const listed = (await (await callApi('/users?limit=100')).json()) as { email: string }[]
    assert.ok(!listed.some((user) => user.email === email))
  })

  it('signs in with the local issuer (Authorization Code with PKCE) and keeps the token in memory only', async () => {
    const fresh = await browser!.newContext()
    try {
      const tab = await fresh.newPage()
      const tabErrors = pageErrors(tab)
      await tab.goto(pageUrl)
      await tab.getByRole('button', { name: 'Sign in' }).click()
      await tab.getByRole('heading', { name: 'Register a user' }).waitFor()
      assert.equal(await tab.locator('#who').innerText(), `Signed in as ${LOCAL_BROWSER_SUBJECT}`)
      assert.equal(new URL(tab.url()).search, '', 'the code left the address bar')
      await tab.waitForFunction(() => (document.querySelector('#users-page')?.textContent ?? '').startsWith('Page 1, 10 users'))
      assert.deepEqual(await tab.evaluate(() => [localStorage.length, sessionStorage.length]), [0, 0], 'no token, key or verifier left in storage')
      await screenshot(tab, '7-signed-in-with-issuer')
      await tab.reload()
      await tab.getByRole('heading', { name: 'Sign in' }).waitFor()
      assert.deepEqual(tabErrors, [])
    } finally {
      await fresh.close()
    }
  })

  it('lets an app on a listed origin register, upload with the form and read the headers it needs', async () => {
    const tab = await context.newPage()
    try {
      await tab.goto(app!.url)
      const png = solidPng(64, [200, 60, 60]).toString('base64')
      const result = await tab.evaluate(
        async ({ api, apiKey, png }) => {
          const headers = { 'x-api-key': apiKey, 'content-type': 'application/json' }
          const registered = await fetch(`${api}/user`, { method: 'POST', headers, body: JSON.stringify({ name: 'App User', email: 'app-user@example.com', avatar_content_type: 'image/png' }) })
          const body = (await registered.json()) as { user: { id: string }; avatar_upload: { url: string; fields: Record<string, string> } }
          const form = new FormData()
          for (const [name, value] of Object.entries(body.avatar_upload.fields)) form.append(name, value)
          form.append('file', new Blob([Uint8Array.from(atob(png), (character) => character.charCodeAt(0))], { type: 'image/png' }))
          const uploaded = await fetch(body.avatar_upload.url, { method: 'POST', body: form })
          const listed = await fetch(`${api}/users?limit=1`, { headers })
          return { status: registered.status, location: registered.headers.get('Location'), requestId: registered.headers.get('X-Request-Id'), id: body.user.id, upload: uploaded.status, link: listed.headers.get('Link') }
        },
        { api, apiKey, png },
      )
      assert.equal(result.status, 201)
      assert.equal(result.location, `/users/${result.id}`)
      assert.match(result.requestId ?? '', /^[0-9a-f-]{36}$/)
      assert.equal(result.upload, 204, 'the bucket answers this origin')
      assert.match(result.link ?? '', /rel="next"/)
      const user = (await (await callApi(`/users/${result.id}`)).json()) as { avatar_url: string | null }
      assert.notEqual(user.avatar_url, null)
    } finally {
      await tab.close()
    }
  })

  it('refuses an origin that is not listed, on the API and on the bucket', async () => {
    const form = await registerThroughApi('Foreign Target', 'foreign-target@example.com')
    const tab = await context.newPage()
    try {
      await tab.goto(foreign!.url)
      const png = solidPng(16, [0, 0, 0]).toString('base64')
      const result = await tab.evaluate(
        async ({ api, apiKey, png, upload }) => {
          // (No named functions in here: the test's compiler would wrap them in a helper the page lacks.)
          const form = new FormData()
          for (const [name, value] of Object.entries(upload.fields)) form.append(name, value)
          form.append('file', new Blob([Uint8Array.from(atob(png), (character) => character.charCodeAt(0))], { type: 'image/png' }))
          const attempts = [
            fetch(`${api}/user`, { method: 'POST', headers: { 'x-api-key': apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Foreign', email: 'foreign@example.com' }) }),
            fetch(`${api}/users`, { headers: { 'x-api-key': apiKey } }),
            fetch(upload.url, { method: 'POST', body: form }),
          ]
          const [registering, listing, uploading] = await Promise.all(attempts.map((attempt) => attempt.then((response) => `HTTP ${response.status}`, (error: unknown) => (error instanceof TypeError ? 'refused' : String(error)))))
          return { registering, listing, uploading }
        },
        { api, apiKey, png, upload: form.avatar_upload },
      )
      // The API's preflight names no origin for this one, so the browser sends neither request.
      assert.deepEqual(result, { registering: 'refused', listing: 'refused', uploading: 'refused' })
      const retry = await callApi('/user', { method: 'POST', body: JSON.stringify({ name: 'Foreign', email: 'foreign@example.com' }) })
      assert.equal(retry.status, 201, 'the refused registration never reached the API')
      // The bucket's refusal is the browser withholding S3's answer: a form upload is a simple
      // request with no preflight, so CORS cannot stop it from being sent. What stops a stranger
      // from storing anything is the signed form itself, which only the API hands out.
    } finally {
      await tab.close()
    }
  })

  it('works from the keyboard alone, and every text has the contrast WCAG AA asks for', async () => {
    const keyboardContext = await browser!.newContext({ viewport: { width: 1100, height: 900 } })
    try {
      const keyboardPage = await keyboardContext.newPage()
      await keyboardPage.goto(pageUrl)
      await keyboardPage.getByRole('heading', { name: 'Sign in' }).waitFor()
      const focused = () => keyboardPage.evaluate(() => document.activeElement?.id ?? '')
      const tabTo = async (id: string) => {
        for (let presses = 0; presses < 15 && (await focused()) !== id; presses++) await keyboardPage.keyboard.press('Tab')
        assert.equal(await focused(), id, `Tab reaches #${id}`)
      }
      await tabTo('api-key')
      await keyboardPage.keyboard.type(apiKey)
      await keyboardPage.keyboard.press('Enter')
      await keyboardPage.getByRole('heading', { name: 'Register a user' }).waitFor()
      for (const id of ['name', 'email', 'avatar', 'register-button']) await tabTo(id)

      const shortfalls = await keyboardPage.evaluate<string[]>(CONTRAST_SHORTFALLS)
      assert.deepEqual(shortfalls, [])
    } finally {
      await keyboardContext.close()
    }
  })

  it('raised no error in the page beyond the ones the tests caused', () => {
    // Chromium logs the failed resource loads of the refused requests above, in their own tab.
    assert.deepEqual(errors.filter((error) => !error.includes('status of 409')), [])
  })
})

// The page served by an app built in this process, listening on loopback, with the API key field.
async function servedStack(env: Record<string, string>, options: Parameters<typeof startTestStack>[1] = {}): Promise<{ stack: TestStack; url: string }> {
  const { directory } = await builtWebPage()
  const stack = await startTestStack({ WEB_PAGE_ENABLED: 'true', WEB_PAGE_API_KEY_SIGN_IN: 'true', ...env }, { ...options, webPageDirectory: directory })
  const url = await stack.app.listen({ port: 0, host: '127.0.0.1' })
  return { stack, url }
}

async function signInWithKey(page: Page, url: string, apiKey: string): Promise<void> {
  await page.goto(url)
  await page.getByLabel('API key').fill(apiKey)
  await page.getByRole('button', { name: 'Use this key' }).click()
}

describe('the web page while the service answers 503', { skip: skipUnlessInstalled(SYSTEM_TOOLS.chromium) }, () => {
  let proxy: TcpProxy | undefined
  let served: { stack: TestStack; url: string } | undefined
  let browser: Browser | undefined

  before(async () => {
    proxy = await startTcpProxy()
    // DynamoDB behind a proxy the test can cut: the service then answers 503 with Retry-After.
    served = await servedStack({}, { endpoints: { dynamodb: proxy.url } })
    proxy.setTarget(served.stack.emulators.dynamoEndpoint)
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await served?.stack.close()
    await proxy?.close()
  })

  it('says that it waits, tries again after Retry-After, and shows the users once the service is back', async () => {
    const page = await browser!.newPage()
    const listings: number[] = []
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/users') listings.push(response.status())
    })
    await proxy!.setMode('refuse')
    await signInWithKey(page, served!.url, served!.stack.apiKey)
    await page.waitForFunction(() => document.querySelector('#status')?.textContent.includes('The service is busy (HTTP 503). Trying again in 2 s') === true)
    await screenshot(page, '8-busy-retrying')
    await proxy!.heal()
    await page.waitForFunction(() => document.querySelector('#users-page')?.textContent === 'Page 1')
    assert.equal(listings.at(-1), 200)
    assert.ok(listings.slice(0, -1).every((status) => status === 503) && listings.length >= 2, listings.join(', '))
    assert.equal(await page.locator('#alert').isVisible(), false, 'a 503 that passed is no error')
  })
})

describe('the web page against a real S3 implementation (radosgw)', { skip: skipUnlessInstalled([SYSTEM_TOOLS.chromium, SYSTEM_TOOLS.radosgw]) }, () => {
  const bucket = 'browser-avatars'
  const maxBytes = 4096
  let radosgw: RadosgwHandle | undefined
  let served: { stack: TestStack; url: string } | undefined
  let browser: Browser | undefined

  before(async () => {
    radosgw = await startRadosgw()
    assert.ok(radosgw, `radosgw is not installed: ${SYSTEM_TOOLS.radosgw.install}`)
    const credentials = { accessKeyId: radosgw.accessKeyId, secretAccessKey: radosgw.secretAccessKey }
    served = await servedStack({ S3_BUCKET: bucket, AWS_REGION: radosgw.region, AVATAR_MAX_BYTES: String(maxBytes) }, { endpoints: { s3: radosgw.endpoint }, credentials })
    const s3 = new S3Client({ region: radosgw.region, endpoint: radosgw.endpoint, forcePathStyle: true, credentials })
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }))
      await allowBrowserUploads(s3, bucket, loopbackOrigins(Number(new URL(served.url).port)))
    } finally {
      s3.destroy()
    }
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await served?.stack.close()
    await radosgw?.stop()
  })

  it('uploads through the bucket\'s CORS and shows the avatar', async () => {
    const page = await browser!.newPage()
    await signInWithKey(page, served!.url, served!.stack.apiKey)
    await page.getByLabel('Name').fill('Real S3')
    await page.getByLabel('Email').fill('real-s3@example.com')
    await page.getByLabel('Avatar image').setInputFiles({ name: 'small.png', mimeType: 'image/png', buffer: solidPng(32, [20, 140, 60]) })
    await page.getByRole('button', { name: 'Register' }).click()
    await page.waitForFunction(() => (document.querySelector<HTMLImageElement>('#registered img.avatar')?.naturalWidth ?? 0) === 32)
  })

  it('shows S3\'s own refusal of a file larger than the form allows, when the page\'s check was misled, and takes another image', async () => {
    const page = await browser!.newPage()
    // The page is told a larger limit than the service signs into the form, as a stale or edited
    // page would be; only S3 stands in the way, and its refusal must reach the person.
    const misled = 10 * 1024 * 1024
    await page.route('**/page-config.json', async (route) => {
      const response = await route.fetch()
      const config = (await response.json()) as { avatar: { max_bytes: number } }
      await route.fulfill({ response, json: { ...config, avatar: { ...config.avatar, max_bytes: misled } } })
    })
    await page.route('**/user', async (route) => {
      const response = await route.fetch()
      const body = (await response.json()) as { avatar_upload?: { max_bytes: number } }
      await route.fulfill({ response, json: body.avatar_upload ? { ...body, avatar_upload: { ...body.avatar_upload, max_bytes: misled } } : body })
    })
    await signInWithKey(page, served!.url, served!.stack.apiKey)
    await page.getByLabel('Name').fill('Too Large')
    await page.getByLabel('Email').fill('too-large@example.com')
    await page.getByLabel('Avatar image').setInputFiles({ name: 'large.png', mimeType: 'image/png', buffer: pngOfAtLeast(maxBytes * 4) })
    await page.getByRole('button', { name: 'Register' }).click()
    await page.locator('#alert').waitFor()
    const text = await page.locator('#alert').innerText()
    assert.match(text, /Too Large is registered, without an avatar\. Storage refused the image: it is larger than .* \(HTTP 400, EntityTooLarge/)
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'avatar')
    assert.equal(await page.locator('#registered .avatar.placeholder').count(), 1)
    await screenshot(page, '9-error-storage-refused')

    // The way out the message names: another image, with a fresh form for the same user.
    await page.getByLabel('Avatar image').setInputFiles({ name: 'small.png', mimeType: 'image/png', buffer: solidPng(40, [120, 40, 160]) })
    await page.getByRole('button', { name: 'Upload the chosen image for Too Large' }).click()
    await page.waitForFunction(() => (document.querySelector<HTMLImageElement>('#registered img.avatar')?.naturalWidth ?? 0) === 40)
    assert.match(await page.locator('#status').innerText(), /Uploaded the avatar of Too Large\./)
  })
})
