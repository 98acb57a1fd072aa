// Classifies AWS SDK failures for the HTTP layer. Transient ones (throttling, timeouts, refused or
// reset connections, 5xx, no free connection in time) surface as 503 with Retry-After once the
// SDK's bounded retries are spent, or credentials about to expire could not be renewed; everything else (permissions, KMS, missing table or bucket, credentials) is a 500. The smithy
// classifier is the SDK's own, so this agrees with what the SDK itself retries.
import { isServerError, isThrottlingError, isTransientError } from '@smithy/service-error-classification'
import { BackendBusyError } from './call-queue.js'
import { CredentialsExpiringError } from './credentials.js'

interface SdkError {
  name?: string
  code?: string
  $metadata?: { httpStatusCode?: number; requestId?: string }
}

export function awsErrorCode(error: unknown): string {
  const sdkError = error as SdkError | undefined
  return sdkError?.name ?? sdkError?.code ?? 'Unknown'
}

export function awsRequestId(error: unknown): string | undefined {
  return (error as SdkError | undefined)?.$metadata?.requestId
}

export function isAwsSdkError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && '$metadata' in error
}

export function isTemporaryAwsFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  if (error instanceof BackendBusyError || error instanceof CredentialsExpiringError) return true
  // The two the SDK's classifier leaves out: a connection aborted locally, and a call aborted by
  // its signal (a readiness check that timed out; the classifier says no to AbortError on purpose).
  // Refused, reset and timed-out connections, timeouts and retryable errors it knows itself; the
  // unit tests pin every case, so an SDK update that drops one fails the suite, not production.
  const sdkError = error as SdkError
  if (sdkError.code === 'ECONNABORTED' || sdkError.name === 'AbortError') return true
  const classifiable = error as Parameters<typeof isTransientError>[0]
  return isThrottlingError(classifiable) || isTransientError(classifiable) || isServerError(classifiable)
}
