// The Content-Security-Policy of the web page: scripts, styles and images from the service only,
// plus avatars from the bucket; requests to the API (same origin), to the bucket (uploads) and,
// with sign-in configured, to the issuer's token endpoint; nothing else, no inline code, no
// framing. An injected script could then neither run nor send data anywhere else.
export interface PolicySources {
  /** Origin of upload forms and avatar URLs (AvatarStorage.origin). */
  storageOrigin: string
  /** The issuer's token endpoint, once known: the page exchanges its sign-in code there. */
  tokenEndpoint?: string | undefined
}

export function contentSecurityPolicy({ storageOrigin, tokenEndpoint }: PolicySources): string {
  const connect = ["'self'", storageOrigin, ...(tokenEndpoint === undefined ? [] : [new URL(tokenEndpoint).origin])]
  const directives: Record<string, readonly string[]> = {
    'default-src': ["'none'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", storageOrigin],
    'connect-src': [...new Set(connect)],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
    'frame-ancestors': ["'none'"],
  }
  return Object.entries(directives)
    .map(([directive, sources]) => `${directive} ${sources.join(' ')}`)
    .join('; ')
}
