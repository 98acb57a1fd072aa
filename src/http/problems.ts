// Errors the domain raises on purpose. The error handler turns them into problem details; any
// other error becomes a generic 500 (or 503 for a temporary AWS failure) with details only in logs.
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail)
    this.name = 'HttpProblem'
  }
}

/** Seconds a client is asked to wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 2

export const notFound = (detail: string) => new HttpProblem(404, 'Not Found', detail)
export const conflict = (detail: string) => new HttpProblem(409, 'Conflict', detail)
export const badRequest = (detail: string) => new HttpProblem(400, 'Bad Request', detail)
export const unavailable = (detail: string) =>
  new HttpProblem(503, 'Service Unavailable', detail, { 'Retry-After': String(RETRY_AFTER_SECONDS) })
