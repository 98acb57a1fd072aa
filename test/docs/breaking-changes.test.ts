// The breaking-change check (scripts/breaking-changes.ts) on the real document: each rule catches
// its change, compatible changes pass, and the pipeline's script fails a pull request unless it
// carries the breaking-change label (with a stand-in `gh` that reports the labels).
import assert from 'node:assert/strict'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { breakingChanges } from '../../scripts/breaking-changes.js'
import { CLIENT_DIRECTORY } from '../../scripts/generate-client.js'
import { githubDirectory, runCommand } from '../workflows/workflows.js'

// Loosely typed on purpose: the tests edit the document like a developer would.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return */
type Document = any

let document: Document
const changed = (edit: (copy: Document) => void): Document => {
  const copy = structuredClone(document)
  edit(copy)
  return copy
}
const breaksOf = (edit: (copy: Document) => void) => breakingChanges(document, changed(edit))

describe('the breaking-change check', () => {
  before(async () => {
    document = JSON.parse(await readFile(join(CLIENT_DIRECTORY, 'openapi.json'), 'utf8'))
  })

  it('finds nothing between a document and itself, or after a path parameter is renamed', () => {
    assert.deepEqual(breakingChanges(document, structuredClone(document)), [])
    assert.deepEqual(
      breaksOf((copy) => {
        const item = copy.paths['/users/{id}']
        delete copy.paths['/users/{id}']
        for (const operation of [item.get, item.delete]) operation.parameters[0].name = 'userId'
        copy.paths['/users/{userId}'] = item
      }),
      [],
    )
  })

  it('lets compatible changes pass: a new operation, status, optional field, response field or enum value', () => {
    assert.deepEqual(
      breaksOf((copy) => {
        copy.paths['/users/{id}'].patch = { operationId: 'updateUser', responses: { 200: { description: 'Updated' } } }
        copy.paths['/users'].get.responses['429'] = copy.paths['/users'].get.responses['503']
        copy.paths['/user'].post.requestBody.content['application/json'].schema.properties.nickname = { type: 'string' }
        copy.components.schemas.User.properties.updated_at = { type: 'string', format: 'date-time' }
        copy.components.schemas.User.required.push('updated_at')
        copy.paths['/user'].post.requestBody.content['application/json'].schema.properties.avatar_content_type.anyOf.push({ type: 'string', enum: ['image/gif'] })
      }),
      [],
    )
  })

  const cases: [rule: string, edit: (copy: Document) => void, expected: string][] = [
    ['a removed operation', (copy) => delete copy.paths['/users/{id}'].delete, 'DELETE /users/{id}: operation removed'],
    ['a removed status code', (copy) => delete copy.paths['/user'].post.responses['409'], 'POST /user: status 409 removed'],
    ['a removed response field', (copy) => delete copy.components.schemas.User.properties.avatar_url, 'GET /users/{id} → 200 application/json: field /avatar_url removed'],
    ['a removed field in a list', (copy) => delete copy.components.schemas.User.properties.email, 'GET /users → 200 application/json: field []/email removed'],
    ['a response field no longer always sent', (copy) => (copy.components.schemas.User.required = ['id']), 'GET /users/{id} → 200 application/json: field /name is no longer always sent'],
    [
      'a removed request field',
      (copy) => delete copy.paths['/user'].post.requestBody.content['application/json'].schema.properties.avatar_content_type,
      'POST /user request application/json: field /avatar_content_type removed',
    ],
    [
      'a removed request enum value',
      (copy) => copy.paths['/user'].post.requestBody.content['application/json'].schema.properties.avatar_content_type.anyOf.pop(),
      'POST /user request application/json: enum value "image/webp" removed from /avatar_content_type',
    ],
    ['a removed response enum value', (copy) => (copy.components.schemas.AvatarUpload.properties.method.enum = ['PUT']), 'POST /user → 201 application/json: enum value "POST" removed from /avatar_upload/method'],
    [
      'an optional request field made required',
      (copy) => copy.paths['/user'].post.requestBody.content['application/json'].schema.required.push('avatar_content_type'),
      'POST /user request application/json: optional field /avatar_content_type is now required',
    ],
    [
      'a new required request field',
      (copy) => {
        const schema = copy.paths['/user'].post.requestBody.content['application/json'].schema
        schema.properties.nickname = { type: 'string' }
        schema.required.push('nickname')
      },
      'POST /user request application/json: new required field /nickname',
    ],
    ['an optional parameter made required', (copy) => (copy.paths['/users'].get.parameters[0].required = true), 'GET /users: optional parameter query limit is now required'],
    ['a removed parameter', (copy) => copy.paths['/users'].get.parameters.pop(), 'GET /users: parameter query cursor removed'],
    ['a removed response header', (copy) => delete copy.paths['/user'].post.responses['201'].headers.Location, 'POST /user → 201: header Location removed'],
    [
      'a changed error media type',
      (copy) => {
        const content = copy.paths['/users/{id}'].get.responses['404'].content
        content['application/json'] = content['application/problem+json']
        delete content['application/problem+json']
      },
      'GET /users/{id} → 404: media type application/problem+json removed',
    ],
  ]
  for (const [rule, edit, expected] of cases) {
    it(`catches ${rule}`, () => {
      const found = breaksOf(edit)
      assert.ok(found.includes(expected), `expected "${expected}" in:\n${found.join('\n')}`)
    })
  }
})

describe('the pipeline step (.github/scripts/check-api-compatibility.sh)', () => {
  let directory: string
  let base: string
  let broken: string
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'api-compatibility-'))
    base = join(CLIENT_DIRECTORY, 'openapi.json')
    broken = join(directory, 'broken.json')
    await writeFile(broken, JSON.stringify(changed((copy) => delete copy.paths['/users/{id}'].delete)))
    // A stand-in for the GitHub CLI: prints the labels given in STUB_LABELS, one per line.
    await writeFile(join(directory, 'gh'), '#!/usr/bin/env bash\nprintf "%s\\n" $STUB_LABELS\n')
    await chmod(join(directory, 'gh'), 0o755)
  })
  after(async () => {
    await rm(directory, { recursive: true, force: true })
  })

  const check = (head: string, labels: string) =>
    runCommand(join(githubDirectory, 'scripts', 'check-api-compatibility.sh'), [base, head], {
      env: { PATH: `${directory}:${process.env.PATH ?? ''}`, PR_NUMBER: '7', GH_REPO: 'example/user-api', STUB_LABELS: labels },
    })

  it('passes an unchanged document', async () => {
    const result = await check(base, '')
    assert.equal(result.exitCode, 0, result.stderr)
    assert.match(result.stdout, /No breaking change/)
  })

  it('fails a breaking change, listing it, unless the pull request is labelled breaking-change', async () => {
    const refused = await check(broken, 'documentation breaking-changes')
    assert.equal(refused.exitCode, 1)
    assert.match(refused.stdout, /DELETE \/users\/\{id\}: operation removed/)
    assert.match(refused.stdout, /::error title=API breaking changes::/)
    const allowed = await check(broken, 'documentation breaking-change')
    assert.equal(allowed.exitCode, 0, allowed.stdout)
    assert.match(allowed.stdout, /::warning title=API breaking changes::Allowed by the breaking-change label/)
  })

  it('fails when the comparison itself fails, whatever the labels', async () => {
    const result = await check(join(directory, 'missing.json'), 'breaking-change')
    assert.notEqual(result.exitCode, 0)
    assert.match(result.stdout, /The comparison itself failed/)
  })
})
