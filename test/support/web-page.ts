// The web page built once per test process into a temporary folder (never into dist/, which
// another test process may be building at the same time), removed when the process exits.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildWebPage, type BuiltPage } from '../../web/build.js'

let built: Promise<BuiltPage> | undefined

export function builtWebPage(): Promise<BuiltPage> {
  if (built === undefined) {
    const directory = mkdtempSync(join(tmpdir(), 'user-api-web-page-'))
    process.once('exit', () => {
      rmSync(directory, { recursive: true, force: true })
    })
    built = buildWebPage(join(directory, 'public'))
  }
  return built
}
