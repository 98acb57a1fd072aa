// How the AWS clients read a response body into memory (the SDK's `streamCollector` setting).
//
// node:http already copies each chunk of a body out of the socket's buffer into a Buffer of its
// own. The SDK's collector then copies those chunks again, into a zeroed Uint8Array: every
// DynamoDB answer (a page of 100 users is tens of KiB) is held twice outside the V8 heap until
// the garbage collector frees both, and requests in flight when a scavenge runs get promoted and
// keep theirs until a full collection. At the service's memory peak, a third of what malloc held
// was those copies (jemalloc heap profile, docs/performance.md). This collector keeps a body that
// arrived in one chunk as it is and joins several with one uninitialised copy.
import { finished, Readable } from 'node:stream'
import { streamCollector as sdkStreamCollector } from '@smithy/node-http-handler'
import type { StreamCollector } from '@smithy/types'

function collectNodeStream(stream: Readable): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let length = 0
    stream.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      length += chunk.length
    })
    // Settles on the end, on an error, and on a close before the end (a connection cut mid-body).
    finished(stream, (error) => {
      if (error) {
        reject(error)
        return
      }
      const [only] = chunks
      resolve(chunks.length === 1 && only ? only : Buffer.concat(chunks, length))
    })
  })
}

/** The body of a node:http response as bytes; anything else (Blob, web stream) goes to the SDK's own collector. */
export const collectResponseBody: StreamCollector = (stream: unknown) => {
  if (stream instanceof Readable) return collectNodeStream(stream)
  return sdkStreamCollector(stream as Parameters<typeof sdkStreamCollector>[0])
}
