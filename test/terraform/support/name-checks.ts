// Offline stand-ins for what `terraform validate` would reject: names that the AWS provider does not
// know (checked against the schema derived by scripts/terraform/derive-aws-provider-schema.ts) and
// module calls that pass variables the module does not declare or read outputs it does not have.
import { readFile } from 'node:fs/promises'
import { join, normalize } from 'node:path'
import type { BlockSchema, ProviderSchema } from '../../../scripts/terraform/derive-aws-provider-schema.js'
import { type Block, type Body, blocksOf, isRecord, type TerraformModule } from './terraform-config.js'

export type { ProviderSchema }

export async function loadProviderSchema(): Promise<ProviderSchema> {
  return JSON.parse(await readFile('test/terraform/aws-provider-schema.json', 'utf8')) as ProviderSchema
}

// Terraform's own meta-arguments, valid on every resource or data source whatever the provider.
const META_ARGUMENTS = {
  resource: ['count', 'for_each', 'depends_on', 'provider', 'lifecycle', 'provisioner', 'connection'],
  data: ['count', 'for_each', 'depends_on', 'provider', 'lifecycle'],
  provider: [],
}

function checkBody(path: string, body: Body, schema: BlockSchema, meta: readonly string[], problems: string[]): void {
  for (const [key, value] of Object.entries(body)) {
    if (meta.includes(key) || schema.arguments.includes(key)) continue
    if (key === 'dynamic' && isRecord(value)) {
      for (const [name, generators] of Object.entries(value)) {
        const nested = schema.blocks?.[name]
        if (!nested) {
          problems.push(`${path}: unknown block "${name}" (dynamic)`)
          continue
        }
        for (const generator of Array.isArray(generators) ? generators.filter(isRecord) : []) {
          const contents = generator.content
          for (const content of Array.isArray(contents) ? contents.filter(isRecord) : []) checkBody(`${path}.${name}`, content, nested, [], problems)
        }
      }
      continue
    }
    const nested = schema.blocks?.[key]
    if (!nested) {
      problems.push(`${path}: unknown argument or block "${key}"`)
      continue
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      if (isRecord(item)) checkBody(`${path}.${key}`, item, nested, [], problems)
    }
  }
}

/** Every resource type, data source type, argument and nested block name the provider does not have. */
export function unknownProviderNames(blocks: Block[], schema: ProviderSchema): string[] {
  const problems: string[] = []
  for (const block of blocks) {
    if (block.kind === 'provider') {
      if (block.name === 'aws') checkBody(`provider.aws`, block.body, schema.provider, META_ARGUMENTS.provider, problems)
      continue
    }
    if (block.kind !== 'resource' && block.kind !== 'data') continue
    const address = `${block.kind === 'data' ? 'data.' : ''}${block.type}.${block.name}`
    const typeSchema = (block.kind === 'resource' ? schema.resources : schema.data_sources)[block.type]
    if (!typeSchema) {
      problems.push(
        `${address}: unknown ${block.kind} type "${block.type}" in ${block.file} (if it is a real ${schema.source} type, re-run scripts/terraform/derive-aws-provider-schema.ts)`,
      )
      continue
    }
    checkBody(address, block.body, typeSchema, META_ARGUMENTS[block.kind], problems)
  }
  return problems
}

const MODULE_META_ARGUMENTS = ['source', 'version', 'providers', 'count', 'for_each', 'depends_on']

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.flatMap(stringsIn)
  return isRecord(value) ? Object.values(value).flatMap(stringsIn) : []
}

/** Module calls whose arguments, required variables or referenced outputs do not match the module. */
export function moduleCallProblems(caller: TerraformModule, modules: TerraformModule[]): string[] {
  const problems: string[] = []
  for (const call of blocksOf(caller, 'module')) {
    const source = call.body.source
    const targetDir = typeof source === 'string' ? normalize(join(caller.dir, source)) : ''
    const target = modules.find((module) => module.dir === targetDir)
    if (!target) {
      problems.push(`${caller.dir}: module "${call.name}" has source ${String(source)}, which is not a module under terraform/`)
      continue
    }
    const variables = blocksOf(target, 'variable')
    const names = new Set(variables.map((variable) => variable.name))
    for (const argument of Object.keys(call.body)) {
      if (!MODULE_META_ARGUMENTS.includes(argument) && !names.has(argument)) problems.push(`${caller.dir}: module "${call.name}" passes "${argument}", which ${target.dir} does not declare`)
    }
    for (const variable of variables) {
      if (!('default' in variable.body) && !(variable.name in call.body)) problems.push(`${caller.dir}: module "${call.name}" does not pass required variable "${variable.name}"`)
    }
    const outputs = new Set(blocksOf(target, 'output').map((output) => output.name))
    const referenced = caller.blocks.flatMap((block) => stringsIn(block.body)).flatMap((text) => [...text.matchAll(new RegExp(`\\bmodule\\.${call.name}\\.(\\w+)`, 'g'))].map((match) => match[1] ?? ''))
    for (const output of new Set(referenced)) {
      if (!outputs.has(output)) problems.push(`${caller.dir}: module.${call.name}.${output} is not an output of ${target.dir}`)
    }
  }
  return problems
}
