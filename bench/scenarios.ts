// The requests of each scenario, and a first request that proves the scenario works.
import { randomInt, randomUUID } from 'node:crypto'
import type { RequestOptions } from 'autocannon'
import { encodeCursor } from '../src/users/cursor.js'
import { userKey } from '../src/users/user-repository.js'
import { PAGE_SIZE } from './bench-settings.js'

const CURSORS_PER_TABLE = 1000
export const FIRST_PAGE = `/users?limit=${PAGE_SIZE}`

export function firstPage(): RequestOptions[] {
  return [{ method: 'GET', path: FIRST_PAGE }]
}

// Pages that start at random places in the table, each followed by at least a full page.
export function randomPages(ids: string[], cursorKey: Buffer): RequestOptions[] {
  const paths = Array.from({ length: CURSORS_PER_TABLE }, () => {
    const id = ids[randomInt(0, ids.length - PAGE_SIZE)]!
    return `${FIRST_PAGE}&cursor=${encodeURIComponent(encodeCursor({ pk: userKey(id), user_id: id }, cursorKey))}`
  })
  let next = 0
  return [{ method: 'GET', path: paths[0]!, setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length]! }) }]
}

export function registrations(): RequestOptions[] {
  const run = randomUUID().slice(0, 8)
  let next = 0
  const body = () => JSON.stringify({ name: `Load Test ${next}`, email: `load-${run}-${next++}@example.com` })
  return [{ method: 'POST', path: '/user', headers: { 'content-type': 'application/json' }, setupRequest: (request) => ({ ...request, body: body() }) }]
}

// One request first, so a broken scenario fails loudly instead of producing fast error figures.
export async function check(name: string, url: string, requests: RequestOptions[], credentialHeaders: Record<string, string>): Promise<void> {
  const request = requests[0]!
  const built = request.setupRequest ? request.setupRequest({ ...request }, {}) : request
  const response = await fetch(`${url}${built.path ?? '/'}`, {
    method: built.method ?? 'GET',
    headers: { ...credentialHeaders, ...built.headers },
    ...(built.body === undefined ? {} : { body: built.body }),
  })
  const body = (await response.json()) as unknown
  const expected = built.method === 'POST' ? 201 : 200
  if (response.status !== expected) throw new Error(`${name}: status ${response.status}, expected ${expected}: ${JSON.stringify(body)}`)
  if (built.method !== 'POST' && (!Array.isArray(body) || body.length !== PAGE_SIZE)) throw new Error(`${name}: expected a page of ${PAGE_SIZE} users`)
}
