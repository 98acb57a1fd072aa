// How the document states authentication, in one place: the schemes, the requirement of the
// operations behind authentication, and that of the open ones. A second scheme (e.g. bearer
// tokens) is one more entry in each of the first two.
export const SECURITY_SCHEMES = {
  apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'One of the keys in API_KEYS or API_KEYS_FILE' },
} as const

/** Operations behind authentication accept any one of these; also the document's default. */
export const AUTHENTICATED: { [scheme in keyof typeof SECURITY_SCHEMES]?: string[] }[] = [{ apiKey: [] }]

/** Open operations (probes, metrics): no credentials. */
export const OPEN: [] = []
