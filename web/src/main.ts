// The page's entry point: reads the deployment's settings, offers the ways to sign in it allows,
// and shows registration and the user list once signed in.
import { byId, show } from './dom.js'
import { announce, clearFailure, showFailure } from './messages.js'
import { loadPageConfig, type PageConfig } from './page-config.js'
import { RegisterView } from './register.js'
import { Session } from './session.js'
import { finishIssuerSignIn, keepApiKey, startIssuerSignIn, storedApiKey } from './sign-in.js'
import { UsersView } from './users.js'

function offerSignIn(config: PageConfig, session: Session): void {
  const { issuer, api_key: apiKey } = config.sign_in
  if (issuer !== null) {
    byId('issuer-name').textContent = new URL(issuer.issuer).host
    show(byId('issuer-sign-in'), true)
    byId('sign-in-issuer').addEventListener('click', () => {
      clearFailure()
      startIssuerSignIn(issuer).catch((error: unknown) => {
        showFailure(error)
      })
    })
  }
  if (apiKey) {
    show(byId('api-key-form'), true)
    show(byId('api-key-or'), issuer !== null)
    byId('api-key-form').addEventListener('submit', (event) => {
      event.preventDefault()
      clearFailure()
      const input = byId('api-key', HTMLInputElement)
      const key = input.value.trim()
      if (key === '') {
        showFailure(new Error('Paste an API key first.'), input)
        return
      }
      input.value = ''
      session.signIn(keepApiKey(key))
    })
  }
  show(byId('no-sign-in'), issuer === null && !apiKey)
}

async function main(): Promise<void> {
  const config = await loadPageConfig()
  // The list exists once the session does; the session announces changes only after both.
  const views: { users?: UsersView } = {}
  const session = new Session((signedIn) => {
    show(byId('sign-in'), !signedIn)
    show(byId('register'), signedIn)
    show(byId('users'), signedIn)
    if (signedIn) {
      byId('register-heading').focus()
      void views.users?.open(0)
    } else {
      byId('user-list').replaceChildren()
    }
  })
  const users = new UsersView(session)
  views.users = users
  new RegisterView(session, config, () => users.reload())
  offerSignIn(config, session)

  const returning = await finishIssuerSignIn(config.sign_in.issuer).catch((error: unknown) => {
    showFailure(error)
    return undefined
  })
  const credentials = returning ?? storedApiKey()
  if (credentials) {
    session.signIn(credentials)
    announce('Signed in.')
  } else {
    show(byId('sign-in'), true)
  }
}

main().catch((error: unknown) => {
  showFailure(error)
})
