// The avatar upload rules are enforced by S3 itself through what the service signs, so they can
// only be proven against an S3 that checks signatures and POST policies. s3rver does not; Ceph
// radosgw does. Every case is a real multipart upload with fetch, as a browser would send it.
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { CreateBucketCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { AvatarStorage, type AvatarStorageOptions, type AvatarUpload } from '../../src/avatars/avatar-storage.js'
import { createS3Client } from '../../src/aws/clients.js'
import { DEFAULT_AWS_CALL_SETTINGS } from '../../src/config/config.js'
import { startRadosgw, type RadosgwHandle } from '../support/radosgw.js'
import { SYSTEM_TOOLS, skipUnlessInstalled } from '../support/system-tools.js'

const MAX_BYTES = 2048
// CI sets REQUIRE_SYSTEM_TOOLS=1 (or the older RADOSGW_REQUIRED=1) so that a missing installation
// fails instead of skipping quietly.
const skip = skipUnlessInstalled(SYSTEM_TOOLS.radosgw, {
  ...process.env,
  ...(process.env.RADOSGW_REQUIRED === '1' ? { REQUIRE_SYSTEM_TOOLS: '1' } : {}),
})

describe('avatar storage on a real S3 implementation (Ceph radosgw)', { skip }, () => {
  const bucket = `avatars-${randomBytes(4).toString('hex')}`
  let radosgw: RadosgwHandle | undefined
  let s3: S3Client | undefined
  let restoreEnvironment: (() => void) | undefined

  before(async () => {
    radosgw = await startRadosgw()
    assert.ok(radosgw, `radosgw is not installed: ${SYSTEM_TOOLS.radosgw.install}`)
    // The client under test finds its endpoint and credentials the way it does in production:
    // through the SDK's own environment variables and default provider chain.
    restoreEnvironment = replaceEnvironment({
      AWS_ENDPOINT_URL_S3: radosgw.endpoint,
      AWS_ACCESS_KEY_ID: radosgw.accessKeyId,
      AWS_SECRET_ACCESS_KEY: radosgw.secretAccessKey,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
    })
    s3 = createS3Client({ ...DEFAULT_AWS_CALL_SETTINGS, region: radosgw.region, connectTimeoutMs: 2_000, requestTimeoutMs: 10_000, maxAttempts: 1, s3ForcePathStyle: true })
    await s3.send(new CreateBucketCommand({ Bucket: bucket }))
  })

  after(async () => {
    s3?.destroy()
    restoreEnvironment?.()
    await radosgw?.stop()
  })

  function storage(options: Partial<AvatarStorageOptions> = {}): AvatarStorage {
    assert.ok(s3)
    return new AvatarStorage(s3, { bucket, maxBytes: MAX_BYTES, uploadTtlSeconds: 300, downloadTtlSeconds: 300, ...options })
  }

  function head(key: string) {
    assert.ok(s3)
    return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
  }

  test('a valid upload is stored with its content type and downloads with the same bytes', async () => {
    const avatars = storage()
    const key = newKey()
    const file = randomBytes(MAX_BYTES / 2)
    const upload = await avatars.createUpload(key, 'image/webp')
    assert.equal(upload.method, 'POST')
    assert.equal(upload.max_bytes, MAX_BYTES)

    const response = await postForm(upload, file)
    assert.equal(response.status, 204, await response.text())
    assert.equal(await avatars.exists(key), true)
    const stored = await head(key)
    assert.equal(stored.ContentType, 'image/webp')
    assert.equal(stored.ContentLength, file.length)

    const download = await fetch(await avatars.downloadUrl(key))
    assert.equal(download.status, 200)
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), file)

    await avatars.delete(key)
    assert.equal(await avatars.exists(key), false)
  })

  test('a file of exactly max_bytes is accepted and one byte more is rejected by S3', async () => {
    const avatars = storage()
    const fits = newKey()
    const fitting = await postForm(await avatars.createUpload(fits, 'image/png'), randomBytes(MAX_BYTES))
    assert.equal(fitting.status, 204, await fitting.text())

    const tooLarge = newKey()
    const rejected = await postForm(await avatars.createUpload(tooLarge, 'image/png'), randomBytes(MAX_BYTES + 1))
    assert.deepEqual(await s3Error(rejected), { status: 400, code: 'EntityTooLarge' })
    assert.equal(await avatars.exists(tooLarge), false)
  })

  test('an empty file is rejected', async () => {
    const avatars = storage()
    const key = newKey()
    const response = await postForm(await avatars.createUpload(key, 'image/png'), new Uint8Array())
    assert.deepEqual(await s3Error(response), { status: 400, code: 'EntityTooSmall' })
    assert.equal(await avatars.exists(key), false)
  })

  test('a Content-Type other than the signed one is rejected', async () => {
    const avatars = storage()
    const key = newKey()
    const upload = await avatars.createUpload(key, 'image/png')
    const response = await postForm(upload, randomBytes(64), { 'Content-Type': 'text/html' })
    assert.deepEqual(await s3Error(response), { status: 403, code: 'AccessDenied' })
    assert.equal(await avatars.exists(key), false)
  })

  test('the form cannot store a file under another key', async () => {
    const avatars = storage()
    const signedKey = newKey()
    const otherKey = newKey()
    const response = await postForm(await avatars.createUpload(signedKey, 'image/png'), randomBytes(64), { key: otherKey })
    assert.deepEqual(await s3Error(response), { status: 403, code: 'AccessDenied' })
    assert.equal(await avatars.exists(otherKey), false)
  })

  test('a policy rewritten to allow larger files is rejected', async () => {
    const avatars = storage()
    const key = newKey()
    const upload = await avatars.createUpload(key, 'image/png')
    const policy = JSON.parse(Buffer.from(requiredField(upload, 'Policy'), 'base64').toString('utf8')) as {
      conditions: unknown[]
    }
    policy.conditions = policy.conditions.map((condition) =>
      Array.isArray(condition) && condition[0] === 'content-length-range' ? ['content-length-range', 1, MAX_BYTES * 100] : condition,
    )
    const forged = Buffer.from(JSON.stringify(policy)).toString('base64')
    assert.notEqual(forged, upload.fields.Policy)

    const response = await postForm(upload, randomBytes(MAX_BYTES * 2), { Policy: forged })
    assertSignatureRejected(await s3Error(response))
    assert.equal(await avatars.exists(key), false)
  })

  test('a forged upload signature is rejected', async () => {
    const avatars = storage()
    const key = newKey()
    const upload = await avatars.createUpload(key, 'image/png')
    const response = await postForm(upload, randomBytes(64), { 'X-Amz-Signature': tamper(requiredField(upload, 'X-Amz-Signature')) })
    assertSignatureRejected(await s3Error(response))
    assert.equal(await avatars.exists(key), false)
  })

  test('a download URL with a tampered signature is rejected', async () => {
    const avatars = storage()
    const key = newKey()
    const uploaded = await postForm(await avatars.createUpload(key, 'image/png'), randomBytes(64))
    assert.equal(uploaded.status, 204, await uploaded.text())

    const url = new URL(await avatars.downloadUrl(key))
    url.searchParams.set('X-Amz-Signature', tamper(url.searchParams.get('X-Amz-Signature') ?? ''))
    assert.deepEqual(await s3Error(await fetch(url)), { status: 403, code: 'SignatureDoesNotMatch' })
  })

  test('upload forms and download URLs stop working after their TTL', async () => {
    const key = newKey()
    const uploaded = await postForm(await storage().createUpload(key, 'image/png'), randomBytes(64))
    assert.equal(uploaded.status, 204, await uploaded.text())
    // Signing times are truncated to whole seconds, so a 2 s TTL is valid for 1 to 2 s.
    const shortLived = storage({ uploadTtlSeconds: 2, downloadTtlSeconds: 2 })
    const upload = await shortLived.createUpload(newKey(), 'image/png')
    const downloadUrl = await shortLived.downloadUrl(key)
    const early = await fetch(downloadUrl)
    assert.equal(early.status, 200, await early.text())

    await sleep(3_000)
    const lateUpload = await postForm(upload, randomBytes(64))
    assert.deepEqual(await s3Error(lateUpload), { status: 403, code: 'AccessDenied' })
    const lateDownload = await fetch(downloadUrl)
    assert.deepEqual(await s3Error(lateDownload), { status: 403, code: 'AccessDenied' })
  })

  describe('with S3_KMS_KEY_ID set', () => {
    function encryptedStorage(): AvatarStorage {
      assert.ok(radosgw)
      return storage({ kmsKeyId: radosgw.kmsKeyId })
    }

    test('the object is stored with SSE-KMS under that key and still downloads', async () => {
      const avatars = encryptedStorage()
      const key = newKey()
      const file = randomBytes(512)
      const response = await postForm(await avatars.createUpload(key, 'image/jpeg'), file)
      assert.equal(response.status, 204, await response.text())

      const stored = await head(key)
      assert.equal(stored.ServerSideEncryption, 'aws:kms')
      assert.equal(stored.SSEKMSKeyId, radosgw?.kmsKeyId)
      const download = await fetch(await avatars.downloadUrl(key))
      assert.equal(download.status, 200)
      assert.deepEqual(Buffer.from(await download.arrayBuffer()), file)
    })

    test('a form without the encryption fields is rejected', async () => {
      const avatars = encryptedStorage()
      const key = newKey()
      const upload = await avatars.createUpload(key, 'image/png')
      const response = await postForm(upload, randomBytes(64), {
        'x-amz-server-side-encryption': undefined,
        'x-amz-server-side-encryption-aws-kms-key-id': undefined,
      })
      assert.deepEqual(await s3Error(response), { status: 403, code: 'AccessDenied' })
      assert.equal(await avatars.exists(key), false)
    })

    test('a form naming another KMS key is rejected', async () => {
      const avatars = encryptedStorage()
      const key = newKey()
      const upload = await avatars.createUpload(key, 'image/png')
      const response = await postForm(upload, randomBytes(64), { 'x-amz-server-side-encryption-aws-kms-key-id': 'another-key' })
      assert.deepEqual(await s3Error(response), { status: 403, code: 'AccessDenied' })
      assert.equal(await avatars.exists(key), false)
    })
  })
})

