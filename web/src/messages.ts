// What the page says to the person: progress and results in a polite live region, failures in an
// alert with the request id, focus moved to where the person can act on it.
import { ApiFailure } from './api.js'
import { byId } from './dom.js'

export function announce(text: string): void {
  byId('status').textContent = text
}

export function clearFailure(): void {
  const alert = byId('alert')
  alert.replaceChildren()
  alert.hidden = true
}

/** Shows what went wrong; focus goes to `focusTarget` (the field to fix) or else to the message. */
export function showFailure(error: unknown, focusTarget?: HTMLElement): void {
  const alert = byId('alert')
  const message = document.createElement('p')
  message.textContent = error instanceof Error ? error.message : String(error)
  alert.replaceChildren(message)
  if (error instanceof ApiFailure && error.requestId !== undefined) {
    const reference = document.createElement('p')
    reference.className = 'request-id'
    reference.textContent = `Request id: ${error.requestId} (quote it when you report this).`
    alert.append(reference)
  }
  alert.hidden = false
  ;(focusTarget ?? alert).focus()
}

export function waitingMessage(seconds: number, attempt: number): void {
  announce(`The service is busy (HTTP 503). Trying again in ${seconds} s (attempt ${attempt + 1}).`)
}
