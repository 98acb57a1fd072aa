// values.schema.json and the template guards reject wrong values before anything reaches a cluster.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { chartDirectory, helm } from './helm.js'

const template = (...extra: string[]) => helm(['template', 'user-api', '.', ...extra])

describe('values.schema.json', () => {
  test('has no remote $ref (helm validates offline)', () => {
    const text = readFileSync(join(chartDirectory, 'values.schema.json'), 'utf8')
    for (const [, reference] of text.matchAll(/"\$ref"\s*:\s*"([^"]*)"/g)) {
      assert.ok(reference?.startsWith('#'), `remote $ref ${reference}`)
    }
  })

  test('accepts the defaults', async () => {
    const result = await template()
    assert.equal(result.exitCode, 0, result.stderr)
  })

  test('accepts a KMS key ARN, also of a multi-Region key in another partition', async () => {
    for (const arn of ['arn:aws:kms:eu-west-1:123456789012:key/0b7c5f4e-8d8a-4d5c-9d2b-3f1b2a6c7d8e', 'arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab']) {
      const result = await template('--set', `config.s3KmsKeyId=${arn}`)
      assert.equal(result.exitCode, 0, result.stderr)
    }
  })

  const rejected: [string, string[], RegExp][] = [
    ['a string replica count', ['--set-string', 'replicaCount=2'], /replicaCount/],
    ['an unknown top-level key', ['--set', 'replicas=2'], /replicas/],
    ['an unknown nested key (typo)', ['--set', 'autoscaling.maxReplica=3'], /maxReplica/],
    ['a negative service port', ['--set', 'service.port=-1'], /service|port/],
    ['a container port above 65535', ['--set', 'containerPort=70000'], /containerPort/],
    ['the latest tag', ['--set', 'image.tag=latest'], /tag|latest/],
    ['a malformed digest', ['--set', 'image.digest=sha256:abc'], /digest/],
    ['a writable root filesystem', ['--set', 'containerSecurityContext.readOnlyRootFilesystem=false'], /readOnlyRootFilesystem/],
    ['running as root', ['--set', 'podSecurityContext.runAsNonRoot=false'], /runAsNonRoot/],
    ['an unknown log level', ['--set', 'config.logLevel=verbose'], /logLevel/],
    ['no malloc arena', ['--set', 'nodeMemory.mallocArenas=0'], /mallocArenas/],
    ['a chart-created Secret without keys', ['--set', 'apiKeys.create=true'], /keys/],
    ['an API key shorter than 32 characters', ['--set', 'apiKeys.create=true,apiKeys.keys[0]=short'], /keys/],
    // The bucket policy compares the key ARN: an alias or bare id would make S3 refuse every upload.
    ['a KMS key alias', ['--set', 'config.s3KmsKeyId=alias/user-api-production'], /s3KmsKeyId/],
    ['a bare KMS key id', ['--set', 'config.s3KmsKeyId=0b7c5f4e-8d8a-4d5c-9d2b-3f1b2a6c7d8e'], /s3KmsKeyId/],
    ['a KMS alias ARN', ['--set', 'config.s3KmsKeyId=arn:aws:kms:eu-west-1:123456789012:alias/user-api'], /s3KmsKeyId/],
    ['an invalid IRSA role ARN', ['--set', 'serviceAccount.irsaRoleArn=my-role'], /irsaRoleArn/],
    ['an exec preStop hook (the image promises no binary to run)', ['--set', 'drain.preStop=exec'], /preStop/],
    ['the former single whenUnsatisfiable for both topology keys', ['--set', 'topologySpread.whenUnsatisfiable=DoNotSchedule'], /whenUnsatisfiable/],
    ['a metrics port above 65535', ['--set', 'metrics.port=70000'], /port/],
    ['an Ingress host without paths', ['--set-json', 'ingress.hosts=[{"host":"a.example.com","paths":[]}]'], /paths/],
    ['an issuer over plain http', ['--set', 'auth.oidc.issuer=http://issuer.example,auth.oidc.audience[0]=user-api'], /issuer/],
    ['the algorithm none', ['--set', 'auth.oidc.issuer=https://issuer.example,auth.oidc.audience[0]=user-api,auth.oidc.algorithms[0]=none'], /algorithms/],
    ['a symmetric algorithm', ['--set', 'auth.oidc.issuer=https://issuer.example,auth.oidc.audience[0]=user-api,auth.oidc.algorithms[0]=HS256'], /algorithms/],
    ['an issuer without audience', ['--set', 'auth.oidc.issuer=https://issuer.example'], /audience/],
    ['two audiences in one item', ['--set', 'auth.oidc.issuer=https://issuer.example,auth.oidc.audience[0]=a\\,b'], /audience/],
    ['a negative rate limit', ['--set', 'config.rateLimit.reads=-1'], /reads/],
    ['a rate-limit window of 0 seconds', ['--set', 'config.rateLimit.windowSeconds=0'], /windowSeconds/],
    ['more than 10 trusted proxies', ['--set', 'config.trustedProxyHops=11'], /trustedProxyHops/],
    ['an ingress controller the chart has no annotations for', ['--set', 'ingress.controller=traefik'], /controller/],
    // The AWS Load Balancer Controller attaches regional web ACLs only; CloudFront ones are global.
    ['a global (CloudFront) web ACL', ['--set', 'ingress.wafv2AclArn=arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/0b7c5f4e-8d8a-4d5c-9d2b-3f1b2a6c7d8e'], /wafv2AclArn/],
    ['an HSTS max-age above two years', ['--set', 'ingress.hsts.maxAgeSeconds=99999999'], /maxAgeSeconds/],
    ['a chart-created cursor secret shorter than 32 characters', ['--set', 'auth.oidc.cursorSecret.create=true,auth.oidc.cursorSecret.value=short'], /value/],
    ['a wildcard CORS origin', ['--set', 'cors.allowedOrigins[0]=*'], /allowedOrigins/],
    ['a CORS origin with a path', ['--set', 'cors.allowedOrigins[0]=https://app.example.com/'], /allowedOrigins/],
    ['a CORS origin over plain http off loopback', ['--set', 'cors.allowedOrigins[0]=http://app.example.com'], /allowedOrigins/],
    ['a web page client id with a space', ['--set', 'auth.oidc.issuer=https://issuer.example,auth.oidc.audience[0]=user-api,webPage.oidcClientId=a b'], /oidcClientId/],
  ]
  for (const [title, extra, message] of rejected) {
    test(`rejects ${title}`, async () => {
      const result = await template(...extra)
      assert.notEqual(result.exitCode, 0, `accepted ${extra.join(' ')}`)
      assert.match(result.stderr, message)
    })
  }
})

