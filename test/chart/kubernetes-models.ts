// Checks rendered objects against the Kubernetes API schemas in two complementary ways:
//  - `validate()` of the kubernetes-models classes: types, enums, formats, required fields and
//    quantities, but it lets unknown fields through;
//  - type-checking every object as a typed object literal against the same package's interfaces
//    with the TypeScript compiler: excess-property checks reject any field the API does not
//    have, at any depth (a misspelt `readOnlyRootFilesytem` would otherwise be silently ignored
//    by the API server). One in-memory program checks all objects at once.
// Custom resources come from the sibling packages @kubernetes-models/prometheus-operator,
// @kubernetes-models/gateway-api and @kubernetes-models/argo-cd (test/deploy), which follow the
// same layout.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describeObject, type KubernetesObject } from './helm.js'

const packageByApiGroup: Record<string, string> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'gateway.networking.k8s.io': '@kubernetes-models/gateway-api',
  'argoproj.io': '@kubernetes-models/argo-cd',
}

/** e.g. apps/v1 Deployment -> kubernetes-models/apps/v1/Deployment; v1 Service -> kubernetes-models/v1/Service */
export function modelModule(object: Pick<KubernetesObject, 'apiVersion' | 'kind'>): string {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion]
  const packageName = (group ? packageByApiGroup[group] : undefined) ?? 'kubernetes-models'
  return [packageName, group, version, object.kind].filter(Boolean).join('/')
}

interface Model {
  validate(): void
}
type ModelClass = new (data: unknown) => Model

/** Errors from kubernetes-models' validate(), one string per failing object. */
export async function validationErrors(objects: readonly KubernetesObject[]): Promise<string[]> {
  const errors: string[] = []
  for (const object of objects) {
    let module: Record<string, unknown>
    try {
      module = (await import(modelModule(object))) as Record<string, unknown>
    } catch (error) {
      errors.push(`${describeObject(object)}: cannot load ${modelModule(object)} (a missing devDependency?): ${String(error)}`)
      continue
    }
    const ModelConstructor = module[object.kind] as ModelClass | undefined
    if (ModelConstructor === undefined) {
      errors.push(`${describeObject(object)}: no model for ${object.apiVersion} ${object.kind}`)
      continue
    }
    try {
      new ModelConstructor(object).validate()
    } catch (error) {
      errors.push(`${describeObject(object)}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  return errors
}

// A file that does not exist on disk: placed in test/chart so that imports resolve against the
// repository's node_modules and package.json ("type": "module").
const virtualFile = join(dirname(fileURLToPath(import.meta.url)), '__rendered-objects__.ts')

const compilerOptions: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  target: ts.ScriptTarget.ES2023,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  types: [],
  lib: ['lib.es2023.d.ts'],
}

let previousProgram: ts.Program | undefined

/** Compiler errors of the objects as typed literals (unknown fields, wrong types, missing fields). */
export function typeErrors(objects: readonly KubernetesObject[]): string[] {
  const imports = new Map<string, string>()
  const declarations = objects.map((object, index) => {
    const module = modelModule(object)
    let alias = imports.get(module)
    if (alias === undefined) {
      alias = `Model${imports.size}`
      imports.set(module, alias)
    }
    // One object per line, so a diagnostic's line number names the object.
    return `export const object${index}: ${alias} = ${JSON.stringify(object)}`
  })
  const importLines = [...imports].map(([module, alias]) => {
    const kind = module.slice(module.lastIndexOf('/') + 1)
    return `import type { I${kind} as ${alias} } from '${module}'`
  })
  const source = [...importLines, ...declarations].join('\n')
  const firstObjectLine = importLines.length

  const host = ts.createCompilerHost(compilerOptions, true)
  const readFile = host.readFile.bind(host)
  const getSourceFile = host.getSourceFile.bind(host)
  host.fileExists = (file) => file === virtualFile || ts.sys.fileExists(file)
  host.readFile = (file) => (file === virtualFile ? source : readFile(file))
  host.getSourceFile = (file, languageVersion, onError, shouldCreate) =>
    file === virtualFile
      ? ts.createSourceFile(file, source, languageVersion, true)
      : getSourceFile(file, languageVersion, onError, shouldCreate)

  // Reusing the previous program skips re-parsing the unchanged model declarations.
  const program = ts.createProgram({ rootNames: [virtualFile], options: compilerOptions, host, oldProgram: previousProgram })
  previousProgram = program
  const sourceFile = program.getSourceFile(virtualFile)!
  return ts.getPreEmitDiagnostics(program, sourceFile).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')
    if (diagnostic.start === undefined) return message
    const line = sourceFile.getLineAndCharacterOfPosition(diagnostic.start).line
    const object = objects[line - firstObjectLine]
    return object === undefined ? message : `${describeObject(object)}: ${message}`
  })
}
