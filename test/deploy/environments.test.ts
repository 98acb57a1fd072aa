// Each environment's folder under deploy/environments, as Argo CD layers it over the chart: it
// renders (the chart's schema, lint and policy tests run it too, as value sets environmentDev,
// environmentRelease and environmentProd of test/chart/helm.ts), it pins the image by digest, it
// carries exactly the Terraform hand-off of the module, and release and prod differ from dev only
// where a promotion or the environment itself must differ.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { parse as parseHcl } from '@cdktf/hcl2json'
import { helm, objectsOfKind, onlyObjectOfKind } from '../chart/helm.js'
import { environmentFile, environmentFiles, environments, readYaml, renderEnvironment, repositoryRoot } from './gitops.js'

type Values = Record<string, unknown>

/** Helm's layering of values files: maps merge key by key, anything else is replaced. */
function layer(base: Values, over: Values): Values {
  const merged: Values = { ...base }
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key]
    const bothMaps = [current, value].every((item) => typeof item === 'object' && item !== null && !Array.isArray(item))
    merged[key] = bothMaps ? layer(current as Values, value as Values) : value
  }
  return merged
}

const effectiveValues = (environment: string): Values =>
  environmentFiles.map((file) => readYaml(environmentFile(environment, file)) as Values).reduce(layer, {})

/** Leaf paths with their values; lists are leaves, as Helm replaces them whole. */
function leaves(values: unknown, prefix = ''): Map<string, string> {
  const found = new Map<string, string>()
  if (typeof values === 'object' && values !== null && !Array.isArray(values)) {
    for (const [key, value] of Object.entries(values)) {
      for (const [path, leaf] of leaves(value, prefix ? `${prefix}.${key}` : key)) found.set(path, leaf)
    }
  } else {
    found.set(prefix, JSON.stringify(values))
  }
  return found
}

/** Where an environment may differ from dev, and why. Anything else must be the same in all three. */
const allowedDifferences: [RegExp, string][] = [
  [/^image\.(tag|digest)$/, 'what a promotion changes'],
  [/^(config\.(awsRegion|dynamodbTable|s3Bucket|s3KmsKeyId)|serviceAccount\.irsaRoleArn|auth\.oidc\.(issuer|audience|scopePrefix)|ingress\.wafv2AclArn)$/, 'the environment\'s own AWS resources, token issuer and web ACL (Terraform hand-off)'],
  [/^ingress\.(hosts|tls)$/, 'the environment\'s host names'],
  [/^networkPolicy\.ingressController\.ipBlocks$/, 'the environment\'s network, where its ALB connects from'],
  [/^autoscaling\.(minReplicas|maxReplicas)$/, 'capacity'],
  [/^topologySpread\./, 'how strictly pods spread (prod)'],
  [/^metrics\./, 'monitoring where someone watches it'],
  [/^config\.logLevel$/, 'debug logs in dev'],
  [/^config\.docsEnabled$/, 'the API docs page where developers try the API'],
]

function unexplainedDifferences(environment: string): string[] {
  const dev = leaves(effectiveValues('dev'))
  const other = leaves(effectiveValues(environment))
  const paths = new Set([...dev.keys(), ...other.keys()])
  return [...paths]
    .filter((path) => dev.get(path) !== other.get(path))
    .filter((path) => !allowedDifferences.some(([pattern]) => pattern.test(path)))
    .map((path) => `${path}: dev ${dev.get(path) ?? '(unset)'}, ${environment} ${other.get(path) ?? '(unset)'}`)
}

