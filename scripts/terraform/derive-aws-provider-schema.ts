// Derives the compact AWS provider schema that test/terraform checks every resource, data source
// and provider block against. No provider can be downloaded where the tests run, but the `.jsii`
// metadata of @cdktf/provider-aws is generated from the provider's own schema: each config struct
// lists the settable arguments (their docs link to the snake_case name) and nested blocks are
// struct types. Only the types used under terraform/ are kept, so the JSON stays small; re-run after
// adding a resource type (the test says so when it meets an unknown one):
//
//   mkdir -p /tmp/aws-provider && cd /tmp/aws-provider && npm pack @cdktf/provider-aws@21.22.1
//   tar -xzf cdktf-provider-aws-21.22.1.tgz package/.jsii
//   cd - && npx tsx scripts/terraform/derive-aws-provider-schema.ts /tmp/aws-provider/package/.jsii
//
// Only the 130 MB `.jsii` is needed (npm pack fetches the 37 MB tarball without its dependencies).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from '@cdktf/hcl2json'

interface JsiiType {
  kind: string
  fqn: string
  base?: string
  datatype?: boolean
  docs?: { summary?: string }
  initializer?: { parameters?: { name: string; type: JsiiTypeReference }[] }
  properties?: { name: string; docs?: { summary?: string; remarks?: string }; type: JsiiTypeReference }[]
}
interface JsiiTypeReference {
  fqn?: string
  primitive?: string
  collection?: { elementtype: JsiiTypeReference }
  union?: { types: JsiiTypeReference[] }
}
export interface BlockSchema {
  arguments: string[]
  blocks?: Record<string, BlockSchema>
}
export interface ProviderSchema {
  source: string
  provider_version: string
  derived_from: string
  provider: BlockSchema
  resources: Record<string, BlockSchema>
  data_sources: Record<string, BlockSchema>
}

const ASSEMBLY = '@cdktf/provider-aws'
const [jsiiPath, terraformDir = 'terraform', outPath = 'test/terraform/aws-provider-schema.json'] = process.argv.slice(2)
if (!jsiiPath) {
  console.error('usage: tsx scripts/terraform/derive-aws-provider-schema.ts <path to .jsii> [terraform dir] [output json]')
  process.exit(2)
}

const assembly = JSON.parse(readFileSync(jsiiPath, 'utf8')) as { name: string; version: string; types: Record<string, JsiiType> }
if (assembly.name !== ASSEMBLY) throw new Error(`${jsiiPath} is ${assembly.name}, not ${ASSEMBLY}`)
const types = assembly.types

// "Docs at Terraform Registry: {@link https://.../resources/s3_bucket#force_destroy S3Bucket#force_destroy}."
function terraformName(docs: { summary?: string; remarks?: string } | undefined): string | undefined {
  const text = `${docs?.summary ?? ''} ${docs?.remarks ?? ''}`
  return /#([a-z0-9_]+)\}/.exec(text)?.[1]
}

function structOf(reference: JsiiTypeReference): JsiiType | undefined {
  if (reference.fqn) {
    const type = types[reference.fqn]
    return type?.kind === 'interface' && type.datatype ? type : undefined
  }
  if (reference.collection) return structOf(reference.collection.elementtype)
  for (const member of reference.union?.types ?? []) {
    const struct = structOf(member)
    if (struct) return struct
  }
  return undefined
}

function blockSchema(struct: JsiiType): BlockSchema {
  const argumentNames: string[] = []
  const blocks: [string, BlockSchema][] = []
  for (const property of struct.properties ?? []) {
    const name = terraformName(property.docs)
    if (!name) throw new Error(`${struct.fqn}.${property.name}: no Terraform name in its docs`)
    const nested = structOf(property.type)
    if (nested) blocks.push([name, blockSchema(nested)])
    else argumentNames.push(name)
  }
  argumentNames.sort()
  blocks.sort(([a], [b]) => a.localeCompare(b))
  return blocks.length > 0 ? { arguments: argumentNames, blocks: Object.fromEntries(blocks) } : { arguments: argumentNames }
}

function configOf(construct: JsiiType): BlockSchema {
  const config = construct.initializer?.parameters?.find((parameter) => parameter.name === 'config')
  const struct = config && structOf(config.type)
  if (!struct) throw new Error(`${construct.fqn}: no config struct`)
  return blockSchema(struct)
}

// "Represents a {@link https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/s3_bucket aws_s3_bucket}."
const constructs = new Map<string, JsiiType>()
let providerVersion = ''
let providerConstruct: JsiiType | undefined
for (const type of Object.values(types)) {
  const link = /hashicorp\/aws\/([0-9.]+)\/docs(?:\/(resources|data-sources)\/\S+)? (aws\w*)\}/.exec(type.docs?.summary ?? '')
  if (type.kind !== 'class' || !link) continue
  const [, version = '', kind, name = ''] = link
  providerVersion = version
  if (type.base === 'cdktf.TerraformProvider') providerConstruct = type
  else if (type.base === 'cdktf.TerraformResource' && kind === 'resources') constructs.set(`resource.${name}`, type)
  else if (type.base === 'cdktf.TerraformDataSource' && kind === 'data-sources') constructs.set(`data.${name}`, type)
}
if (!providerConstruct) throw new Error('no provider construct found')

function tfFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === '.terraform' ? [] : tfFiles(path)
    return entry.name.endsWith('.tf') ? [path] : []
  })
}

const used = { resource: new Set<string>(), data: new Set<string>() }
for (const file of tfFiles(terraformDir)) {
  const parsed = (await parse(file, readFileSync(file, 'utf8'))) as Partial<Record<'resource' | 'data', Record<string, unknown>>>
  for (const kind of ['resource', 'data'] as const) for (const type of Object.keys(parsed[kind] ?? {})) used[kind].add(type)
}

function derive(kind: 'resource' | 'data'): Record<string, BlockSchema> {
  return Object.fromEntries(
    [...used[kind]].sort().map((type) => {
      const construct = constructs.get(`${kind}.${type}`)
      if (!construct) throw new Error(`${kind} "${type}" does not exist in ${ASSEMBLY}@${assembly.version}`)
      return [type, configOf(construct)]
    }),
  )
}

const schema: ProviderSchema = {
  source: 'hashicorp/aws',
  provider_version: providerVersion,
  derived_from: `${ASSEMBLY}@${assembly.version}`,
  provider: configOf(providerConstruct),
  resources: derive('resource'),
  data_sources: derive('data'),
}
// One line per type: small, and a re-derivation shows up in review as a readable diff.
const lines = Object.entries(schema).map(([key, value]) => {
  if (key !== 'resources' && key !== 'data_sources') return `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`
  const types = Object.entries(value as Record<string, BlockSchema>).map(([type, block]) => `    ${JSON.stringify(type)}: ${JSON.stringify(block)}`)
  return `  ${JSON.stringify(key)}: {\n${types.join(',\n')}\n  }`
})
writeFileSync(outPath, `{\n${lines.join(',\n')}\n}\n`)
console.log(`${outPath}: ${Object.keys(schema.resources).length} resources, ${Object.keys(schema.data_sources).length} data sources, provider ${providerVersion}`)
