// The scripts that change the repository through GitHub's API, run with the real bash and jq against
// a stand-in `gh` (fake-gh.ts): the dev image pin (one commit on main, of one file), the promotion
// pull request (release or prod gets the previous environment's image.yaml and nothing else), the
// Terraform outputs pull request, the environments a push changed, and what happens when GitHub
// refuses the workflow's token (pull-requests.sh).
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { SYSTEM_TOOLS, skipUnlessInstalled } from '../support/system-tools.js'
import { fakeGitHub, type FakeGitHub, type FakeRepository } from './fake-gh.js'
import { githubDirectory, repositoryRoot, runCommand } from './workflows.js'

const script = (name: string) => join(githubDirectory, 'scripts', name)
const withoutJq = skipUnlessInstalled(SYSTEM_TOOLS.jq)
const committed = (environment: string, file: string) => readFile(join(repositoryRoot, 'deploy/environments', environment, file), 'utf8')
const tag = 'a'.repeat(40)
const digest = `sha256:${'b'.repeat(64)}`

/** main as committed: the three environments' image.yaml and terraform-outputs.json. */
async function mainBranch(): Promise<FakeRepository['branches']> {
  const files: Record<string, string> = {}
  for (const environment of ['dev', 'release', 'prod']) {
    for (const file of ['image.yaml', 'terraform-outputs.json']) {
      files[`deploy/environments/${environment}/${file}`] = await committed(environment, file)
    }
  }
  return { main: { commit: '1'.repeat(40), files } }
}

/** Files that differ between two branches. */
function changedFiles(repository: FakeRepository, from: string, to: string): string[] {
  const a = repository.branches[from]!.files
  const b = repository.branches[to]!.files
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((path) => a[path] !== b[path]).sort()
}