function newKey(): string {
  return `avatars/${randomUUID()}`
}

/** Sends the form the way a browser does; `changes` replaces fields, `undefined` drops one. */
function postForm(upload: AvatarUpload, file: Uint8Array, changes: Record<string, string | undefined> = {}): Promise<Response> {
  const form = new FormData()
  for (const [name, value] of Object.entries({ ...upload.fields, ...changes })) {
    if (value !== undefined) form.append(name, value)
  }
  // S3 ignores fields after the file, so the file goes last.
  form.append('file', new Blob([new Uint8Array(file)]), 'avatar')
  return fetch(upload.url, { method: 'POST', body: form })
}

async function s3Error(response: Response): Promise<{ status: number; code: string }> {
  const body = await response.text()
  return { status: response.status, code: /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? `no error code in: ${body}` }
}

// AWS answers a bad form signature with SignatureDoesNotMatch, radosgw with AccessDenied.
function assertSignatureRejected(error: { status: number; code: string }): void {
  assert.equal(error.status, 403)
  assert.match(error.code, /^(SignatureDoesNotMatch|AccessDenied)$/)
}

function requiredField(upload: AvatarUpload, name: string): string {
  const value = upload.fields[name]
  assert.ok(value, `the upload form has no ${name} field`)
  return value
}

/** Changes one hex digit, so the value keeps its format but no longer matches. */
function tamper(signature: string): string {
  assert.match(signature, /^[0-9a-f]{64}$/)
  return (signature.startsWith('0') ? '1' : '0') + signature.slice(1)
}

function replaceEnvironment(values: Record<string, string | undefined>): () => void {
  const previous = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]))
  const apply = (entries: Record<string, string | undefined>): void => {
    for (const [name, value] of Object.entries(entries)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name)
      else process.env[name] = value
    }
  }
  apply(values)
  return () => {
    apply(previous)
  }
}
