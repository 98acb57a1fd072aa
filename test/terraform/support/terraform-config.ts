// Loads every Terraform root and module under terraform/ through @cdktf/hcl2json (the HCL parser
// compiled to WASM) and offers the few lookups the policy tests need. hcl2json renders blocks as
// arrays of objects and expressions as "${...}" strings; nothing here evaluates Terraform.
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { parse } from '@cdktf/hcl2json'

export const TERRAFORM_DIR = 'terraform'

export type Body = Record<string, unknown>

export interface Block {
  kind: 'resource' | 'data' | 'variable' | 'output' | 'module' | 'provider' | 'terraform' | 'locals'
  /** Resource or data source type, e.g. aws_s3_bucket. */
  type: string
  name: string
  file: string
  body: Body
}

export interface TerraformModule {
  /** Directory relative to terraform/, e.g. modules/user-api. */
  dir: string
  files: { path: string; text: string }[]
  blocks: Block[]
}

export function isRecord(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Nested blocks come out of hcl2json as arrays of objects. */
export function nestedBlocks(body: Body, name: string): Body[] {
  const value = body[name]
  return Array.isArray(value) ? value.filter(isRecord) : []
}

export function firstBlock(body: Body, name: string): Body {
  const [block] = nestedBlocks(body, name)
  if (!block) throw new Error(`no "${name}" block in ${JSON.stringify(body).slice(0, 200)}`)
  return block
}

export function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

/** Parses HCL text into blocks; exported so tests can check snippets that never touch the disk. */
export async function parseBlocks(file: string, text: string): Promise<Block[]> {
  const parsed: unknown = await parse(file, text)
  if (!isRecord(parsed)) throw new Error(`${file}: unexpected parser output`)
  const blocks: Block[] = []
  for (const kind of ['resource', 'data'] as const) {
    const byType = parsed[kind]
    if (!isRecord(byType)) continue
    for (const [type, byName] of Object.entries(byType)) {
      if (!isRecord(byName)) continue
      for (const [name, bodies] of Object.entries(byName)) {
        for (const body of Array.isArray(bodies) ? bodies.filter(isRecord) : []) blocks.push({ kind, type, name, file, body })
      }
    }
  }
  for (const kind of ['variable', 'output', 'module', 'provider'] as const) {
    const byName = parsed[kind]
    if (!isRecord(byName)) continue
    for (const [name, bodies] of Object.entries(byName)) {
      for (const body of Array.isArray(bodies) ? bodies.filter(isRecord) : []) blocks.push({ kind, type: '', name, file, body })
    }
  }
  for (const kind of ['terraform', 'locals'] as const) {
    const bodies = parsed[kind]
    for (const body of Array.isArray(bodies) ? bodies.filter(isRecord) : []) blocks.push({ kind, type: '', name: '', file, body })
  }
  return blocks
}

// Files terraform/.gitignore keeps out of the repository: a developer's local state, plans and
// account-specific settings legitimately hold account ids, so the scans skip them.
const LOCAL_ONLY = [/^\.terraform$/, /\.tfstate(\..*)?$/, /^(tfplan|.*\.tfplan)$/, /^backend\.hcl$/, /^terraform\.tfvars$/, /\.auto\.tfvars$/, /^crash\.log$/]

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(
    entries
      .filter((entry) => !LOCAL_ONLY.some((pattern) => pattern.test(entry.name)))
      .map(async (entry) => {
        const path = join(dir, entry.name)
        return entry.isDirectory() ? listFiles(path) : [path]
      }),
  )
  return nested.flat().sort()
}

let cached: Promise<TerraformModule[]> | undefined

/** Every directory under terraform/ that holds .tf files, parsed once per test process. */
export function loadModules(): Promise<TerraformModule[]> {
  cached ??= (async () => {
    const byDir = new Map<string, TerraformModule>()
    for (const path of (await listFiles(TERRAFORM_DIR)).filter((file) => file.endsWith('.tf'))) {
      const dir = relative(TERRAFORM_DIR, join(path, '..'))
      const text = await readFile(path, 'utf8')
      const module = byDir.get(dir) ?? { dir, files: [], blocks: [] }
      module.files.push({ path, text })
      module.blocks.push(...(await parseBlocks(path, text)))
      byDir.set(dir, module)
    }
    return [...byDir.values()]
  })()
  return cached
}

