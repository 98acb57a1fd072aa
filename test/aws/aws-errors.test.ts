// What clients see when AWS fails: transient failures (throttling, AWS 5xx, errors the SDK models as
// retryable, broken connections, a full connection queue) are 503 with Retry-After, so clients
// retry; everything else (permissions, KMS, validation, missing resources) is a 500 that names
// nothing of AWS. First the classification itself, then one of each through the real app and SDK.
import assert from 'node:assert/strict'
import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  ReplicatedWriteConflictException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb'
import { S3ServiceException } from '@aws-sdk/client-s3'
import { after, before, describe, it } from 'node:test'
import { awsErrorCode, awsRequestId, isAwsSdkError, isTemporaryAwsFailure } from '../../src/aws/aws-errors.js'
import { BackendBusyError } from '../../src/aws/call-queue.js'
import { CredentialsExpiringError } from '../../src/aws/credentials.js'
import { dynamoDbAnsweringWithError, type AwsErrorReply } from '../support/faulty-endpoints.js'
import { assertProblem, authed } from '../support/http.js'
import { startTestStack, type TestStack } from '../support/test-stack.js'

const metadata = (httpStatusCode: number) => ({ $metadata: { httpStatusCode, requestId: 'request-1' } })

/** An error of another service, shaped as the SDK shapes every service error. */
function serviceError(name: string, httpStatusCode: number, message = name): Error {
  return new S3ServiceException({ name, $fault: httpStatusCode >= 500 ? 'server' : 'client', message, ...metadata(httpStatusCode) })
}

