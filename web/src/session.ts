// Who is signed in, and the one place that decides what an error means for the session: a 401
// (expired token, revoked key) signs the person out and says why; anything else is shown.
import type { UserApiClient } from '../../client/index.js'
import { ApiFailure, apiClient, type Credentials } from './api.js'
import { byId, show } from './dom.js'
import { announce, showFailure } from './messages.js'
import { forgetCredentials } from './sign-in.js'

export class Session {
  private client: UserApiClient | undefined

  constructor(private readonly onChange: (signedIn: boolean) => void) {
    byId('sign-out').addEventListener('click', () => {
      this.signOut()
      announce('Signed out.')
    })
  }

  signIn(credentials: Credentials): void {
    this.client = apiClient(credentials)
    const who = byId('who')
    who.textContent = credentials.kind === 'api-key' ? 'Signed in with an API key' : `Signed in as ${credentials.subject ?? 'an unnamed user'}`
    show(who, true)
    show(byId('sign-out'), true)
    this.onChange(true)
  }

  signOut(): void {
    this.client = undefined
    forgetCredentials()
    show(byId('who'), false)
    show(byId('sign-out'), false)
    this.onChange(false)
  }

  /**
   * Runs an action that calls the API. Returns false when it failed: the failure is shown, with
   * focus on `focusFor(error)` if given, else on the message.
   */
  async guard(action: (client: UserApiClient) => Promise<void>, focusFor?: (error: unknown) => HTMLElement | undefined): Promise<boolean> {
    const client = this.client
    if (client === undefined) return false
    try {
      await action(client)
      return true
    } catch (error) {
      announce('')
      if (error instanceof ApiFailure && error.status === 401) {
        this.signOut()
        showFailure(new Error(`You are signed out: ${error.message} Sign in again.`), byId('sign-in-heading'))
      } else {
        showFailure(error, focusFor?.(error))
      }
      return false
    }
  }
}
