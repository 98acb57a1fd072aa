// What the presigned upload and download look like, checked without a server: the details real
// S3 enforces and the emulators do not (see ../shared/TOOLING.md, presigning pitfalls).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AvatarStorage } from '../../src/avatars/avatar-storage.js'
import { createS3Client } from '../../src/aws/clients.js'
import { DEFAULT_AWS_CALL_SETTINGS } from '../../src/config/config.js'

const aws = { ...DEFAULT_AWS_CALL_SETTINGS, region: 'eu-west-1', connectTimeoutMs: 1000, requestTimeoutMs: 1000, maxAttempts: 1, s3ForcePathStyle: false }
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example-secret-for-signing-only' }
const options = { bucket: 'user-avatars', maxBytes: 1024, uploadTtlSeconds: 600, downloadTtlSeconds: 300 }
const kmsKeyId = 'arn:aws:kms:eu-west-1:000000000000:key/00000000-0000-0000-0000-000000000000'

function storage(extra: { kmsKeyId?: string } = {}) {
  return new AvatarStorage(createS3Client(aws, { credentials }), { ...options, ...extra })
}

function policyOf(fields: Record<string, string>): { expiration: string; conditions: unknown[] } {
  return JSON.parse(Buffer.from(fields.Policy ?? '', 'base64').toString('utf8')) as { expiration: string; conditions: unknown[] }
}

describe('AvatarStorage presigning', () => {
  it('signs a POST policy that pins size, content type, key and bucket', async () => {
    const before = Date.now()
    const upload = await storage().createUpload('avatars/some-id', 'image/jpeg')
    const after = Date.now()
    assert.equal(upload.method, 'POST')
    assert.equal(upload.url, 'https://user-avatars.s3.eu-west-1.amazonaws.com/')
    assert.equal(upload.max_bytes, 1024)
    assert.equal(upload.fields.key, 'avatars/some-id')
    assert.equal(upload.fields['Content-Type'], 'image/jpeg')
    const policy = policyOf(upload.fields)
    assert.deepEqual(policy.conditions[0], ['content-length-range', 1, 1024])
    assert.ok(policy.conditions.some((condition) => JSON.stringify(condition) === '{"Content-Type":"image/jpeg"}'))
    assert.ok(policy.conditions.some((condition) => JSON.stringify(condition) === '{"key":"avatars/some-id"}'))
    assert.ok(policy.conditions.some((condition) => JSON.stringify(condition) === '{"bucket":"user-avatars"}'))
    assert.equal(upload.expires_at, policy.expiration.replace('Z', '.000Z'))
    // The SDK reads its own clock between before and after, and the policy keeps whole seconds
    // (truncated): the expiry is 600 s after that moment, minus at most the dropped milliseconds.
    const expires = Date.parse(upload.expires_at)
    assert.ok(expires > before + 600_000 - 1000 && expires <= after + 600_000, `expiry ${expires - before} ms after the call started, ${expires - after} ms after it ended`)
  })

  it('requires SSE-KMS with the configured key in the form', async () => {
    const upload = await storage({ kmsKeyId }).createUpload('avatars/some-id', 'image/png')
    assert.equal(upload.fields['x-amz-server-side-encryption'], 'aws:kms')
    assert.equal(upload.fields['x-amz-server-side-encryption-aws-kms-key-id'], kmsKeyId)
    const conditions = JSON.stringify(policyOf(upload.fields).conditions)
    assert.ok(conditions.includes('{"x-amz-server-side-encryption":"aws:kms"}'))
    assert.ok(conditions.includes(`{"x-amz-server-side-encryption-aws-kms-key-id":"${kmsKeyId}"}`))
  })

  it('adds no encryption fields without a key', async () => {
    const upload = await storage().createUpload('avatars/some-id', 'image/png')
    assert.ok(!Object.keys(upload.fields).some((name) => name.startsWith('x-amz-server-side-encryption')))
  })

  it('presigns downloads without a checksum of an empty body and with the configured lifetime', async () => {
    const url = new URL(await storage().downloadUrl('avatars/some-id'))
    assert.equal(url.pathname, '/avatars/some-id')
    assert.equal(url.searchParams.get('X-Amz-Expires'), '300')
    for (const name of url.searchParams.keys()) assert.doesNotMatch(name, /checksum/i)
    assert.equal(url.searchParams.get('x-id'), 'GetObject')
  })
})

describe('AvatarStorage.origin', () => {
  const cases = [
    { name: 'AWS, virtual-hosted', settings: {}, expected: 'https://user-avatars.s3.eu-west-1.amazonaws.com' },
    { name: 'AWS, path-style', settings: { s3ForcePathStyle: true }, expected: 'https://s3.eu-west-1.amazonaws.com' },
    { name: 'a configured endpoint, path-style', settings: { s3ForcePathStyle: true, s3Endpoint: 'http://127.0.0.1:9000' }, expected: 'http://127.0.0.1:9000' },
    { name: 'a configured endpoint, virtual-hosted', settings: { s3Endpoint: 'https://s3.example.com' }, expected: 'https://user-avatars.s3.example.com' },
  ]
  for (const { name, settings, expected } of cases) {
    it(`is the origin of the upload form and the download URL: ${name}`, async () => {
      const avatars = new AvatarStorage(createS3Client({ ...aws, ...settings }, { credentials }), options)
      assert.equal(await avatars.origin(), expected)
      assert.equal(new URL((await avatars.createUpload('avatars/some-id', 'image/png')).url).origin, expected)
      assert.equal(new URL(await avatars.downloadUrl('avatars/some-id')).origin, expected)
    })
  }
})
