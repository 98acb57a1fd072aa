// CORS on the local bucket, so that pages in a browser can upload avatars with the presigned form
// and read S3's answer: the web page on the origins the local stack serves it from, and the apps
// in CORS_ALLOWED_ORIGINS (the same list the API answers). Set at every start, replacing the
// previous rules. On AWS, Terraform sets the bucket's CORS from cors_allowed_origins.
import { PutBucketCorsCommand, type S3Client } from '@aws-sdk/client-s3'

/** As on AWS (terraform/modules/user-api/s3.tf): uploads and downloads, preflights cached. */
export const BUCKET_CORS_METHODS = ['GET', 'POST', 'PUT']
export const BUCKET_CORS_MAX_AGE_SECONDS = 3000

/** The origins a page served on this host and port has, whichever name the browser used. */
export function loopbackOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`]
}

export async function allowBrowserUploads(s3: S3Client, bucket: string, origins: readonly string[]): Promise<void> {
  await s3.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: {
        CORSRules: [{ AllowedOrigins: [...new Set(origins)], AllowedMethods: BUCKET_CORS_METHODS, AllowedHeaders: ['content-type', 'x-amz-*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: BUCKET_CORS_MAX_AGE_SECONDS }],
      },
    }),
  )
}
