// Runs the real helm binary (scripts/install-tools.sh puts it in .tools/bin) on charts/user-api and
// parses what it renders. Child processes are asynchronous so test files can run side by side.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment'
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress'
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy'
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap'
import type { IPod } from 'kubernetes-models/v1/Pod'
import type { IService } from 'kubernetes-models/v1/Service'
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount'
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import { parseAllDocuments } from 'yaml'

export const chartDirectory = fileURLToPath(new URL('../../charts/user-api', import.meta.url))
export const helmBinary = fileURLToPath(new URL('../../.tools/bin/helm', import.meta.url))

if (!existsSync(helmBinary)) {
  throw new Error(`${helmBinary} is missing: run bash scripts/install-tools.sh`)
}

function environmentValues<Environment extends string>(environment: Environment) {
  return [
    `../../deploy/environments/${environment}/values.yaml`,
    `../../deploy/environments/${environment}/terraform-outputs.json`,
    `../../deploy/environments/${environment}/image.yaml`,
  ] as const
}

/** The value sets (paths relative to charts/user-api), by name; `default` renders values.yaml alone. */
export const valueSets = {
  default: [],
  production: ['ci/production-values.yaml'],
  irsa: ['ci/irsa-values.yaml'],
  existingSecret: ['ci/existing-secret-values.yaml'],
  ingressTls: ['ci/ingress-tls-values.yaml'],
  albWaf: ['ci/alb-waf-values.yaml'],
  gateway: ['ci/gateway-values.yaml'],
  monitoring: ['ci/monitoring-values.yaml'],
  autoscalingOff: ['ci/autoscaling-off-values.yaml'],
  devSecret: ['ci/dev-secret-values.yaml'],
  bearerTokens: ['ci/bearer-tokens-values.yaml'],
  // The values the pipeline's end-to-end job on kind installs with.
  kindEndToEnd: ['../../.github/e2e/values-e2e.yaml'],
  // What Argo CD renders for each environment: its files in deploy/environments, in the order of
  // deploy/argocd/applicationset.yaml (test/deploy checks that order against the ApplicationSet).
  environmentDev: environmentValues('dev'),
  environmentRelease: environmentValues('release'),
  environmentProd: environmentValues('prod'),
  secretExample: ['values-secret.example.yaml'],
} as const satisfies Record<string, readonly string[]>

export type ValueSetName = keyof typeof valueSets

export interface KubernetesObject {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
  [field: string]: unknown
}

export interface HelmResult {
  exitCode: number
  stdout: string
  stderr: string
}

export function helm(args: readonly string[]): Promise<HelmResult> {
  return new Promise((resolve) => {
    execFile(helmBinary, args, { cwd: chartDirectory, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      const exitCode = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
      resolve({ exitCode, stdout, stderr })
    })
  })
}

/** Chart arguments for a value set plus extra flags such as `--set key=value`. */
export function valueArguments(valueSet: ValueSetName, extra: readonly string[] = []): string[] {
  return [...valueSets[valueSet].flatMap((file) => ['--values', file]), ...extra]
}

/** `helm template` output as objects, test hooks included; throws with helm's message on failure. */
export async function render(valueSet: ValueSetName = 'default', extra: readonly string[] = []): Promise<KubernetesObject[]> {
  const result = await helm(['template', 'user-api', '.', '--namespace', 'apps', ...valueArguments(valueSet, extra)])
  if (result.exitCode !== 0) throw new Error(`helm template failed: ${result.stderr}`)
  return parseManifests(result.stdout)
}

export function parseManifests(text: string): KubernetesObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`rendered YAML does not parse: ${document.errors.map(String).join('; ')}`)
      return document.toJS() as unknown
    })
    .filter((object): object is KubernetesObject => object !== null && typeof object === 'object')
}

/** Model interfaces for the kinds the tests read field by field (validated elsewhere). */
interface TypedKinds {
  ConfigMap: IConfigMap
  Deployment: IDeployment
  HorizontalPodAutoscaler: IHorizontalPodAutoscaler
  Ingress: IIngress
  NetworkPolicy: INetworkPolicy
  PodDisruptionBudget: IPodDisruptionBudget
  Pod: IPod
  Service: IService
  ServiceAccount: IServiceAccount
}
type ObjectOfKind<Kind extends string> = Kind extends keyof TypedKinds ? TypedKinds[Kind] : KubernetesObject

export function objectsOfKind<Kind extends string>(objects: readonly KubernetesObject[], kind: Kind): ObjectOfKind<Kind>[] {
  return objects.filter((object) => object.kind === kind) as ObjectOfKind<Kind>[]
}

export function onlyObjectOfKind<Kind extends string>(objects: readonly KubernetesObject[], kind: Kind): ObjectOfKind<Kind> {
  const matches = objectsOfKind(objects, kind)
  if (matches.length !== 1) throw new Error(`expected exactly one ${kind}, found ${matches.length}`)
  return matches[0]!
}

export const describeObject = (object: KubernetesObject) => `${object.kind}/${object.metadata.name}`
