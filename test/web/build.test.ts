// The web page's build: small (its JavaScript far under 60 KB gzipped), hashed asset names, an
// index.html without inline script or style (the Content-Security-Policy allows neither), and
// page code that bundles the typed client but nothing of the service.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { builtWebPage } from '../support/web-page.js'

const BUDGET_GZIP_BYTES = 60 * 1024

describe('web page build', () => {
  it('keeps the JavaScript under 60 KB gzipped', async (t) => {
    const { scriptBytes, scriptGzipBytes } = await builtWebPage()
    t.diagnostic(`main.js: ${scriptBytes} bytes, ${scriptGzipBytes} gzipped (budget ${BUDGET_GZIP_BYTES})`)
    assert.ok(scriptGzipBytes < BUDGET_GZIP_BYTES, `${scriptGzipBytes} bytes gzipped`)
  })

  it('writes index.html with only external, hashed scripts and styles, and no inline code', async () => {
    const { directory, files } = await builtWebPage()
    const html = readFileSync(join(directory, 'index.html'), 'utf8')
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
    assert.equal(scripts.length, 1)
    for (const [, attributes, body] of scripts) {
      assert.match(attributes ?? '', /^ type="module" src="\/assets\/main-[A-Z0-9]{8,}\.js"$/)
      assert.equal(body, '')
    }
    assert.doesNotMatch(html, /<style\b|\sstyle=|\son[a-z]+=|javascript:/i)
    assert.doesNotMatch(html, /%[A-Z]+%/, 'every placeholder replaced')
    const referenced = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1])
    assert.deepEqual(referenced.sort(), files.filter((file) => file.startsWith('/assets/')).sort())
  })

  it('bundles the page, the typed client and openapi-fetch, and nothing from src/', async () => {
    const { inputs } = await builtWebPage()
    const outside = inputs.filter((input) => !input.startsWith('web/src/') && !input.startsWith('client/') && !input.startsWith('node_modules/openapi-fetch/'))
    assert.deepEqual(outside, [])
    assert.ok(inputs.includes('client/index.ts'), 'the page uses the generated client')
  })
})
