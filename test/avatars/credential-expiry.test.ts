// Presigned forms and URLs never outlive the temporary credentials that sign them: the real app on
// dynalite and s3rver, signing with credentials from a source that says when they expire, as IRSA
// and EKS Pod Identity sessions do.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { AwsCredentialIdentity } from '@smithy/types'
import { SIGNATURE_MARGIN_SECONDS } from '../../src/aws/credentials.js'
import { authed, uploadAvatar } from '../support/http.js'
import { startTestStack, TEST_CREDENTIALS, type TestStack } from '../support/test-stack.js'

const MINUTE = 60_000
const UPLOAD_TTL_SECONDS = 900
const AVATAR_TTL_SECONDS = 3600

// Hands out sessions of the given lengths in turn (the last one again once the list is used up),
// each with its own session token so the test can tell which one signed a URL.
function sessions(...lifetimesMs: number[]) {
  const issued: { token: string; expiration: Date; forceRefresh: boolean }[] = []
  const source = async (options?: { forceRefresh?: boolean }): Promise<AwsCredentialIdentity> => {
    const lifetimeMs = lifetimesMs[Math.min(issued.length, lifetimesMs.length - 1)]!
    const session = { token: `session-${issued.length + 1}`, expiration: new Date(Date.now() + lifetimeMs), forceRefresh: options?.forceRefresh === true }
    issued.push(session)
    return { ...TEST_CREDENTIALS, sessionToken: session.token, expiration: session.expiration }
  }
  return { source, issued }
}

// When a presigned GET URL stops working: its signing time plus X-Amz-Expires.
function urlExpiry(url: string): number {
  const query = new URL(url).searchParams
  const signedAt = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(query.get('X-Amz-Date') ?? '')
  assert.ok(signedAt, `no X-Amz-Date in ${url}`)
  const [, year, month, day, hour, minute, second] = signedAt.map(Number)
  return Date.UTC(year!, month! - 1, day, hour, minute, second) + Number(query.get('X-Amz-Expires')) * 1000
}

async function withStack(source: (options?: { forceRefresh?: boolean }) => Promise<AwsCredentialIdentity>) {
  return startTestStack({ UPLOAD_URL_TTL_SECONDS: String(UPLOAD_TTL_SECONDS), AVATAR_URL_TTL_SECONDS: String(AVATAR_TTL_SECONDS) }, { credentials: source })
}

describe('presigned uploads and downloads with credentials that expire in a few minutes', () => {
  // Every session lasts 8 minutes, shorter than both TTLs, as if the role allowed no more.
  const { source, issued } = sessions(8 * MINUTE)
  let stack: TestStack
  before(async () => {
    stack = await withStack(source)
  })
  after(async () => {
    await stack.close()
  })

  it('cuts the upload form to the credentials and reports that real expiry', async () => {
    const registered = await authed(stack.app, stack.apiKey).register('Radia Perlman', 'radia@example.com')
    const session = issued.at(-1)!
    assert.equal(registered.avatar_upload.fields['X-Amz-Security-Token'], session.token)
    const expiresAt = Date.parse(registered.avatar_upload.expires_at)
    const latest = session.expiration.getTime() - SIGNATURE_MARGIN_SECONDS * 1000
    assert.ok(expiresAt <= latest, `form expires ${registered.avatar_upload.expires_at}, credentials ${session.expiration.toISOString()}`)
    assert.ok(expiresAt > latest - 5000, 'the form lives as long as the credentials allow, not less')
    const policy = JSON.parse(Buffer.from(registered.avatar_upload.fields.Policy!, 'base64').toString()) as { expiration: string }
    assert.equal(Date.parse(policy.expiration), expiresAt, 'the signed policy carries the reported expiry')
    assert.ok((await uploadAvatar(registered.avatar_upload, Buffer.from('png bytes'))).ok, 'the form works')
  })

  it('cuts the avatar URL to the credentials', async () => {
    const client = authed(stack.app, stack.apiKey)
    const registered = await client.register('Sophie Wilson', 'sophie@example.com')
    assert.ok((await uploadAvatar(registered.avatar_upload, Buffer.from('png bytes'))).ok)
    const { avatar_url } = (await client.get(`/users/${registered.user.id}`)).json<{ avatar_url: string }>()
    const session = issued.find((candidate) => candidate.token === new URL(avatar_url).searchParams.get('X-Amz-Security-Token'))
    assert.ok(session, 'signed with one of the issued sessions')
    const expiry = urlExpiry(avatar_url)
    assert.ok(expiry <= session.expiration.getTime() - SIGNATURE_MARGIN_SECONDS * 1000, `URL valid until ${new Date(expiry).toISOString()}, credentials ${session.expiration.toISOString()}`)
    assert.ok(expiry > Date.now() + 5 * MINUTE, 'still as long as the credentials allow')
    assert.equal((await fetch(avatar_url)).status, 200)
  })
})

describe('presigned uploads with credentials that can be renewed for longer', () => {
  // The first session is down to its last 4 minutes; every renewal lasts 3 hours. (When credentials
  // are renewed early, long before their last minutes, is on a moved clock in test/aws.)
  const { source, issued } = sessions(4 * MINUTE, 180 * MINUTE)
  let stack: TestStack
  before(async () => {
    stack = await withStack(source)
  })
  after(async () => {
    await stack.close()
  })

  it('renews the credentials before signing, so the form is signed with them and gets its full TTL', async () => {
    const client = authed(stack.app, stack.apiKey)
    assert.equal((await client.get('/users')).statusCode, 200)
    const renewals = issued.map((session) => [session.token, session.forceRefresh])
    assert.deepEqual(renewals, [['session-1', false], ['session-2', true]], 'a session in its last minutes is renewed before use')
    const startedAt = Date.now()
    const registered = await client.register('Frances Allen', 'frances@example.com')
    assert.equal(issued.length, 2, 'and then kept')
    assert.equal(registered.avatar_upload.fields['X-Amz-Security-Token'], 'session-2', 'the form is signed with the renewed credentials')
    const ttlMs = Date.parse(registered.avatar_upload.expires_at) - startedAt
    assert.ok(ttlMs > (UPLOAD_TTL_SECONDS - 5) * 1000 && ttlMs <= UPLOAD_TTL_SECONDS * 1000, `form valid for ${ttlMs} ms`)
  })
})
