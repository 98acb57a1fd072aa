// `npm start`: the whole service on this machine, no AWS account needed. Starts dynalite and
// s3rver on 127.0.0.1 with data under .local/ (kept across restarts), creates the table and the
// bucket (with CORS for the web page and CORS_ALLOWED_ORIGINS), makes a local API key on first run
// unless API_KEYS is set, runs a local OpenID Connect issuer the service trusts next to the key
// unless OIDC_ISSUER is set, builds the web page, and serves the API, the page, the docs and the
// metrics. Every setting of the real service can still be given in the environment.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { buildApp } from '../src/app.js'
import { createAwsClients } from '../src/aws/clients.js'
import { ConfigError, loadConfig, type Config } from '../src/config/config.js'
import { installGracefulShutdown } from '../src/lifecycle/graceful-shutdown.js'
import { createResources } from '../src/setup/create-resources.js'
import { buildWebPage } from '../web/build.js'
import { allowBrowserUploads, loopbackOrigins } from './local/bucket-cors.js'
import { EMULATOR_CREDENTIALS, startEmulators } from './local/emulators.js'
import { LOCAL_AUDIENCE, LOCAL_WEB_CLIENT_ID, startLocalIssuer, type LocalIssuer } from './local/issuer.js'

const dataDir = resolve(process.env.LOCAL_DATA_DIR ?? '.local')
mkdirSync(dataDir, { recursive: true, mode: 0o700 })

// A random secret made on first run and kept in the data folder, like a mounted Secret would be.
function localSecret(name: string): string {
  const file = join(dataDir, name)
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 })
  return readFileSync(file, 'utf8').trim()
}

const emulators = await startEmulators({ dataDir })
const usesLocalKey = !process.env.API_KEYS && !process.env.API_KEYS_FILE
let issuer: LocalIssuer | undefined
if (!process.env.OIDC_ISSUER) issuer = await startLocalIssuer({ dataDir, audience: process.env.OIDC_AUDIENCE ?? LOCAL_AUDIENCE })
const stopBackends = async () => {
  await issuer?.stop()
  await emulators.stop()
}
const env = {
  HOST: '127.0.0.1',
  AWS_REGION: 'us-east-1',
  DYNAMODB_TABLE: 'users',
  S3_BUCKET: 'user-avatars',
  S3_FORCE_PATH_STYLE: 'true',
  // Ctrl-C on a laptop should not wait for a load balancer that is not there.
  SHUTDOWN_DRAIN_SECONDS: '0',
  // The docs are how a developer first meets the API; nothing here is exposed to the internet.
  DOCS_ENABLED: 'true',
  // The page offers a field for the local key (kept in the browser tab's sessionStorage).
  WEB_PAGE_API_KEY_SIGN_IN: 'true',
  ...process.env,
  ...(usesLocalKey ? { API_KEYS: localSecret('api-key') } : {}),
  ...(issuer
    ? {
        OIDC_ISSUER: issuer.url,
        OIDC_AUDIENCE: process.env.OIDC_AUDIENCE ?? LOCAL_AUDIENCE,
        WEB_PAGE_OIDC_CLIENT_ID: process.env.WEB_PAGE_OIDC_CLIENT_ID ?? LOCAL_WEB_CLIENT_ID,
        ...(process.env.CURSOR_SECRET || process.env.CURSOR_SECRET_FILE ? {} : { CURSOR_SECRET: localSecret('cursor-secret') }),
      }
    : {}),
}

let config: Config
try {
  config = loadConfig(env)
} catch (error) {
  await stopBackends()
  if (error instanceof ConfigError) {
    console.error(error.message)
    process.exit(1)
  }
  throw error
}

const aws = { dynamodbEndpoint: emulators.dynamoEndpoint, s3Endpoint: emulators.s3Endpoint, credentials: EMULATOR_CREDENTIALS }
const setupClients = createAwsClients(config.aws, undefined, aws)
await createResources(setupClients, { table: config.table, bucket: config.avatars.bucket })
await allowBrowserUploads(setupClients.s3, config.avatars.bucket, [...loopbackOrigins(config.port), ...config.web.corsAllowedOrigins])
setupClients.destroy()

// Built at every start (well under a second), so the page always matches the checkout.
const webPageDirectory = join(dataDir, 'web-page')
if (config.web.page.enabled) await buildWebPage(webPageDirectory)

const app = await buildApp(config, { aws, webPageDirectory })
app.addHook('onClose', stopBackends)
installGracefulShutdown(app, config.shutdown)
let metricsPort = 0
try {
  metricsPort = await listenForMetrics(process.env.METRICS_PORT === undefined)
  await app.listen({ port: config.port, host: config.host })
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code
  if (code !== 'EADDRINUSE' && code !== 'EACCES') throw error
  console.error(`Cannot listen on ${config.host}: ${(error as Error).message}. Choose another PORT or METRICS_PORT.`)
  await app.close()
  process.exit(1)
}

// Another local service (another user-api, a Prometheus exporter) may hold the default metrics
// port; then any free port will do, and the banner says which. A port set explicitly is kept.
async function listenForMetrics(anyPortWillDo: boolean): Promise<number> {
  const listen = async (port: number) => {
    await app.metricsServer.listen({ port, host: config.host })
    return (app.metricsServer.server.address() as AddressInfo).port
  }
  try {
    return await listen(config.metricsPort)
  } catch (error) {
    if (!anyPortWillDo || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    return listen(0)
  }
}

const url = `http://${config.host}:${config.port}`
const key = usesLocalKey ? config.apiKeys[0] : '<one of your API_KEYS>'
const keyLine = usesLocalKey ? `${key} (local only, kept in ${join(dataDir, 'api-key')})` : key
const tokenLines = issuer
  ? `
Or with an access token from the local issuer (scopes users:read, users:write, users:delete):
  TOKEN=$(npm run -s token -- --scope users:read)
  curl -s ${url}/users -H "Authorization: Bearer $TOKEN"
`
  : ''
const pageLine = config.web.page.enabled ? `\n  Web page: ${url}/ (open it in a browser: sign in, register users with avatars, browse)` : ''
process.stdout.write(`
user-api is running on the local stack (data in ${dataDir})${pageLine}
  API:      ${url}
  Docs:     ${config.docsEnabled ? `${url}/docs` : 'off (DOCS_ENABLED=false)'}
  Metrics:  http://${config.host}:${metricsPort}/metrics
  API key:  ${keyLine}${issuer ? `\n  Issuer:   ${issuer.url} (local only; \`npm run -s token\` prints an access token)` : ''}

Try it:
  curl -s -X POST ${url}/user -H 'X-API-Key: ${key}' -H 'Content-Type: application/json' \\
    -d '{"name": "Ada Lovelace", "email": "ada@example.com"}'
  curl -s ${url}/users -H 'X-API-Key: ${key}'
${tokenLines}
Press Ctrl-C to stop.
`)
