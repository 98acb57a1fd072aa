// IRSA asks STS for sessions long enough for the presigned TTLs, and falls back to STS's default
// session when the role refuses that length. STS cannot run here, so a stand-in on loopback answers
// AssumeRoleWithWebIdentity in STS's own wire format; the SDK's real web identity provider, found
// through its default chain and the same environment variables EKS sets, talks to it.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, beforeEach, describe, it } from 'node:test'
import { createAwsClients } from '../../src/aws/clients.js'
import { defaultCredentialSource, webIdentitySessionSeconds } from '../../src/aws/credentials.js'
import { DEFAULT_AWS_CALL_SETTINGS } from '../../src/config/config.js'

const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/'

// A role whose max_session_duration the test sets; it records every DurationSeconds asked for.
function fakeSts() {
  const state = { maxSessionSeconds: 43_200, rejectToken: false, requested: [] as (number | undefined)[] }
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString()))
    request.on('end', () => {
      const form = new URLSearchParams(body)
      assert.equal(form.get('Action'), 'AssumeRoleWithWebIdentity')
      const duration = form.get('DurationSeconds') === null ? undefined : Number(form.get('DurationSeconds'))
      state.requested.push(duration)
      response.setHeader('content-type', 'text/xml')
      const error = (code: string, message: string) => {
        response.statusCode = 400
        response.end(`<ErrorResponse xmlns="${STS_NAMESPACE}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`)
      }
      if (state.rejectToken) {
        error('InvalidIdentityToken', 'Token is expired')
        return
      }
      if ((duration ?? 3600) > state.maxSessionSeconds) {
        error('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.')
        return
      }
      const expiration = new Date(Date.now() + (duration ?? 3600) * 1000).toISOString()
      response.end(
        `<AssumeRoleWithWebIdentityResponse xmlns="${STS_NAMESPACE}"><AssumeRoleWithWebIdentityResult>` +
          `<Credentials><AccessKeyId>ASIATESTSESSION${state.requested.length}</AccessKeyId><SecretAccessKey>test-secret</SecretAccessKey>` +
          `<SessionToken>test-session-token</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
          '<AssumedRoleUser><Arn>arn:aws:sts::000000000000:assumed-role/user-api-service/test</Arn><AssumedRoleId>AROATEST:test</AssumedRoleId></AssumedRoleUser>' +
          '</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>',
      )
    })
  })
  return { server, state }
}

describe('web identity (IRSA) sessions', () => {
  const { server, state } = fakeSts()
  const directory = mkdtempSync(join(tmpdir(), 'user-api-irsa-'))
  const saved = { ...process.env }

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const tokenFile = join(directory, 'token')
    writeFileSync(tokenFile, 'header.payload.signature')
    // Only the web identity link of the chain may answer: no keys, profiles or metadata service.
    const keep = Object.entries(process.env).filter(([name]) => !/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|CONTAINER_.*)$/.test(name))
    process.env = Object.fromEntries(keep)
    Object.assign(process.env, {
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: 'arn:aws:iam::000000000000:role/user-api-service',
      AWS_ROLE_SESSION_NAME: 'test',
      AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      AWS_CONFIG_FILE: join(directory, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(directory, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    })
  })
  after(async () => {
    process.env = saved
    await new Promise((resolve) => server.close(resolve))
    rmSync(directory, { recursive: true, force: true })
  })
  beforeEach(() => {
    state.requested = []
    state.maxSessionSeconds = 43_200
    state.rejectToken = false
  })

  it('the service clients ask for sessions twice as long as the longest presigned TTL, plus margin', async () => {
    const clients = createAwsClients({ ...DEFAULT_AWS_CALL_SETTINGS, region: 'eu-west-1', s3ForcePathStyle: false })
    try {
      const credentials = await clients.s3.config.credentials()
      assert.deepEqual(state.requested, [webIdentitySessionSeconds(DEFAULT_AWS_CALL_SETTINGS.longestPresignedTtlSeconds)])
      assert.equal(state.requested[0], 7320)
      const lifetimeSeconds = ((credentials.expiration?.getTime() ?? 0) - Date.now()) / 1000
      assert.ok(lifetimeSeconds > 7300, `session of ${lifetimeSeconds} s`)
      assert.equal((await clients.dynamo.config.credentials()).accessKeyId, credentials.accessKeyId, 'one session for both clients')
      assert.equal(state.requested.length, 1)
    } finally {
      clients.destroy()
    }
  })

  it('falls back to the default session when the role refuses the length, and says so', async () => {
    state.maxSessionSeconds = 3600
    const refusals: number[] = []
    const source = defaultCredentialSource('eu-west-1', 3600, (_error, requested) => refusals.push(requested))
    const credentials = await source({ forceRefresh: true })
    assert.ok(credentials.expiration)
    assert.deepEqual(state.requested, [7320, undefined])
    assert.deepEqual(refusals, [7320])
    await source({ forceRefresh: true })
    assert.deepEqual(state.requested, [7320, undefined, undefined], 'the refused length is not asked for again')
  })

  it('does not hide other STS errors behind the fallback', async () => {
    state.rejectToken = true
    const source = defaultCredentialSource('eu-west-1', 600, () => assert.fail('not a refused session length'))
    await assert.rejects(source({ forceRefresh: true }), { name: 'InvalidIdentityTokenException' })
    assert.deepEqual(state.requested, [3600])
  })
})