/** Every file under terraform/ (docs and examples included), for the secret and account-id scans. */
export async function loadAllFiles(): Promise<{ path: string; text: string }[]> {
  const paths = await listFiles(TERRAFORM_DIR)
  return Promise.all(paths.map(async (path) => ({ path, text: await readFile(path, 'utf8') })))
}

export async function loadModule(dir: string): Promise<TerraformModule> {
  const module = (await loadModules()).find((candidate) => candidate.dir === dir)
  if (!module) throw new Error(`no Terraform module in ${TERRAFORM_DIR}/${dir}`)
  return module
}

export function blocksOf(module: TerraformModule, kind: Block['kind'], type = ''): Block[] {
  return module.blocks.filter((block) => block.kind === kind && block.type === type)
}

export function resourcesOf(module: TerraformModule, type: string): Block[] {
  return blocksOf(module, 'resource', type)
}

/** True when an expression mentions the address, e.g. refersTo("${aws_kms_key.this.arn}", "aws_kms_key.this"). */
export function refersTo(expression: unknown, address: string): boolean {
  return typeof expression === 'string' && new RegExp(`\\$\\{[^}]*\\b${address.replaceAll('.', '\\.')}\\b`).test(expression)
}

/** The one resource of a type whose `bucket` (or other) argument points at the given resource. */
export function companionOf(module: TerraformModule, type: string, owner: Block, argument = 'bucket'): Block[] {
  return resourcesOf(module, type).filter((block) => refersTo(block.body[argument], `${owner.type}.${owner.name}`))
}

function localsOf(module: TerraformModule): Body {
  return Object.assign({}, ...blocksOf(module, 'locals').map((block) => block.body)) as Body
}

/**
 * Substitutes ${local.x} by the text of string local x (repeatedly, for locals built from locals), so
 * policies read as written: "arn:${local.partition}:iam::..." keeps its shape and literal prefixes
 * such as "avatars/" appear in the resources they scope.
 */
export function resolveLocals(module: TerraformModule, expression: string): string {
  const locals = localsOf(module)
  let resolved = expression
  for (let depth = 0; depth < 5; depth++) {
    const next = resolved.replace(/\$\{local\.(\w+)\}/g, (whole, name: string) => {
      const value = locals[name]
      return typeof value === 'string' ? value : whole
    })
    if (next === resolved) break
    resolved = next
  }
  return resolved
}

/** A list argument, expanding a whole-expression reference to a list local ("${local.services}"). */
export function resolveList(module: TerraformModule, value: unknown): string[] {
  const whole = typeof value === 'string' ? /^\$\{local\.(\w+)\}$/.exec(value) : null
  const local = whole ? localsOf(module)[whole[1] ?? ''] : undefined
  return stringList(Array.isArray(local) ? local : value).map((item) => resolveLocals(module, item))
}

export interface Statement {
  sid: string
  effect: 'Allow' | 'Deny'
  actions: string[]
  resources: string[]
  principals: { type: string; identifiers: string[] }[]
  conditions: { test: string; variable: string; values: string[] }[]
}

/** Statements of every aws_iam_policy_document an expression refers to (both sides of a ternary). */
export function policyStatements(module: TerraformModule, expression: unknown): Statement[] {
  const names = typeof expression === 'string' ? [...expression.matchAll(/data\.aws_iam_policy_document\.(\w+)/g)].map((match) => match[1]) : []
  if (names.length === 0) throw new Error(`not a reference to an aws_iam_policy_document: ${String(expression)}`)
  return names.flatMap((name) => {
    const document = blocksOf(module, 'data', 'aws_iam_policy_document').find((block) => block.name === name)
    if (!document) throw new Error(`${module.dir}: no data.aws_iam_policy_document.${String(name)}`)
    return documentStatements(module, document)
  })
}

export function documentStatements(module: TerraformModule, document: Block): Statement[] {
  return nestedBlocks(document.body, 'statement').map((statement) => ({
    sid: typeof statement.sid === 'string' ? statement.sid : '',
    effect: statement.effect === 'Deny' ? 'Deny' : 'Allow',
    actions: stringList(statement.actions),
    resources: stringList(statement.resources).map((resource) => resolveLocals(module, resource)),
    principals: nestedBlocks(statement, 'principals').map((principal) => ({
      type: String(principal.type),
      identifiers: resolveList(module, principal.identifiers),
    })),
    conditions: nestedBlocks(statement, 'condition').map((condition) => ({
      test: String(condition.test),
      variable: resolveLocals(module, String(condition.variable)),
      values: resolveList(module, condition.values),
    })),
  }))
}
