// Renders the inputs and outputs tables of a Terraform module's README from its variables.tf and
// outputs.tf, between the BEGIN_TF_DOCS / END_TF_DOCS markers (terraform-docs is not available
// offline). test/terraform checks that every README is up to date; to refresh them:
//   npx tsx scripts/terraform/module-docs.ts
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parse } from '@cdktf/hcl2json'

/** Module directory and the README that documents it (the environments share one README). */
export const DOCUMENTED_MODULES = [
  { dir: 'terraform/bootstrap', readme: 'terraform/bootstrap/README.md' },
  { dir: 'terraform/modules/user-api', readme: 'terraform/modules/user-api/README.md' },
  { dir: 'terraform/modules/github-actions-roles', readme: 'terraform/modules/github-actions-roles/README.md' },
  { dir: 'terraform/environments/dev', readme: 'terraform/environments/README.md' },
]

export const BEGIN = '<!-- BEGIN_TF_DOCS -->'
export const END = '<!-- END_TF_DOCS -->'

type Declarations = Record<string, Record<string, unknown>[]>

async function declarations(file: string, kind: 'variable' | 'output'): Promise<[string, Record<string, unknown>][]> {
  const parsed = (await parse(file, await readFile(file, 'utf8'))) as Partial<Record<typeof kind, Declarations>>
  return Object.entries(parsed[kind] ?? {}).flatMap(([name, bodies]) => bodies.slice(0, 1).map((body): [string, Record<string, unknown>] => [name, body]))
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ')
const expression = (value: unknown) => (typeof value === 'string' ? value.replace(/^\$\{([\s\S]*)\}$/, '$1') : JSON.stringify(value))

export async function renderModuleDocs(dir: string): Promise<string> {
  const inputs = (await declarations(join(dir, 'variables.tf'), 'variable')).map(([name, body]) => {
    const fallback = 'default' in body ? `\`${body.default === null ? 'null' : JSON.stringify(body.default)}\`` : 'required'
    return `| \`${name}\` | \`${cell(expression(body.type))}\` | ${cell(fallback)} | ${cell(String(body.description))} |`
  })
  const outputs = (await declarations(join(dir, 'outputs.tf'), 'output')).map(([name, body]) => `| \`${name}\` | ${cell(String(body.description))} |`)
  return [
    BEGIN,
    '## Inputs',
    '',
    '| Name | Type | Default | Description |',
    '| --- | --- | --- | --- |',
    ...inputs,
    '',
    '## Outputs',
    '',
    '| Name | Description |',
    '| --- | --- |',
    ...outputs,
    END,
  ].join('\n')
}

/** The README with its generated section replaced by a fresh rendering. */
export async function refreshedReadme(dir: string, readme: string): Promise<{ current: string; refreshed: string }> {
  const current = await readFile(readme, 'utf8')
  const start = current.indexOf(BEGIN)
  const end = current.indexOf(END)
  if (start < 0 || end < start) throw new Error(`${readme} has no ${BEGIN} ... ${END} section`)
  return { current, refreshed: current.slice(0, start) + (await renderModuleDocs(dir)) + current.slice(end + END.length) }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const { dir, readme } of DOCUMENTED_MODULES) {
    const { current, refreshed } = await refreshedReadme(dir, readme)
    if (refreshed !== current) await writeFile(readme, refreshed)
    console.log(`${readme}: ${refreshed === current ? 'up to date' : 'updated'}`)
  }
}