describe('isTemporaryAwsFailure', () => {
  const temporary: [string, unknown][] = [
    ['DynamoDB throttling', new ProvisionedThroughputExceededException({ message: 'slow down', ...metadata(400) })],
    ['throttling of another service', serviceError('ThrottlingException', 400)],
    ['S3 SlowDown', serviceError('SlowDown', 503)],
    ['any 429', serviceError('SomethingNew', 429)],
    ['a DynamoDB 500', new InternalServerError({ message: 'internal', ...metadata(500) })],
    ['an AWS 502 without a known name', serviceError('BadGateway', 502)],
    ['an S3 503', serviceError('ServiceUnavailable', 503)],
    ['an error the SDK models as retryable', new ReplicatedWriteConflictException({ message: 'conflict', ...metadata(400) })],
    ['a 501, a server fault the SDK does not retry', serviceError('NotImplemented', 501)],
    ['any error carrying the retryable trait', Object.assign(new Error('retry me'), { name: 'SomethingElse', $retryable: {} })],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['an unresolvable host', Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' })],
    ...['ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'ECONNABORTED'].map(
      (code): [string, unknown] => [`a connection failing with ${code}`, Object.assign(new Error(code), { code })],
    ),
    ['an attempt timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['an aborted call', Object.assign(new Error('aborted'), { name: 'AbortError' })],
    ['no free connection in time', new BackendBusyError('no free connection within 5000 ms')],
    ['credentials that could not be renewed in time', new CredentialsExpiringError()],
  ]
  for (const [what, error] of temporary) {
    it(`is true for ${what}`, () => {
      assert.equal(isTemporaryAwsFailure(error), true)
    })
  }

  const permanent: [string, unknown][] = [
    ['DynamoDB AccessDenied', serviceError('AccessDeniedException', 400, 'not authorized to perform: dynamodb:PutItem')],
    ['S3 AccessDenied', serviceError('AccessDenied', 403)],
    ['a disabled KMS key behind S3', serviceError('KMS.DisabledException', 400)],
    ['a KMS key in an invalid state', serviceError('KMSInvalidStateException', 400)],
    ['a validation error', serviceError('ValidationException', 400, 'One or more parameter values were invalid')],
    ['a missing table', new ResourceNotFoundException({ message: 'Requested resource not found', ...metadata(400) })],
    ['expired credentials', serviceError('ExpiredTokenException', 400)],
    ['a programming error', new TypeError('undefined is not a function')],
    ['a local file error', Object.assign(new Error('no such file'), { code: 'ENOENT' })],
    ['an object without a prototype', Object.assign(Object.create(null) as object, { code: 'EACCES' })],
    ['a non-error', 'ECONNREFUSED'],
    ['null', null],
    ['nothing', undefined],
  ]
  for (const [what, error] of permanent) {
    it(`is false for ${what}`, () => {
      assert.equal(isTemporaryAwsFailure(error), false)
    })
  }
})

describe('awsErrorCode, awsRequestId and isAwsSdkError', () => {
  it('name the error and its AWS request for the log', () => {
    const error = serviceError('AccessDenied', 403)
    assert.equal(awsErrorCode(error), 'AccessDenied')
    assert.equal(awsRequestId(error), 'request-1')
    assert.equal(isAwsSdkError(error), true)
  })

  it('fall back to the Node error code, then to Unknown', () => {
    // A plain object: an Error instance always has a name.
    assert.equal(awsErrorCode({ code: 'ECONNRESET' }), 'ECONNRESET')
    assert.equal(awsErrorCode({}), 'Unknown')
    assert.equal(awsErrorCode(undefined), 'Unknown')
    assert.equal(awsRequestId(new Error('no metadata')), undefined)
    assert.equal(awsRequestId(undefined), undefined)
    assert.equal(isAwsSdkError(new Error('not from the SDK')), false)
    assert.equal(isAwsSdkError(null), false)
    assert.equal(isAwsSdkError('$metadata'), false)
  })
})

describe('AWS errors through the app', () => {
  // Strings that must never reach a client: error names, AWS messages, resource names and ARNs.
  const internals = /Exception|AccessDenied|ValidationException|InternalServerError|not authorized|arn:|kms|dynamodb|users-test|request-\d/i

  const cases: { what: string; reply: AwsErrorReply; status: 503 | 500 }[] = [
    { what: 'throttling', status: 503, reply: { status: 400, type: 'ProvisionedThroughputExceededException', message: 'The level of configured provisioned throughput for the table was exceeded.' } },
    { what: 'an AWS 5xx', status: 503, reply: { status: 500, type: 'InternalServerError', message: 'Internal server error' } },
    { what: 'an error modelled as retryable', status: 503, reply: { status: 400, type: 'ReplicatedWriteConflictException', message: 'Replicated write conflict' } },
    {
      what: 'AccessDenied',
      status: 500,
      reply: { status: 400, type: 'AccessDeniedException', message: 'User: arn:aws:sts::000000000000:assumed-role/user-api/session is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/users-test' },
    },
    {
      what: 'a KMS key the service may not use',
      status: 500,
      reply: { status: 400, type: 'AccessDeniedException', message: 'User: arn:aws:sts::000000000000:assumed-role/user-api/session is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000' },
    },
    { what: 'a validation error', status: 500, reply: { status: 400, type: 'ValidationException', message: 'One or more parameter values were invalid: Missing the key pk in the item' } },
  ]

  for (const { what, reply, status } of cases) {
    describe(`${what} (${reply.type}, HTTP ${reply.status})`, () => {
      let stack: TestStack
      let dynamo: Awaited<ReturnType<typeof dynamoDbAnsweringWithError>>
      before(async () => {
        let emulator = ''
        // Only the registration's claim fails; everything else reaches the emulator.
        dynamo = await dynamoDbAnsweringWithError(() => emulator, ['PutItem'], reply)
        stack = await startTestStack({ AWS_MAX_ATTEMPTS: '2' }, { endpoints: { dynamodb: dynamo.url } })
        emulator = stack.emulators.dynamoEndpoint
      })
      after(async () => {
        await stack.close()
        await dynamo.close()
      })

      it(`answers POST /user with ${status}${status === 503 ? ' and Retry-After' : ', nothing leaked'}`, async () => {
        const response = await authed(stack.app, stack.apiKey).post('/user', { name: 'Failing', email: 'failing@example.com' })
        const problem = assertProblem(response, status)
        if (status === 503) assert.equal(response.headers['retry-after'], '2')
        else assert.equal(response.headers['retry-after'], undefined)
        assert.doesNotMatch(response.body, internals)
        assert.equal(typeof response.json<{ request_id: string }>().request_id, 'string', 'the request id to quote is there')
        assert.ok(problem.detail.length > 0)
        // The SDK retries what it classifies as transient and gives up at once otherwise: the same
        // classification as the service's.
        assert.equal(dynamo.answered, status === 503 ? 2 : 1, 'attempts the SDK made')
      })
    })
  }
})