describe('scripts that write to the repository', { skip: withoutJq }, () => {
  let current: FakeGitHub | undefined
  let checkout: string
  before(async () => {
    // The checkout the Rollout workflow runs in: dev runs a newer image than release.
    checkout = await mkdtemp(join(tmpdir(), 'checkout-'))
    const devImage = (await committed('dev', 'image.yaml')).replace(/^( {2}tag:).*$/m, `$1 "${tag}"`).replace(/^( {2}digest:).*$/m, `$1 ${digest}`)
    await mkdir(join(checkout, 'deploy/environments/dev'), { recursive: true })
    await writeFile(join(checkout, 'deploy/environments/dev/image.yaml'), devImage)
  })
  after(async () => {
    await rm(checkout, { recursive: true, force: true })
  })
  const github = () => current!
  const fresh = async (extra: Partial<FakeRepository> = {}) => {
    await current?.remove()
    current = await fakeGitHub({ branches: await mainBranch(), ...extra })
  }
  after(async () => {
    await current?.remove()
  })
  const run = (name: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = checkout) =>
    runCommand(script(name), args, { cwd, env: { ...github().env, USING_PROMOTION_TOKEN: 'true', ...env } })

  describe('pin-image.sh', () => {
    test('writes dev\'s image.yaml on main, one commit of one file, shaped like the committed files', async () => {
      await fresh()
      const result = await run('pin-image.sh', ['dev', 'example/user-api', tag, digest])
      assert.equal(result.exitCode, 0, result.stderr)
      const repository = await github().read()
      const written = repository.branches.main!.files['deploy/environments/dev/image.yaml']!
      assert.match(written, new RegExp(`tag: "${tag}"\\n  digest: ${digest}\\n$`))
      // Only tag and digest differ from the committed file, which test/deploy checks in all three.
      const mask = (text: string) => text.replace(/^( {2}tag:).*$/m, '$1 x').replace(/^( {2}digest:).*$/m, '$1 x')
      assert.equal(mask(written), mask(await committed('dev', 'image.yaml')))
      assert.deepEqual(
        Object.entries(repository.branches.main!.files).filter(([path, text]) => text !== written && path.endsWith('dev/image.yaml')),
        [],
      )
      assert.equal(repository.calls.filter((call) => call.includes('--method PUT')).length, 1)
      assert.match(repository.calls.find((call) => call.includes('--method PUT'))!, /branch=main/)
    })

    test('writes nothing when dev already runs that image', async () => {
      const result = await run('pin-image.sh', ['dev', 'example/user-api', tag, digest])
      assert.equal(result.exitCode, 0, result.stderr)
      assert.match(result.stdout, /already runs/)
      assert.equal((await github().read()).calls.filter((call) => call.includes('--method PUT')).length, 1)
    })

    test('reads the file again when it changed while being written, never overwriting blindly', async () => {
      await fresh({ conflictOnce: ['deploy/environments/dev/image.yaml'] })
      const result = await run('pin-image.sh', ['dev', 'example/user-api', tag, digest])
      assert.equal(result.exitCode, 0, result.stderr)
      assert.match(result.stdout, /changed on main while it was written/)
      assert.equal((await github().read()).calls.filter((call) => call.includes('--method PUT')).length, 2)
    })

    test('refuses a tag, digest or environment that is not one, before calling GitHub', async () => {
      await fresh()
      for (const args of [
        ['staging', 'example/user-api', tag, digest],
        ['dev', 'example/user-api', 'latest', digest],
        ['dev', 'example/user-api', tag, 'sha256:abc'],
        ['dev', 'Example/User-API', tag, digest],
      ]) {
        const result = await run('pin-image.sh', args)
        assert.equal(result.exitCode, 1, args.join(' '))
      }
      assert.deepEqual((await github().read()).calls, [])
    })
  })

  describe('open-promotion-pr.sh', () => {
    test('proposes dev\'s image.yaml for release on promote/release, changing nothing else', async () => {
      await fresh()
      const result = await run('open-promotion-pr.sh', ['dev'])
      assert.equal(result.exitCode, 0, result.stderr)
      const repository = await github().read()
      assert.deepEqual(changedFiles(repository, 'main', 'promote/release'), ['deploy/environments/release/image.yaml'])
      assert.equal(
        repository.branches['promote/release']!.files['deploy/environments/release/image.yaml'],
        await readFile(join(checkout, 'deploy/environments/dev/image.yaml'), 'utf8'),
      )
      assert.equal(repository.pulls.length, 1)
      assert.deepEqual({ base: repository.pulls[0]!.base, head: repository.pulls[0]!.head }, { base: 'main', head: 'promote/release' })
      assert.match(repository.pulls[0]!.body, new RegExp(digest))
    })

    test('a second promotion refreshes the open pull request from main\'s head instead of opening another', async () => {
      const repository = await github().read()
      repository.branches.main!.commit = '2'.repeat(40)
      repository.branches.main!.files['README.md'] = 'a later commit on main\n'
      await github().write(repository)
      const result = await run('open-promotion-pr.sh', ['dev'])
      assert.equal(result.exitCode, 0, result.stderr)
      assert.match(result.stdout, /pull request updated/)
      const after = await github().read()
      assert.equal(after.pulls.length, 1)
      assert.deepEqual(changedFiles(after, 'main', 'promote/release'), ['deploy/environments/release/image.yaml'])
    })

    test('proposes nothing when release already runs dev\'s image', async () => {
      const repository = await github().read()
      repository.branches.main!.files['deploy/environments/release/image.yaml'] = await readFile(join(checkout, 'deploy/environments/dev/image.yaml'), 'utf8')
      await github().write(repository)
      const writes = (calls: string[]) => calls.filter((call) => /--method (PUT|POST|PATCH)/.test(call) || call.startsWith('pr create')).length
      const before = writes(repository.calls)
      const result = await run('open-promotion-pr.sh', ['dev'])
      assert.equal(result.exitCode, 0, result.stderr)
      assert.match(result.stdout, /nothing to propose/)
      assert.equal(writes((await github().read()).calls), before, 'no branch, commit or pull request')
    })

    test('release goes to prod; prod goes nowhere', async () => {
      await fresh()
      await mkdir(join(checkout, 'deploy/environments/release'), { recursive: true })
      await writeFile(join(checkout, 'deploy/environments/release/image.yaml'), await readFile(join(checkout, 'deploy/environments/dev/image.yaml'), 'utf8'))
      const result = await run('open-promotion-pr.sh', ['release'])
      assert.equal(result.exitCode, 0, result.stderr)
      assert.deepEqual(changedFiles(await github().read(), 'main', 'promote/prod'), ['deploy/environments/prod/image.yaml'])
      assert.equal((await run('open-promotion-pr.sh', ['prod'])).exitCode, 1)
    })
  })

  describe('propose-terraform-outputs.sh', () => {
    test('proposes the sorted helm_values output as the environment\'s terraform-outputs.json', async () => {
      await fresh()
      const outputs = join(checkout, 'helm-values.json')
      await writeFile(outputs, JSON.stringify({ serviceAccount: { name: 'user-api', irsaRoleArn: 'arn:aws:iam::111122223333:role/user-api-dev-service' }, config: { s3Bucket: 'new-bucket', awsRegion: 'eu-west-1', dynamodbTable: 't', s3KmsKeyId: 'k' } }))
      const result = await run('propose-terraform-outputs.sh', ['dev', outputs])
      assert.equal(result.exitCode, 0, result.stderr)
      const repository = await github().read()
      assert.deepEqual(changedFiles(repository, 'main', 'terraform-outputs/dev'), ['deploy/environments/dev/terraform-outputs.json'])
      const written = repository.branches['terraform-outputs/dev']!.files['deploy/environments/dev/terraform-outputs.json']!
      assert.deepEqual(Object.keys(JSON.parse(written) as object), ['config', 'serviceAccount'])
      assert.ok(written.indexOf('awsRegion') < written.indexOf('s3Bucket'), 'keys sorted, so equal outputs make equal files')
      assert.equal(repository.pulls[0]?.head, 'terraform-outputs/dev')
    })

    test('proposes nothing when main holds the same outputs, and refuses anything else', async () => {
      await fresh()
      const same = join(checkout, 'same.json')
      await writeFile(same, await committed('prod', 'terraform-outputs.json'))
      const result = await run('propose-terraform-outputs.sh', ['prod', same])
      assert.equal(result.exitCode, 0, result.stderr)
      assert.match(result.stdout, /nothing to propose/)
      assert.equal((await github().read()).pulls.length, 0)
      const wrong = join(checkout, 'wrong.json')
      await writeFile(wrong, '{"aws_region": "eu-west-1"}')
      assert.notEqual((await run('propose-terraform-outputs.sh', ['prod', wrong])).exitCode, 0)
    })
  })

  describe('changed-environments.sh', () => {
    test('lists the environments a push changed, in promotion order; all of them for a new branch', async () => {
      const before = 'c'.repeat(40)
      const after = 'd'.repeat(40)
      await fresh({
        compare: {
          [`${before}...${after}`]: { status: 'ahead', files: ['deploy/environments/prod/values.yaml', 'README.md', 'deploy/environments/dev/image.yaml', 'deploy/environments/dev/values.yaml'] },
        },
      })
      const result = await run('changed-environments.sh', [before, after])
      assert.equal(result.exitCode, 0, result.stderr)
      assert.equal(result.stdout.trim(), '["dev","prod"]')
      const created = await run('changed-environments.sh', ['0'.repeat(40), after])
      assert.equal(created.stdout.trim(), '["dev","release","prod"]')
    })
  })

  describe('when GitHub refuses the workflow\'s token', () => {
    const setting = /Allow GitHub Actions to create and approve pull requests/
    const token = /PROMOTION_TOKEN/

    test('after a rollout (ON_REFUSAL=warn), a refusal is a warning naming the setting and the token, and the step stays green', async () => {
      await fresh({ prCreate: 'refused' })
      const result = await run('open-promotion-pr.sh', ['dev'], { ON_REFUSAL: 'warn', USING_PROMOTION_TOKEN: 'false' })
      assert.equal(result.exitCode, 0, result.stderr)
      const warning = result.stdout.split('\n').find((line) => line.startsWith('::warning title=Pull request not opened::'))
      assert.ok(warning, result.stdout)
      assert.match(warning, setting)
      assert.match(warning, token)
      assert.match(warning, /gh pr create --base main --head promote\/release/)
    })

    test('asked for by hand, a refusal fails with the same message', async () => {
      await fresh({ prCreate: 'refused' })
      const result = await run('open-promotion-pr.sh', ['dev'], { ON_REFUSAL: 'fail', USING_PROMOTION_TOKEN: 'false' })
      assert.equal(result.exitCode, 1)
      assert.match(result.stderr, /^::error title=Pull request not opened::.*Allow GitHub Actions to create and approve pull requests.*PROMOTION_TOKEN/m)
    })

    test('says up front that GITHUB_TOKEN needs the setting and starts no checks', async () => {
      await fresh()
      const result = await run('open-promotion-pr.sh', ['dev'], { ON_REFUSAL: 'warn', USING_PROMOTION_TOKEN: 'false' })
      assert.equal(result.exitCode, 0, result.stderr)
      assert.match(result.stdout, /^::notice title=Pull request with GITHUB_TOKEN::.*Allow GitHub Actions to create and approve pull requests.*PROMOTION_TOKEN/m)
      assert.match(result.stdout, /pull\/1/)
    })

    test('with PROMOTION_TOKEN, opens the pull request without notice', async () => {
      await fresh()
      const result = await run('open-promotion-pr.sh', ['dev'], { ON_REFUSAL: 'warn', USING_PROMOTION_TOKEN: 'true' })
      assert.equal(result.exitCode, 0, result.stderr)
      assert.doesNotMatch(result.stdout, /::notice|::warning/)
    })

    test('any other failure stays a failure, also after a rollout', async () => {
      await fresh({ prCreate: 'broken' })
      const result = await run('open-promotion-pr.sh', ['dev'], { ON_REFUSAL: 'warn', USING_PROMOTION_TOKEN: 'true' })
      assert.equal(result.exitCode, 1)
      assert.match(result.stderr, /HTTP 502/)
      assert.doesNotMatch(result.stdout, /::warning/)
    })
  })
})
