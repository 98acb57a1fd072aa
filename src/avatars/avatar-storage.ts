// Avatar bytes never pass through the service: clients upload straight to S3 with a presigned POST
// and download with a presigned GET. The POST policy makes S3 itself enforce the size range, the
// content type, the exact key and (with a KMS key configured) SSE-KMS with that key, so nothing
// depends on the client behaving. Neither lives longer than the credentials that sign it
// (aws/credentials.ts): the expiry each carries, and the expires_at reported, is the real one.
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { createPresignedPost } from '@aws-sdk/s3-presigned-post'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { presignedLifetimeSeconds } from '../aws/credentials.js'

export const AVATAR_CONTENT_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const
export type AvatarContentType = (typeof AVATAR_CONTENT_TYPES)[number]

export interface AvatarStorageOptions {
  bucket: string
  maxBytes: number
  uploadTtlSeconds: number
  downloadTtlSeconds: number
  kmsKeyId?: string | undefined
}

export interface AvatarUpload {
  method: 'POST'
  url: string
  fields: Record<string, string>
  max_bytes: number
  expires_at: string
}

type PresignedPostConditions = NonNullable<Parameters<typeof createPresignedPost>[1]['Conditions']>

export class AvatarStorage {
  private readonly encryptionFields: Record<string, string>

  constructor(
    private readonly s3: S3Client,
    private readonly options: AvatarStorageOptions,
  ) {
    this.encryptionFields = options.kmsKeyId
      ? { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': options.kmsKeyId }
      : {}
  }

  async createUpload(key: string, contentType: AvatarContentType): Promise<AvatarUpload> {
    const fields = { 'Content-Type': contentType, ...this.encryptionFields }
    // Every field the client must send is also a condition: S3 rejects a form whose values differ.
    const conditions: PresignedPostConditions = [
      ['content-length-range', 1, this.options.maxBytes],
      ...Object.entries(fields).map(([name, value]) => ({ [name]: value })),
    ]
    const { url, fields: signedFields } = await createPresignedPost(this.s3, {
      Bucket: this.options.bucket,
      Key: key,
      Conditions: conditions,
      Fields: fields,
      Expires: await this.lifetimeSeconds(this.options.uploadTtlSeconds),
    })
    return { method: 'POST', url, fields: signedFields, max_bytes: this.options.maxBytes, expires_at: policyExpiration(signedFields) }
  }

  async downloadUrl(key: string): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.options.bucket, Key: key }), {
      expiresIn: await this.lifetimeSeconds(this.options.downloadTtlSeconds),
    })
  }

  // The credentials the client is about to sign with, on the clock the SDK signs with. If the
  // client moves to newer credentials in between, those expire later (aws/credentials.ts).
  private async lifetimeSeconds(ttlSeconds: number): Promise<number> {
    const credentials = await this.s3.config.credentials()
    return presignedLifetimeSeconds(ttlSeconds, credentials, Date.now() + this.s3.config.systemClockOffset)
  }

  /**
   * The origin of every upload form's url and download URL (scheme, host, port), as the SDK's own
   * endpoint rules resolve it for this bucket: virtual-hosted or path-style, AWS or a configured
   * endpoint. Browsers need it ahead of time (the web page's Content-Security-Policy).
   */
  async origin(): Promise<string> {
    const config = this.s3.config
    const custom = await config.endpoint?.()
    const endpoint = custom && `${custom.protocol}//${custom.hostname}${custom.port === undefined ? '' : `:${custom.port}`}${custom.path}`
    const { url } = config.endpointProvider({
      Bucket: this.options.bucket,
      Region: await config.region(),
      UseFIPS: await config.useFipsEndpoint(),
      UseDualStack: await config.useDualstackEndpoint(),
      ForcePathStyle: config.forcePathStyle,
      ...(endpoint ? { Endpoint: endpoint } : {}),
    })
    return url.origin
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }))
      return true
    } catch (error) {
      if (isNotFound(error)) return false
      throw error
    }
  }

  async delete(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }))
  }
}

// The instant S3 stops accepting the form is the one written into the signed policy (the SDK
// rounds it to the second with its own clock), so that is the one reported to the client.
function policyExpiration(fields: Record<string, string>): string {
  const policy = JSON.parse(Buffer.from(fields.Policy ?? '', 'base64').toString('utf8')) as { expiration: string }
  return new Date(policy.expiration).toISOString()
}

function isNotFound(error: unknown): boolean {
  const candidate = error as { name?: string; $metadata?: { httpStatusCode?: number } }
  return candidate.name === 'NotFound' || candidate.name === 'NoSuchKey' || candidate.$metadata?.httpStatusCode === 404
}