describe('template guards', () => {
  test('minReplicas above maxReplicas is refused', async () => {
    const result = await template('--set', 'autoscaling.minReplicas=5,autoscaling.maxReplicas=3')
    assert.notEqual(result.exitCode, 0)
    assert.match(result.stderr, /minReplicas must not exceed/)
  })

  test('API keys off without an issuer is refused: nobody could call the service', async () => {
    const result = await template('--set', 'apiKeys.enabled=false')
    assert.notEqual(result.exitCode, 0)
    assert.match(result.stderr, /enable apiKeys or set auth\.oidc\.issuer/)
  })

  test('HSTS preload without includeSubDomains or a year is refused, whichever the controller', async () => {
    for (const extra of ['ingress.hsts.includeSubDomains=false', 'ingress.hsts.maxAgeSeconds=86400', 'ingress.controller=other,ingress.hsts.maxAgeSeconds=86400']) {
      const result = await template('--set', `ingress.enabled=true,ingress.hsts.preload=true,${extra}`)
      assert.notEqual(result.exitCode, 0, extra)
      assert.match(result.stderr, /ingress\.hsts\.preload needs includeSubDomains and a maxAgeSeconds of at least 31536000/)
    }
  })

  test('sign-in on the web page needs an issuer, and its key field needs API keys', async () => {
    const withoutIssuer = await template('--set', 'webPage.oidcClientId=web-page')
    assert.notEqual(withoutIssuer.exitCode, 0)
    assert.match(withoutIssuer.stderr, /webPage\.oidcClientId needs auth\.oidc\.issuer/)
    const withoutKeys = await template('--set', 'webPage.apiKeySignIn=true,apiKeys.enabled=false,auth.oidc.issuer=https://issuer.example,auth.oidc.audience[0]=user-api')
    assert.notEqual(withoutKeys.exitCode, 0)
    assert.match(withoutKeys.stderr, /webPage\.apiKeySignIn needs apiKeys\.enabled/)
  })

  test('an HTTPRoute needs a Gateway to attach to', async () => {
    const result = await template('--set', 'httpRoute.enabled=true')
    assert.notEqual(result.exitCode, 0)
    assert.match(result.stderr, /parentRefs/)
  })
})
