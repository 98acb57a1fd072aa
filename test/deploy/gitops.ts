// Loads what deploy/ holds (the Argo CD manifests, the admission policy and each environment's
// values) and renders it the way Argo CD would, offline: the ApplicationSet's Go templates and the
// notification templates run through the real Go text/template engine with the Sprig functions,
// which is what the helm binary's `tpl` is, and each environment's values go through the chart with
// the real helm.
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { IAppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject'
import type { IApplication } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application'
import type { IApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet'
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap'
import { parse, parseAllDocuments } from 'yaml'
import { helmBinary, parseManifests, type KubernetesObject } from '../chart/helm.js'

export const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url))
export const deployDirectory = join(repositoryRoot, 'deploy')
export const environments = ['dev', 'release', 'prod'] as const
export type Environment = (typeof environments)[number]

/** The files Argo CD layers over the chart's defaults, in its order (applicationset.yaml). */
export const environmentFiles = ['values.yaml', 'terraform-outputs.json', 'image.yaml'] as const

export const environmentFile = (environment: string, file: string) => join(deployDirectory, 'environments', environment, file)

export function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'))
}

/** Every object of every manifest under deploy/argocd and deploy/policy, with the file it came from. */
export function deployManifests(): { file: string; object: KubernetesObject }[] {
  return ['argocd', 'policy'].flatMap((folder) =>
    readdirSync(join(deployDirectory, folder))
      .filter((name) => name.endsWith('.yaml'))
      .sort()
      .flatMap((name) =>
        parseAllDocuments(readFileSync(join(deployDirectory, folder, name), 'utf8')).map((document) => {
          if (document.errors.length > 0) throw new Error(`deploy/${folder}/${name}: ${document.errors.map(String).join('; ')}`)
          return { file: `deploy/${folder}/${name}`, object: document.toJS() as KubernetesObject }
        }),
      ),
  )
}

export const applicationSet = () => readYaml(join(deployDirectory, 'argocd', 'applicationset.yaml')) as IApplicationSet & KubernetesObject
export const appProject = () => readYaml(join(deployDirectory, 'argocd', 'project.yaml')) as IAppProject & KubernetesObject
export const notifications = () => readYaml(join(deployDirectory, 'argocd', 'notifications.yaml')) as IConfigMap & KubernetesObject

export interface ImagePolicy extends KubernetesObject {
  spec: {
    images: { glob: string }[]
    authorities: { keyless?: { url?: string; identities?: { issuer?: string; subjectRegExp?: string; subject?: string }[] }; ctlog?: { url?: string } }[]
    mode?: string
  }
}
export const imagePolicy = () => readYaml(join(deployDirectory, 'policy', 'cluster-image-policy.yaml')) as ImagePolicy

interface CommandResult {
  exitCode: number
  stdout: string
  stderr: string
}

function run(file: string, args: readonly string[], cwd: string): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ exitCode: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr })
    })
  })
}

/**
 * Renders each Go template with each context through `tpl` in a throw-away chart: the same
 * text/template engine and Sprig functions that Argo CD's ApplicationSet controller and its
 * notifications use. Returns rendered[context][template].
 */
export async function renderGoTemplates(templates: readonly string[], contexts: readonly unknown[]): Promise<string[][]> {
  const chart = await mkdtemp(join(tmpdir(), 'go-templates-'))
  try {
    await mkdir(join(chart, 'templates'))
    await writeFile(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: go-templates\nversion: 0.0.0\n')
    await writeFile(
      join(chart, 'templates', 'rendered.yaml'),
      '{{- $all := list }}{{- range $context := .Values.contexts }}{{- $one := list }}' +
        '{{- range $template := $.Values.templates }}{{- $one = append $one (tpl $template $context) }}{{- end }}' +
        '{{- $all = append $all $one }}{{- end }}\nrendered: {{ $all | toJson }}\n',
    )
    await writeFile(join(chart, 'values.json'), JSON.stringify({ templates, contexts }))
    const result = await run(helmBinary, ['template', 'go-templates', '.', '--values', 'values.json'], chart)
    if (result.exitCode !== 0) throw new Error(`rendering the Go templates failed: ${result.stderr}`)
    return (parse(result.stdout) as { rendered: string[][] }).rendered
  } finally {
    await rm(chart, { recursive: true, force: true })
  }
}

function stringsOf(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') found.push(value)
  else if (Array.isArray(value)) value.forEach((item) => stringsOf(item, found))
  else if (typeof value === 'object' && value !== null) Object.values(value).forEach((item) => stringsOf(item, found))
  return found
}

function replaceStrings(value: unknown, replacement: Map<string, string>): unknown {
  if (typeof value === 'string') return replacement.get(value) ?? value
  if (Array.isArray(value)) return value.map((item) => replaceStrings(item, replacement))
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [replaceStrings(key, replacement) as string, replaceStrings(item, replacement)]))
  }
  return value
}

/** JSON merge of a rendered templatePatch onto an Application (objects merge, everything else replaces). */
function merge(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch
  const base = typeof target === 'object' && target !== null && !Array.isArray(target) ? (target as Record<string, unknown>) : {}
  const merged: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(patch)) merged[key] = merge(base[key], value)
  return merged
}

export interface GeneratedApplication {
  /** The generator element it was made from. */
  element: Record<string, unknown>
  application: IApplication & KubernetesObject
}

/**
 * The Applications the ApplicationSet generates from its list generator: every string of the
 * template rendered per element (as the controller does with goTemplate), then the rendered
 * templatePatch merged in.
 */
export async function generateApplications(set: IApplicationSet = applicationSet()): Promise<GeneratedApplication[]> {
  const elements = set.spec.generators.flatMap((generator) => (generator.list?.elements ?? []) as Record<string, unknown>[])
  if (elements.length === 0) throw new Error('the ApplicationSet has no list generator elements')
  const templates = [...new Set(stringsOf(set.spec.template).filter((text) => text.includes('{{')))]
  const patch = set.spec.templatePatch ?? ''
  const rendered = await renderGoTemplates([...templates, patch], elements)
  return elements.map((element, index) => {
    const strings = rendered[index]!
    const replacement = new Map(templates.map((template, position) => [template, strings[position]!]))
    const application = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      ...(replaceStrings(set.spec.template, replacement) as object),
    }
    const patched = merge(application, parse(strings[templates.length]!) ?? {}) as IApplication & KubernetesObject
    patched.metadata.namespace ??= set.metadata.namespace
    return { element, application: patched }
  })
}

/** The chart rendered with an environment's files from deploy/environments, as Argo CD layers them. */
export async function renderEnvironment(environment: string, namespace = `user-api-${environment}`): Promise<KubernetesObject[]> {
  const values = environmentFiles.flatMap((file) => ['--values', environmentFile(environment, file)])
  const result = await run(helmBinary, ['template', 'user-api', '.', '--namespace', namespace, ...values], join(repositoryRoot, 'charts', 'user-api'))
  if (result.exitCode !== 0) throw new Error(`helm template of ${environment} failed: ${result.stderr}`)
  return parseManifests(result.stdout)
}
