// `npm run -s token -- --scope "users:read users:write"`: an access token from the issuer of the
// running local stack (client credentials), and only the token, on stdout, so that
// TOKEN=$(npm run -s token -- --scope users:read) works. The options make the tokens the service
// must refuse, too: another audience, an expiry in the past. Everything else goes to stderr.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ALL_SCOPES } from '../src/auth/caller.js'
import { issuerInfoFile, LOCAL_CLIENT_ID, type LocalIssuerInfo } from './local/issuer.js'

const USAGE = `Usage: npm run -s token -- [options]
  --scope "<scopes>"        space-separated scopes (default: "${ALL_SCOPES.join(' ')}")
  --subject <name>          the token's sub (default: the client id, ${LOCAL_CLIENT_ID})
  --audience <aud>          the token's aud (default: the one the service accepts)
  --expires-in <seconds>    lifetime (default 3600); negative for an expired token (the service
                            allows 30 s of clock skew, so use -60 or less to see it refused)
Reaches the issuer of the running \`npm start\` (LOCAL_DATA_DIR, default .local).`

class UsageError extends Error {}

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`)
  process.exit(code)
}

function options(argv: string[]) {
  // `--expires-in -60` would read as an option of its own; keep it together with its value.
  const args = argv.flatMap((arg, index) => (arg === '--expires-in' && /^-\d+$/.test(argv[index + 1] ?? '') ? [] : index > 0 && argv[index - 1] === '--expires-in' && /^-\d+$/.test(arg) ? [`--expires-in=${arg}`] : [arg]))
  let values
  try {
    ;({ values } = parseArgs({
      args,
      options: { scope: { type: 'string' }, subject: { type: 'string' }, audience: { type: 'string' }, 'expires-in': { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (values.help) fail(USAGE, 0)
  const expiresIn = values['expires-in'] ?? '3600'
  if (!/^-?\d{1,9}$/.test(expiresIn)) throw new UsageError(`--expires-in must be a whole number of seconds, got ${JSON.stringify(expiresIn)}`)
  return { scope: values.scope ?? ALL_SCOPES.join(' '), subject: values.subject, audience: values.audience, expiresIn }
}

let wanted
try {
  wanted = options(process.argv.slice(2))
} catch (error) {
  if (error instanceof UsageError) fail(`${error.message}\n\n${USAGE}`, 2)
  throw error
}

const dataDir = resolve(process.env.LOCAL_DATA_DIR ?? '.local')
const notRunning = `No local issuer is running (looked in ${dataDir}). Start the local stack with \`npm start\` in another terminal, then run this again.`
let info: LocalIssuerInfo
try {
  info = JSON.parse(readFileSync(issuerInfoFile(dataDir), 'utf8')) as LocalIssuerInfo
} catch {
  fail(notRunning, 1)
}

const request = new URLSearchParams({
  grant_type: 'client_credentials',
  client_id: LOCAL_CLIENT_ID,
  scope: wanted.scope,
  aud: wanted.audience ?? info.audience,
  expires_in: wanted.expiresIn,
  ...(wanted.subject === undefined ? {} : { subject: wanted.subject }),
})
let response: Response
try {
  response = await fetch(info.token_endpoint, { method: 'POST', body: request, signal: AbortSignal.timeout(5000) })
} catch {
  // A stale issuer.json: the stack was killed before it could remove it.
  fail(`${notRunning}\n(${info.token_endpoint} does not answer.)`, 1)
}
const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; error?: unknown }
if (!response.ok || typeof body.access_token !== 'string') {
  fail(`The local issuer refused the token request (HTTP ${response.status}${typeof body.error === 'string' ? `, ${body.error}` : ''}).`, 1)
}
process.stdout.write(`${body.access_token}\n`)
