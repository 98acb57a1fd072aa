// The API through the typed client (client/), with what every call of the page needs: a 503 is
// tried again after its Retry-After, and an error becomes an ApiFailure that says in words what
// happened, with the request id to quote to an operator.
import { createUserApiClient, type Problem, type UserApiClient } from '../../client/index.js'
import { sleep } from './dom.js'

export type Credentials = { kind: 'api-key'; apiKey: string } | { kind: 'token'; accessToken: string; subject: string | undefined }

export function apiClient(credentials: Credentials): UserApiClient {
  const options = { baseUrl: location.origin }
  return credentials.kind === 'api-key'
    ? createUserApiClient({ ...options, apiKey: credentials.apiKey })
    : createUserApiClient({ ...options, accessToken: credentials.accessToken })
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
    readonly requestId: string | undefined,
  ) {
    super(describeProblem(status, problem))
    this.name = 'ApiFailure'
  }

  /** The invalid fields of a 400, by name (name, email...). */
  get fields(): string[] {
    return (this.problem?.errors ?? []).map((error) => error.field.replace(/^\//, ''))
  }
}

function describeProblem(status: number, problem: Problem | undefined): string {
  if (problem === undefined) return `The service answered HTTP ${status} without explaining why.`
  const details = (problem.errors ?? []).map((error) => `${error.field.replace(/^\//, '') || 'request'}: ${error.message}`)
  return [`${problem.title}: ${problem.detail}`, ...details].join(' ')
}

const isProblem = (body: unknown): body is Problem => typeof body === 'object' && body !== null && 'title' in body && 'detail' in body

/** Seconds to wait before trying again, from Retry-After (seconds or a date), kept between 1 and 60. */
export function retryAfterSeconds(response: Response): number {
  const value = response.headers.get('Retry-After') ?? ''
  const seconds = /^\d+$/.test(value) ? Number(value) : Math.ceil((Date.parse(value) - Date.now()) / 1000)
  return Number.isFinite(seconds) ? Math.min(Math.max(seconds, 1), 60) : 1
}

export const MAX_ATTEMPTS = 4

interface Result<Data> {
  data?: Data
  error?: unknown
  response: Response
}

/**
 * Sends a request, again after Retry-After while the service answers 503 (busy backend, another
 * registration of the same address in progress), and returns its data or throws an ApiFailure.
 */
export async function call<Data>(send: () => Promise<Result<Data>>, onWait: (seconds: number, attempt: number) => void): Promise<{ data: Data; response: Response }> {
  for (let attempt = 1; ; attempt++) {
    const { data, error, response } = await send()
    if (response.ok) return { data: data as Data, response }
    if (response.status === 503 && attempt < MAX_ATTEMPTS) {
      const seconds = retryAfterSeconds(response)
      onWait(seconds, attempt)
      await sleep(seconds * 1000)
      continue
    }
    const problem = isProblem(error) ? error : undefined
    throw new ApiFailure(response.status, problem, problem?.request_id ?? response.headers.get('X-Request-Id') ?? undefined)
  }
}
