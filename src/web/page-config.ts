// What the web page needs to know about this deployment before it can work, served as
// /page-config.json: the avatar rules it checks a file against before anything is sent, and how
// people may sign in. The page has its own copy of this shape (web/src/page-config.ts); a test
// holds the two together.
import { AVATAR_CONTENT_TYPES } from '../avatars/avatar-storage.js'
import { ALL_SCOPES } from '../auth/caller.js'
import type { Config } from '../config/config.js'
import type { SignInEndpoints } from './issuer-endpoints.js'

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

export function pageConfig(config: Config, endpoints: SignInEndpoints | undefined): PageConfig {
  const { oidc } = config
  const clientId = config.web.page.oidcClientId
  return {
    avatar: { content_types: [...AVATAR_CONTENT_TYPES], max_bytes: config.avatars.maxBytes },
    sign_in: {
      api_key: config.web.page.apiKeySignIn,
      issuer:
        oidc && clientId !== undefined
          ? {
              issuer: oidc.issuer,
              client_id: clientId,
              scope: ALL_SCOPES.map((scope) => `${oidc.scopePrefix}${scope}`).join(' '),
              authorization_endpoint: endpoints?.authorizationEndpoint ?? null,
              token_endpoint: endpoints?.tokenEndpoint ?? null,
            }
          : null,
    },
  }
}
