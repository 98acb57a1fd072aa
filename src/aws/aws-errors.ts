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

const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED'])

export function isTemporaryAwsFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  if (error instanceof BackendBusyError || error instanceof CredentialsExpiringError) return true
  const sdkError = error as SdkError & { $retryable?: unknown }
  if (sdkError.code !== undefined && NETWORK_ERROR_CODES.has(sdkError.code)) return true
  if (sdkError.name === 'TimeoutError' || sdkError.name === 'AbortError') return true
  const classifiable = error as Parameters<typeof isTransientError>[0]
  return (
    isThrottlingError(classifiable) ||
    isTransientError(classifiable) ||
    isServerError(classifiable) ||
    sdkError.$retryable !== undefined
  )
}
