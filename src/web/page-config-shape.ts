// The shape of /page-config.json, on its own and without imports, so the web page (web/src/,
// compiled for the browser) takes its type from here and the two sides cannot drift apart.
export interface PageConfig {
  avatar: {
    /** The types registration accepts (the avatar_content_type enum of the API). */
    content_types: string[]
    /** Largest file S3 accepts (AVATAR_MAX_BYTES); each upload form repeats it as max_bytes. */
    max_bytes: number
  }
  sign_in: {
    /** A field for an API key (WEB_PAGE_API_KEY_SIGN_IN). */
    api_key: boolean
    /** Authorization Code with PKCE at the issuer; null when not configured. */
    issuer: {
      issuer: string
      client_id: string
      /** Every scope of the API, spelled as the issuer spells it (OIDC_SCOPE_PREFIX). */
      scope: string
      /** Null while the issuer's discovery document could not be read. */
      authorization_endpoint: string | null
      token_endpoint: string | null
    } | null
  }
}
