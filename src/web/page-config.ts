// What the web page needs to know about this deployment before it can work, served as
// /page-config.json: the avatar rules it checks a file against before anything is sent, and how
// people may sign in. The shape is in page-config-shape.ts, which the page imports too.
import { AVATAR_CONTENT_TYPES } from '../avatars/avatar-storage.js'
import { ALL_SCOPES } from '../auth/caller.js'
import type { Config } from '../config/config.js'
import type { SignInEndpoints } from './issuer-endpoints.js'
import type { PageConfig } from './page-config-shape.js'

export type { PageConfig }

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
