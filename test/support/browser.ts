// A real browser for the web page's tests: Debian's Chromium driven by playwright-core (whose own
// browser download cannot work offline), and plain pages on other loopback origins to act as a
// separately run app and as a foreign site. Screenshots go to test-results/screenshots/.
import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { onPath, SYSTEM_TOOLS } from './system-tools.js'

export const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url))

export async function launchChromium(): Promise<Browser> {
  const executablePath = onPath(SYSTEM_TOOLS.chromium.programs[0])
  if (executablePath === undefined) throw new Error(`Chromium is missing: ${SYSTEM_TOOLS.chromium.install}`)
  return chromium.launch({
    executablePath,
    // No sandbox: tests run as root in CI. The rest keeps Chromium from calling hosts this closed
    // network refuses (updates, sync, field trials).
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-default-apps'],
  })
}

/** The whole page, or only the viewport (a modal dialog's backdrop covers only the viewport). */
export async function screenshot(page: Page, name: string, { fullPage = true } = {}): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path, fullPage })
  return path
}

/** Errors a page reports (uncaught exceptions, console errors): a test expects none it did not cause. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`)
  })
  return errors
}

export interface Origin {
  url: string
  close(): Promise<void>
}

/** An empty page on a loopback origin of its own, for scripts a test runs "as" another site. */
export async function blankOrigin(): Promise<Origin> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>another app</title><h1>another app</h1>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}
