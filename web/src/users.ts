// Browsing users page by page (the API's Link rel="next"; earlier cursors are remembered for
// "Previous page"), each with the avatar or a placeholder, and deleting one after a confirmation.
import { nextCursor, type User } from '../../client/index.js'
import { call } from './api.js'
import { byId, element, show } from './dom.js'
import { announce, clearFailure, waitingMessage } from './messages.js'
import type { Session } from './session.js'

export const PAGE_SIZE = 10

function initials(name: string): string {
  const words = name.trim().split(/\s+/)
  return words.map((word) => String.fromCodePoint(word.codePointAt(0) ?? 32)).slice(0, 2).join('').trim().toUpperCase()
}

function placeholder(user: User): HTMLElement {
  return element('span', { class: 'avatar placeholder', 'aria-hidden': 'true', title: `${user.name} has no avatar yet` }, initials(user.name))
}

/** A user as a list item: avatar (lazy-loaded) or placeholder, name, email, and a delete button. */
export function userItem(user: User, onDelete: ((user: User) => void) | undefined): HTMLLIElement {
  const item = element('li', { class: 'user', 'data-user-id': user.id })
  if (user.avatar_url === null) {
    item.append(placeholder(user))
  } else {
    // Decorative: the name is next to it. A URL that has expired since the page was loaded shows
    // the placeholder instead of a broken image.
    const image = element('img', { class: 'avatar', src: user.avatar_url, alt: '', width: '56', height: '56', loading: 'lazy', decoding: 'async' })
    image.addEventListener('error', () => {
      image.replaceWith(placeholder(user))
    })
    item.append(image)
  }
  const text = element('div', { class: 'details' })
  text.append(element('p', { class: 'name' }, user.name), element('p', { class: 'email' }, user.email), element('p', { class: 'created' }, `Registered ${new Date(user.created_at).toLocaleString()}`))
  item.append(text)
  if (onDelete) {
    const button = element('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${user.name}` }, 'Delete')
    button.addEventListener('click', () => {
      onDelete(user)
    })
    item.append(button)
  }
  return item
}

export class UsersView {
  // cursors[i] opens page i (undefined: the first page); the next page's cursor comes from Link.
  private cursors: (string | undefined)[] = [undefined]
  private pageIndex = 0
  private nextPageCursor: string | undefined
  private pendingDelete: User | undefined

  constructor(private readonly session: Session) {
    byId('first-page').addEventListener('click', () => void this.open(0, true))
    byId('previous-page').addEventListener('click', () => void this.open(this.pageIndex - 1, true))
    byId('next-page').addEventListener('click', () => {
      this.cursors[this.pageIndex + 1] = this.nextPageCursor
      void this.open(this.pageIndex + 1, true)
    })
    const dialog = byId('confirm-delete', HTMLDialogElement)
    byId('confirm-delete-cancel').addEventListener('click', () => {
      dialog.close()
    })
    byId('confirm-delete-confirm').addEventListener('click', () => {
      dialog.close()
      if (this.pendingDelete) void this.remove(this.pendingDelete)
    })
  }

  /** Shows a page; with `moveFocus`, focus goes to the list's heading (after paging). */
  async open(pageIndex: number, moveFocus = false): Promise<void> {
    const cursor = this.cursors[pageIndex]
    await this.session.guard(async (client) => {
      const { data, response } = await call(() => client.GET('/users', { params: { query: { limit: PAGE_SIZE, ...(cursor === undefined ? {} : { cursor }) } } }), waitingMessage)
      this.pageIndex = pageIndex
      this.nextPageCursor = nextCursor(response)
      this.render(data)
      if (moveFocus) byId('users-heading').focus()
    })
  }

  reload(): Promise<void> {
    return this.open(this.pageIndex)
  }

  private render(users: User[]): void {
    byId('user-list').replaceChildren(...users.map((user) => userItem(user, (chosen) => {
      this.confirmDelete(chosen)
    })))
    show(byId('users-empty'), users.length === 0)
    byId('users-page').textContent = `Page ${this.pageIndex + 1}${users.length > 0 ? `, ${users.length} user${users.length === 1 ? '' : 's'}` : ''}`
    byId('first-page', HTMLButtonElement).disabled = this.pageIndex === 0
    byId('previous-page', HTMLButtonElement).disabled = this.pageIndex === 0
    byId('next-page', HTMLButtonElement).disabled = this.nextPageCursor === undefined
  }

  private confirmDelete(user: User): void {
    this.pendingDelete = user
    byId('confirm-delete-text').textContent = `${user.name} (${user.email}) and their avatar will be deleted. This cannot be undone.`
    byId('confirm-delete', HTMLDialogElement).showModal()
    byId('confirm-delete-cancel').focus()
  }

  private async remove(user: User): Promise<void> {
    clearFailure()
    await this.session.guard(async (client) => {
      await call(() => client.DELETE('/users/{id}', { params: { path: { id: user.id } } }), waitingMessage)
      announce(`Deleted ${user.name}.`)
      await this.reload()
      byId('users-heading').focus()
    })
  }
}
