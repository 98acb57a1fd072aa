// Small helpers over the DOM: the page is plain HTML with a little script, no framework.
/** The element with this id, checked to be of the given kind (an input, a dialog...). */
export function byId<T extends HTMLElement = HTMLElement>(id: string, kind?: new () => T): T {
  const found = document.getElementById(id)
  if (found === null || (kind !== undefined && !(found instanceof kind))) throw new Error(`#${id} is missing from index.html, or is not a ${kind?.name ?? 'HTMLElement'}`)
  return found as T
}

export function element<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) created.setAttribute(name, value)
  if (text !== undefined) created.textContent = text
  return created
}

export function show(target: HTMLElement, visible: boolean): void {
  target.hidden = !visible
}

const sleeper = (milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds))
export { sleeper as sleep }
