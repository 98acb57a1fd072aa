// Minimal typings for autocannon, which ships none. Only what the bench uses.
declare module 'autocannon' {
  interface RawRequest {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string
  }
  export interface RequestOptions extends RawRequest {
    setupRequest?: (request: RawRequest, context: Record<string, unknown>) => RawRequest
  }
  interface Options {
    url: string
    connections?: number
    duration?: number
    timeout?: number
    headers?: Record<string, string>
    requests?: RequestOptions[]
  }
  interface Result {
    duration: number
    errors: number
    timeouts: number
    non2xx: number
  }
  export interface Instance {
    stop(): void
    on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void): this
  }
  export default function autocannon(options: Options, callback: (error: Error | null, result: Result) => void): Instance
}
