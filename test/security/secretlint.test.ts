// No key, token or private key is ever committed: secretlint (recommend preset) over every file git
// tracks plus untracked files that are not ignored, docs and examples included. A second test plants
// real-looking secrets in a temporary folder outside the repository to prove the scan can fail.
// The planted secrets are generated at run time from pieces, so this file never matches a rule.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { generateKeyPair, randomInt } from 'node:crypto'
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'

const run = promisify(execFile)
const REPOSITORY = resolve(import.meta.dirname, '../..')
const SECRETLINT = join(REPOSITORY, 'node_modules/secretlint/bin/secretlint.js')
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+'
const UPPER_AND_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

interface FileResult {
  filePath: string
  messages: { ruleId: string; messageId: string }[]
}

function randomText(alphabet: string, length: number): string {
  return Array.from({ length }, () => alphabet.charAt(randomInt(alphabet.length))).join('')
}

async function secretlint(files: readonly string[]): Promise<{ exitCode: number; results: FileResult[] }> {
  const args = [SECRETLINT, '--secretlintrc', '.secretlintrc.json', '--secretlintignore', '.secretlintignore', '--format', 'json', '--no-glob', '--no-color', ...files]
  try {
    const { stdout } = await run(process.execPath, args, { cwd: REPOSITORY, maxBuffer: 256 * 1024 * 1024 })
    return { exitCode: 0, results: JSON.parse(stdout) as FileResult[] }
  } catch (error) {
    const { code, stdout } = error as { code?: number; stdout?: string }
    if (typeof code !== 'number' || !stdout) throw error
    return { exitCode: code, results: JSON.parse(stdout) as FileResult[] }
  }
}

// secretlint's private key rule only reports bodies of 100+ base64 characters starting with "MI",
// so it misses P-256 keys in SEC1 form and Ed25519 keys. Any PEM private key block fails here.
const PEM_PRIVATE_KEY = new RegExp(['-----BEGIN ', '[A-Z0-9 ]*PRIVATE KEY', '-----'].join(''))

async function filesWithPrivateKeyBlocks(paths: readonly string[]): Promise<string[]> {
  const found = await Promise.all(paths.map(async (path) => (PEM_PRIVATE_KEY.test(await readFile(path, 'latin1')) ? path : undefined)))
  return found.filter((path) => path !== undefined)
}

async function repositoryFiles(): Promise<string[]> {
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPOSITORY, maxBuffer: 64 * 1024 * 1024 })
  const listed = stdout.split('\0').filter((file) => file !== '')
  // A tracked file deleted in the working tree is not there to scan.
  const present = await Promise.all(listed.map((file) => access(join(REPOSITORY, file)).then(() => file, () => undefined)))
  return present.filter((file) => file !== undefined)
}

const generateKeys = promisify(generateKeyPair)
const pem = { format: 'pem' } as const
const publicKeyEncoding = { type: 'spki', ...pem } as const

describe('secretlint', () => {
  it('finds no secret in any tracked or untracked, non-ignored file', async (t) => {
    const files = await repositoryFiles()
    assert.ok(files.length > 50, `git listed ${files.length} files`)
    const started = performance.now()
    const { exitCode, results } = await secretlint(files)
    const findings = results.flatMap(({ filePath, messages }) => messages.map(({ ruleId, messageId }) => `${filePath}: ${ruleId} ${messageId}`))
    assert.deepEqual(findings, [])
    assert.equal(exitCode, 0)
    const scanned = new Set(results.map(({ filePath }) => filePath))
    // secretlint skips its own configuration files.
    const missed = files.filter((file) => !scanned.has(join(REPOSITORY, file)) && !file.startsWith('.secretlint'))
    assert.deepEqual(missed, [], 'every listed file was scanned')
    const pemBlocks = await filesWithPrivateKeyBlocks(files.map((file) => join(REPOSITORY, file)))
    assert.deepEqual(pemBlocks, [], 'no PEM private key block of any kind')
    t.diagnostic(`${results.length} files scanned in ${Math.round(performance.now() - started)} ms, no finding`)
  })

  describe('catches planted secrets', () => {
    let folder: string
    const planted: Record<string, string> = {}
    const pemOnly: Record<string, string> = {}

    before(async () => {
      folder = await mkdtemp(join(tmpdir(), 'secretlint-planted-'))
      const rsa = await generateKeys('rsa', { modulusLength: 2048, publicKeyEncoding, privateKeyEncoding: { type: 'pkcs1', ...pem } })
      const ecPkcs8 = await generateKeys('ec', { namedCurve: 'P-256', publicKeyEncoding, privateKeyEncoding: { type: 'pkcs8', ...pem } })
      const awsKeyName = ['aws', 'secret', 'access', 'key'].join('_')
      // The rule ends its pattern with \b, so it misses a secret whose last character is / or +
      // (about 3 % of real ones); the planted ones end with a letter or digit to be found every time.
      const awsSecret = () => randomText(BASE64, 39) + randomText(ALPHANUMERIC, 1)
      planted['aws-credentials.ini'] = `[default]\n${['aws', 'access', 'key', 'id'].join('_')} = ${['AK', 'IA'].join('')}${randomText(UPPER_AND_DIGITS, 16)}\n${awsKeyName} = ${awsSecret()}\n`
      planted['deploy.env'] = `export ${awsKeyName.toUpperCase()}="${awsSecret()}"\n`
      planted.id_rsa = rsa.privateKey
      planted['service-key.pem'] = ecPkcs8.privateKey
      // Kinds secretlint 13's rule misses (see PEM_PRIVATE_KEY), left to the PEM check.
      pemOnly['ec-sec1.pem'] = (await generateKeys('ec', { namedCurve: 'P-256', publicKeyEncoding, privateKeyEncoding: { type: 'sec1', ...pem } })).privateKey
      pemOnly['ed25519.pem'] = (await generateKeys('ed25519', { publicKeyEncoding, privateKeyEncoding: { type: 'pkcs8', ...pem } })).privateKey
      planted['ci-token.txt'] = `token: ${['gh', 'p_'].join('')}${randomText(ALPHANUMERIC, 36)}\n`
      await Promise.all(Object.entries({ ...planted, ...pemOnly }).map(([name, content]) => writeFile(join(folder, name), content)))
    })
    after(async () => {
      await rm(folder, { recursive: true, force: true })
    })

    it('fails the scan, naming the rule for each file, and the PEM check catches every private key', async (t) => {
      const { exitCode, results } = await secretlint(Object.keys(planted).map((name) => join(folder, name)))
      assert.notEqual(exitCode, 0, 'the scan fails')
      const rulesByFile = Object.fromEntries(results.map(({ filePath, messages }) => [filePath.slice(folder.length + 1), [...new Set(messages.map(({ ruleId }) => ruleId))]]))
      assert.deepEqual(rulesByFile, {
        'aws-credentials.ini': ['@secretlint/secretlint-rule-aws'],
        'deploy.env': ['@secretlint/secretlint-rule-aws'],
        id_rsa: ['@secretlint/secretlint-rule-privatekey'],
        'service-key.pem': ['@secretlint/secretlint-rule-privatekey'],
        'ci-token.txt': ['@secretlint/secretlint-rule-github'],
      })
      const missedBySecretlint = Object.keys(pemOnly).map((name) => join(folder, name))
      assert.deepEqual(await filesWithPrivateKeyBlocks(missedBySecretlint), missedBySecretlint, 'the PEM check catches them')
      t.diagnostic(`planted secrets found: ${results.reduce((count, { messages }) => count + messages.length, 0)} findings in ${results.length} files`)
    })
  })
})
