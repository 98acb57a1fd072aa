// What the service tells the page about this deployment (/page-config.json, src/web/page-config.ts
// on the service's side; a test holds the two shapes together).
export interface PageConfig {
  avatar: { content_types: string[]; max_bytes: number }
  sign_in: {
    api_key: boolean
    issuer: {
      issuer: string
      client_id: string
      scope: string
      authorization_endpoint: string | null
      token_endpoint: string | null
    } | null
  }
}

export type IssuerSignIn = NonNullable<PageConfig['sign_in']['issuer']>

export async function loadPageConfig(): Promise<PageConfig> {
  const response = await fetch('/page-config.json', { headers: { accept: 'application/json' } })
  if (!response.ok) throw new Error(`the page's settings could not be loaded (HTTP ${response.status}); reload the page`)
  return (await response.json()) as PageConfig
}
