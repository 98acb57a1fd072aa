// Promotion pull requests when GitHub refuses the workflow's token (.github/scripts/
// open-promotion-pr.sh and pull-requests.sh). GitHub cannot be reached here, so `gh` is a stand-in
// on PATH that answers the three calls the script makes the way GitHub does; everything else is the
// real script under the real bash.
import assert from 'node:assert/strict'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { githubDirectory, runCommand } from './workflows.js'

// The message GitHub sends when the repository does not let GitHub Actions create pull requests.
const REFUSAL = 'pull request create failed: GraphQL: GitHub Actions is not permitted to create or approve pull requests (createPullRequest)'

const STAND_IN_GH = `#!/usr/bin/env bash
case "$1 $2" in
  "api repos/"*) echo 2 ;;
  "pr list") echo "" ;;
  "pr create")
    case "$GH_CREATE" in
      ok) echo "https://github.com/example/user-api/pull/9" ;;
      refused) echo "${REFUSAL}" >&2; exit 1 ;;
      *) echo "HTTP 502: Bad Gateway (https://api.github.com/graphql)" >&2; exit 1 ;;
    esac ;;
  *) echo "unexpected gh $*" >&2; exit 2 ;;
esac
`

describe('opening a promotion pull request', () => {
  let bin: string
  before(async () => {
    bin = await mkdtemp(join(tmpdir(), 'gh-stand-in-'))
    await writeFile(join(bin, 'gh'), STAND_IN_GH)
    await chmod(join(bin, 'gh'), 0o755)
  })
  after(async () => {
    await rm(bin, { recursive: true, force: true })
  })

  const promote = (env: Record<string, string>) =>
    runCommand(join(githubDirectory, 'scripts', 'open-promotion-pr.sh'), ['dev'], {
      env: { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, GH_REPO: 'example/user-api', GH_TOKEN: 'placeholder', ...env },
    })
  const setting = /Allow GitHub Actions to create and approve pull requests/
  const token = /PROMOTION_TOKEN/

  test('after a deployment (ON_REFUSAL=warn), a refusal is a warning naming the setting and the token, and the step stays green', async () => {
    const result = await promote({ GH_CREATE: 'refused', ON_REFUSAL: 'warn', USING_PROMOTION_TOKEN: 'false' })
    assert.equal(result.exitCode, 0, result.stderr)
    const warning = result.stdout.split('\n').find((line) => line.startsWith('::warning title=Pull request not opened::'))
    assert.ok(warning, result.stdout)
    assert.match(warning, setting)
    assert.match(warning, token)
    assert.match(warning, /gh pr create --base release --head dev/)
  })

  test('asked for by hand, a refusal fails with the same message', async () => {
    const result = await promote({ GH_CREATE: 'refused', ON_REFUSAL: 'fail', USING_PROMOTION_TOKEN: 'false' })
    assert.equal(result.exitCode, 1)
    assert.match(result.stderr, /^::error title=Pull request not opened::.*Allow GitHub Actions to create and approve pull requests.*PROMOTION_TOKEN/m)
  })

  test('says up front that GITHUB_TOKEN needs the setting and starts no checks', async () => {
    const result = await promote({ GH_CREATE: 'ok', ON_REFUSAL: 'warn', USING_PROMOTION_TOKEN: 'false' })
    assert.equal(result.exitCode, 0, result.stderr)
    assert.match(result.stdout, /^::notice title=Pull request with GITHUB_TOKEN::.*Allow GitHub Actions to create and approve pull requests.*PROMOTION_TOKEN/m)
    assert.match(result.stdout, /pull\/9/)
  })

  test('with PROMOTION_TOKEN, opens the pull request without notice', async () => {
    const result = await promote({ GH_CREATE: 'ok', ON_REFUSAL: 'warn', USING_PROMOTION_TOKEN: 'true' })
    assert.equal(result.exitCode, 0, result.stderr)
    assert.doesNotMatch(result.stdout, /::notice|::warning/)
  })

  test('any other failure stays a failure, also after a deployment', async () => {
    const result = await promote({ GH_CREATE: 'broken', ON_REFUSAL: 'warn', USING_PROMOTION_TOKEN: 'true' })
    assert.equal(result.exitCode, 1)
    assert.match(result.stderr, /HTTP 502/)
    assert.doesNotMatch(result.stdout, /::warning/)
  })
})
