// Every namespace the user-api runs in carries the restricted Pod Security labels: Argo CD creates
// the environments' with them (managedNamespaceMetadata, test/deploy), and the e2e script creates
// its own and Argo CD's through prepare-namespace.sh (run here with a kubectl stand-in that records
// what it is asked), never through `helm --create-namespace`; what the e2e job runs there meets the
// standard.
import assert from 'node:assert/strict'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { parseAllDocuments } from 'yaml'
import { githubDirectory, loadWorkflows, runCommand, shellScripts } from './workflows.js'

const prepareNamespace = join(githubDirectory, 'scripts', 'prepare-namespace.sh')

test('prepare-namespace.sh creates the namespace idempotently and labels it restricted', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'fake-kubectl-'))
  try {
    const log = join(directory, 'calls')
    const applied = join(directory, 'applied')
    // Records each call and its standard input; `create --dry-run` prints a manifest as kubectl does.
    await writeFile(
      join(directory, 'kubectl'),
      `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> "${log}"\nif [[ "$1" == create ]]; then printf 'kind: Namespace\\nmetadata:\\n  name: %s\\n' "$3"; elif [[ "$1" == apply ]]; then cat > "${applied}"; fi\n`,
    )
    await chmod(join(directory, 'kubectl'), 0o755)
    const result = await runCommand(prepareNamespace, ['user-api'], { env: { PATH: `${directory}:${process.env.PATH ?? ''}` } })
    assert.equal(result.exitCode, 0, result.stderr)
    const calls = await readFile(log, 'utf8')
    assert.match(calls, /^create namespace user-api --dry-run=client --output yaml$/m)
    assert.match(calls, /^apply --filename -$/m)
    assert.equal(await readFile(applied, 'utf8'), 'kind: Namespace\nmetadata:\n  name: user-api\n', 'the dry-run manifest is applied, so an existing namespace is kept')
    const label = calls.split('\n').find((line) => line.startsWith('label namespace user-api'))
    assert.ok(label, calls)
    for (const setting of ['--overwrite', 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/audit=restricted', 'pod-security.kubernetes.io/warn=restricted']) {
      assert.ok(label.split(' ').includes(setting), `${setting} missing from: ${label}`)
    }
    assert.notEqual((await runCommand(prepareNamespace, [], { env: { PATH: `${directory}:${process.env.PATH ?? ''}` } })).exitCode, 0, 'a namespace is required')
  } finally {
    await rm(directory, { recursive: true, force: true })
  }
})

test('the pipeline and the e2e script create namespaces only through prepare-namespace.sh, before installing into them', () => {
  const texts = [...loadWorkflows().map((file) => ({ path: file.path, text: file.text })), ...shellScripts().filter((path) => path !== prepareNamespace).map((path) => ({ path, text: readFileSync(path, 'utf8') }))]
  for (const { path, text } of texts) {
    assert.doesNotMatch(text, /--create-namespace/, `${path} lets helm create an unlabelled namespace`)
    assert.doesNotMatch(text, /kubectl create namespace/, `${path} creates a namespace without its Pod Security labels`)
  }
  const e2e = readFileSync(join(githubDirectory, 'e2e', 'run-e2e.sh'), 'utf8')
  assert.ok(e2e.includes('prepare-namespace.sh" "$namespace"') && e2e.indexOf('prepare-namespace.sh') < e2e.indexOf('kubectl --namespace "$namespace" apply'), 'the e2e script prepares its namespace first')
  assert.ok(e2e.includes('prepare-namespace.sh" argocd') && e2e.indexOf('prepare-namespace.sh" argocd') < e2e.indexOf('kubectl apply --namespace argocd'), 'and Argo CD\'s, before installing it')
})

interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type?: string } }
  containers: { name: string; securityContext?: { allowPrivilegeEscalation?: boolean; runAsNonRoot?: boolean; capabilities?: { drop?: string[]; add?: string[] }; privileged?: boolean } | undefined }[]
}

test('the e2e emulators meet the restricted Pod Security Standard of their namespace', () => {
  const directory = join(githubDirectory, 'e2e', 'manifests')
  const pods = readdirSync(directory).flatMap((file) =>
    parseAllDocuments(readFileSync(join(directory, file), 'utf8'))
      .map((document) => document.toJS() as { kind?: string; metadata?: { name?: string }; spec?: { template?: { spec?: PodSpec } } })
      .filter((object) => object.kind === 'Deployment')
      .map((object) => ({ name: `${file}: ${object.metadata?.name ?? ''}`, spec: object.spec!.template!.spec! })),
  )
  assert.ok(pods.length >= 2)
  for (const { name, spec } of pods) {
    const podContext = spec.securityContext ?? {}
    assert.equal(podContext.seccompProfile?.type, 'RuntimeDefault', `${name}: seccompProfile`)
    for (const container of spec.containers) {
      const context = container.securityContext ?? {}
      assert.ok(context.runAsNonRoot === true || podContext.runAsNonRoot === true, `${name}/${container.name}: runAsNonRoot`)
      assert.ok((podContext.runAsUser ?? 0) > 0, `${name}/${container.name}: a numeric non-root user the kubelet can check`)
      assert.equal(context.allowPrivilegeEscalation, false, `${name}/${container.name}: allowPrivilegeEscalation`)
      const capabilities = context.capabilities ?? {}
      assert.deepEqual(capabilities.drop, ['ALL'], `${name}/${container.name}: capabilities.drop`)
      assert.ok(!context.privileged && (capabilities.add ?? []).every((capability) => capability === 'NET_BIND_SERVICE'), `${name}/${container.name}: privileges`)
    }
  }
})
