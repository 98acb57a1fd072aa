// The OpenAPI document without a running service, for consumers that need the contract as a file:
// `npm run build` writes dist/openapi.json with it (also a release asset), `npm run
// generate:client` writes client/openapi.json, and the tests validate responses against it. It
// builds the real app with placeholder settings; nothing is sent to AWS.
//   node dist/openapi-document.js <file>
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { buildApp } from './app.js'
import { loadConfig } from './config/config.js'

export async function openApiDocument(): Promise<Record<string, unknown>> {
  const config = loadConfig({
    AWS_REGION: 'us-east-1',
    DYNAMODB_TABLE: 'openapi-document',
    S3_BUCKET: 'openapi-document',
    // Never used: no request is served.
    API_KEYS: randomBytes(32).toString('base64url'),
    // The document is the API's, whether or not a deployment serves it.
    DOCS_ENABLED: 'true',
    // Its routes are not part of the API (hidden from the document), and it may not be built yet.
    WEB_PAGE_ENABLED: 'false',
  })
  const app = await buildApp(config, { logger: false })
  try {
    await app.ready()
    return app.swagger() as unknown as Record<string, unknown>
  } finally {
    await app.close()
  }
}

/** The one serialization of the document, so that files written at different times compare equal. */
export function serializeDocument(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`
}

const entryPoint = process.argv[1]
if (entryPoint !== undefined && import.meta.url === pathToFileURL(entryPoint).href) {
  const target = process.argv[2]
  if (target === undefined) {
    process.stderr.write('usage: node dist/openapi-document.js <file>\n')
    process.exit(2)
  }
  await writeFile(target, serializeDocument(await openApiDocument()))
}
