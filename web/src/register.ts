// Registering a user: the file is checked against the rules the service reported before anything
// is sent, the API registers the user and returns an upload form, the image goes straight to S3
// with it (progress shown), and the user is shown with the avatar as soon as the API reports its
// URL. If storage refuses the image, the user stays registered and can get a new upload form.
import type { AvatarUpload, User, UserApiClient } from '../../client/index.js'
import { ApiFailure, call } from './api.js'
import { byId, show, sleep } from './dom.js'
import { announce, clearFailure, showFailure, waitingMessage } from './messages.js'
import type { PageConfig } from './page-config.js'
import type { Session } from './session.js'
import { fileProblem, readableSize, uploadAvatar } from './upload.js'
import { userItem } from './users.js'

// The service notices an upload on the next read of the user; a few reads cover a slow store.
const AVATAR_CHECKS = 10
const AVATAR_CHECK_INTERVAL_MS = 500

type AvatarContentType = NonNullable<Parameters<UserApiClient['POST']>[1]['body']>['avatar_content_type']

/** A problem with the chosen image: the person fixes it in the file field. */
class AvatarProblem extends Error {
  override name = 'AvatarProblem'
}

export class RegisterView {
  private readonly form = byId('register-form', HTMLFormElement)
  private readonly name = byId('name', HTMLInputElement)
  private readonly email = byId('email', HTMLInputElement)
  private readonly avatar = byId('avatar', HTMLInputElement)
  private readonly button = byId('register-button', HTMLButtonElement)

  constructor(
    private readonly session: Session,
    private readonly config: PageConfig,
    private readonly onRegistered: () => Promise<void>,
  ) {
    const { content_types: types, max_bytes: maxBytes } = config.avatar
    this.avatar.accept = types.join(',')
    byId('avatar-hint').textContent = `Optional. ${types.map((type) => type.replace('image/', '').toUpperCase()).join(', ')}; at most ${readableSize(maxBytes)}.`
    this.form.addEventListener('submit', (event) => {
      event.preventDefault()
      void this.register()
    })
  }

  /** The chosen file, or undefined; shows why a file cannot be used and returns null then. */
  private chosenFile(): File | undefined | null {
    const file = this.avatar.files?.[0]
    if (file === undefined) return undefined
    const problem = fileProblem(file, this.config.avatar.content_types, this.config.avatar.max_bytes)
    if (problem === undefined) return file
    showFailure(new Error(problem), this.avatar)
    return null
  }

  private fieldFor(error: unknown): HTMLElement | undefined {
    if (error instanceof AvatarProblem) return this.avatar
    if (!(error instanceof ApiFailure)) return undefined
    if (error.status === 409) return this.email
    const field = error.fields[0]
    return field === 'name' ? this.name : field === 'email' ? this.email : undefined
  }

  private async register(): Promise<void> {
    clearFailure()
    show(byId('registered'), false)
    const file = this.chosenFile()
    if (file === null) return
    this.button.disabled = true
    try {
      await this.session.guard(async (client) => {
        announce('Registering...')
        const body = { name: this.name.value, email: this.email.value, ...(file ? { avatar_content_type: file.type as AvatarContentType } : {}) }
        const { data } = await call(() => client.POST('/user', { body }), waitingMessage)
        let user = data.user
        if (file) user = await this.upload(client, user, data.avatar_upload, file)
        this.form.reset()
        this.showRegistered(user)
        announce(`Registered ${user.name}${user.avatar_url === null ? ' (no avatar)' : ' with the avatar'}.`)
        await this.onRegistered()
      }, (error) => this.fieldFor(error))
    } finally {
      this.button.disabled = false
    }
  }

  private async upload(client: UserApiClient, user: User, form: AvatarUpload, file: File): Promise<User> {
    // The form's own limit wins: it is what S3 will enforce for this upload.
    const problem = fileProblem(file, this.config.avatar.content_types, form.max_bytes)
    if (problem !== undefined) throw this.registeredWithoutAvatar(user, new Error(problem))
    const progress = byId('upload-progress', HTMLProgressElement)
    const percent = byId('upload-percent')
    show(byId('upload'), true)
    try {
      await uploadAvatar(form, file, (fraction) => {
        progress.value = Math.round(fraction * 100)
        percent.textContent = `${progress.value} %`
      })
    } catch (error) {
      throw this.registeredWithoutAvatar(user, error)
    } finally {
      show(byId('upload'), false)
      progress.value = 0
    }
    announce('Avatar uploaded; waiting for the service to report it...')
    for (let check = 1; ; check++) {
      const { data } = await call(() => client.GET('/users/{id}', { params: { path: { id: user.id } } }), waitingMessage)
      if (data.avatar_url !== null || check >= AVATAR_CHECKS) return data
      await sleep(AVATAR_CHECK_INTERVAL_MS)
    }
  }

  /** The user exists but has no avatar: shown as such, with a button to try another image. */
  private registeredWithoutAvatar(user: User, cause: unknown): Error {
    this.showRegistered(user)
    const retry = document.createElement('button')
    retry.type = 'button'
    retry.className = 'secondary'
    retry.textContent = `Upload the chosen image for ${user.name}`
    retry.addEventListener('click', () => void this.retryUpload(user))
    byId('registered-user').querySelector('li')?.append(retry)
    void this.onRegistered()
    const reason = cause instanceof Error ? cause.message : String(cause)
    return new AvatarProblem(`${user.name} is registered, without an avatar. ${reason} Choose another image above and press "Upload the chosen image".`)
  }

  private async retryUpload(user: User): Promise<void> {
    clearFailure()
    const file = this.chosenFile()
    if (file === null) return
    if (file === undefined) {
      showFailure(new Error('Choose an image first.'), this.avatar)
      return
    }
    await this.session.guard(async (client) => {
      const { data: form } = await call(
        () => client.POST('/users/{id}/avatar-upload', { params: { path: { id: user.id } }, body: { avatar_content_type: file.type as AvatarContentType } }),
        waitingMessage,
      )
      const updated = await this.upload(client, user, form, file)
      this.form.reset()
      this.showRegistered(updated)
      announce(`Uploaded the avatar of ${updated.name}.`)
      await this.onRegistered()
    }, (error) => this.fieldFor(error))
  }

  private showRegistered(user: User): void {
    byId('registered-user').replaceChildren(userItem(user, undefined))
    show(byId('registered'), true)
    byId('registered-heading').focus()
  }
}