describe('environment values (deploy/environments)', () => {
  for (const environment of environments) {
    test(`${environment}: pins the image by digest, and only image.yaml names the image`, async () => {
      const { image } = readYaml(environmentFile(environment, 'image.yaml')) as { image: Record<string, string> }
      assert.deepEqual(Object.keys(image).sort(), ['digest', 'registry', 'repository', 'tag'])
      assert.match(image.digest!, /^sha256:[a-f0-9]{64}$/)
      assert.match(image.tag!, /^[a-f0-9]{40}$/, 'the tag is the commit the image was built from')
      for (const file of environmentFiles.filter((name) => name !== 'image.yaml')) {
        assert.equal((readYaml(environmentFile(environment, file)) as Values).image, undefined, `${file} must not set image values`)
      }
      for (const workload of [onlyObjectOfKind(await renderEnvironment(environment), 'Deployment').spec!.template.spec!]) {
        for (const container of workload.containers) assert.ok(container.image!.endsWith(`@${image.digest!}`), container.image)
      }
    })
  }

  test('image.yaml is the same file in every environment but for the tag and the digest, so a promotion copies it whole', () => {
    const masked = (environment: string) =>
      readFileSync(environmentFile(environment, 'image.yaml'), 'utf8').replace(/^(\s*tag:).*$/m, '$1 <tag>').replace(/^(\s*digest:).*$/m, '$1 <digest>')
    for (const environment of ['release', 'prod']) assert.equal(masked(environment), masked('dev'), environment)
  })

  for (const environment of ['release', 'prod']) {
    test(`${environment} differs from dev only where a promotion or the environment must`, () => {
      assert.deepEqual(unexplainedDifferences(environment), [])
    })
  }

  test('the difference check catches a setting changed in one environment only', () => {
    const dev = effectiveValues('dev')
    const changed = layer(effectiveValues('prod'), { config: { awsMaxAttempts: 7 } })
    const differing = [...leaves(changed)].filter(([path, value]) => leaves(dev).get(path) !== value).map(([path]) => path)
    assert.ok(differing.includes('config.awsMaxAttempts'))
    assert.ok(!allowedDifferences.some(([pattern]) => pattern.test('config.awsMaxAttempts')))
  })

  test('terraform-outputs.json holds exactly what the module hands to the chart (helm_values), for its own environment', async () => {
    const outputs = (await parseHcl('outputs.tf', readFileSync(join(repositoryRoot, 'terraform/modules/user-api/outputs.tf'), 'utf8'))) as {
      output: Record<string, { value: unknown }[]>
    }
    const expected = [...leaves(outputs.output.helm_values![0]!.value).keys()].sort()
    for (const environment of environments) {
      const handOff = readYaml(environmentFile(environment, 'terraform-outputs.json')) as Values
      assert.deepEqual([...leaves(handOff).keys()].sort(), expected, `${environment}: keys of terraform-outputs.json`)
      const config = handOff.config as Record<string, string>
      // Names the module derives from user-api-<environment>: another environment's file copied
      // here would point the pods at that environment's data.
      for (const name of [config.dynamodbTable, config.s3Bucket, (handOff.serviceAccount as Record<string, string>).irsaRoleArn]) {
        assert.match(name ?? '', new RegExp(`user-api-${environment}-`), `${environment}: ${name ?? ''}`)
      }
    }
  })

  for (const environment of ['release', 'prod']) {
    test(`${environment}: ServiceMonitor and PrometheusRule carry the release label Prometheus selects on`, async () => {
      const objects = await renderEnvironment(environment)
      for (const kind of ['ServiceMonitor', 'PrometheusRule']) {
        const [object] = objectsOfKind(objects, kind)
        assert.ok(object, `${environment} renders no ${kind}`)
        assert.equal(object.metadata.labels?.release, 'kube-prometheus-stack', `${kind} of ${environment}`)
      }
    })
  }

  for (const environment of environments) {
    test(`${environment}: pods pull the private GHCR image with the documented pull secret`, async () => {
      const deployment = onlyObjectOfKind(await renderEnvironment(environment), 'Deployment')
      assert.deepEqual(deployment.spec?.template.spec?.imagePullSecrets, [{ name: 'ghcr-pull' }])
    })
  }

  for (const environment of environments) {
    test(`${environment}: once Terraform hands over a token issuer, the pods trust it and mount the cursor secret the values name`, async () => {
      const directory = mkdtempSync(join(tmpdir(), 'terraform-outputs-'))
      try {
        const outputs = JSON.parse(readFileSync(environmentFile(environment, 'terraform-outputs.json'), 'utf8')) as { auth: { oidc: Values } }
        outputs.auth.oidc = { issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE', audience: ['1example23456789abcdefghij'], scopePrefix: 'user-api/' }
        const withIssuer = join(directory, 'terraform-outputs.json')
        writeFileSync(withIssuer, JSON.stringify(outputs))
        const values = environmentFiles.flatMap((file) => ['--values', file === 'terraform-outputs.json' ? withIssuer : environmentFile(environment, file)])
        const result = await helm(['template', 'user-api', '.', '--namespace', `user-api-${environment}`, ...values])
        assert.equal(result.exitCode, 0, result.stderr)
        assert.match(result.stdout, /OIDC_ISSUER: "https:\/\/cognito-idp\.eu-west-1\.amazonaws\.com\/eu-west-1_EXAMPLE"/)
        assert.match(result.stdout, /OIDC_SCOPE_PREFIX: "user-api\/"/)
        assert.match(result.stdout, /secretName: user-api-cursor-secret/)
      } finally {
        rmSync(directory, { recursive: true, force: true })
      }
    })
  }

  test('the pull secret and the alternative (a public package) are documented', () => {
    for (const path of ['charts/user-api/README.md', 'docs/delivery.md']) {
      const text = readFileSync(join(repositoryRoot, path), 'utf8')
      assert.match(text, /ghcr-pull/, path)
      assert.match(text, /Change visibility/, path)
    }
  })
})
