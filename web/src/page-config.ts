// What the service tells the page about this deployment (/page-config.json). The shape is the
// service's own (src/web/page-config-shape.ts, a file without imports), so the two cannot drift.
import type { PageConfig } from '../../src/web/page-config-shape.js'

export type { PageConfig }

export type IssuerSignIn = NonNullable<PageConfig['sign_in']['issuer']>

export async function loadPageConfig(): Promise<PageConfig> {
  const response = await fetch('/page-config.json', { headers: { accept: 'application/json' } })
  if (!response.ok) throw new Error(`the page's settings could not be loaded (HTTP ${response.status}); reload the page`)
  return (await response.json()) as PageConfig
}
