// The web page's build: esbuild bundles web/src/main.ts (with the typed client from client/) and
// the stylesheet, minified, into assets/ named after a hash of their content, then writes
// index.html pointing at them. Hashed names let the service cache assets for a year and still
// reach every browser with a new deployment at once (src/web/page-files.ts).
//   tsx web/build.ts [output folder]      (default: dist/public, where the service looks)
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const webFolder = fileURLToPath(new URL('.', import.meta.url))
export const DEFAULT_OUTPUT = resolve(webFolder, '../dist/public')

export interface BuiltPage {
  directory: string
  /** URL paths of everything written ('/index.html', '/assets/main-<hash>.js', ...). */
  files: string[]
  scriptBytes: number
  scriptGzipBytes: number
  /** Every source file bundled, relative to the repository. */
  inputs: string[]
}

const hashOf = (content: Buffer | string) => createHash('sha256').update(content).digest('hex').slice(0, 10).toUpperCase()

export async function buildWebPage(outputDirectory = DEFAULT_OUTPUT): Promise<BuiltPage> {
  const assets = join(outputDirectory, 'assets')
  rmSync(outputDirectory, { recursive: true, force: true })
  mkdirSync(assets, { recursive: true })
  const result = await build({
    absWorkingDir: webFolder,
    entryPoints: { main: 'src/main.ts', style: 'src/style.css' },
    outdir: assets,
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome111', 'firefox111', 'safari16.4'],
    tsconfig: 'tsconfig.json',
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
  })
  const written = Object.keys(result.metafile.outputs).map((path) => resolve(webFolder, path))
  const script = written.find((path) => path.endsWith('.js'))
  const style = written.find((path) => path.endsWith('.css'))
  if (script === undefined || style === undefined) throw new Error(`esbuild wrote ${written.join(', ')}: no script or stylesheet`)
  const icon = readFileSync(join(webFolder, 'src/icon.svg'))
  const iconName = `icon-${hashOf(icon)}.svg`
  writeFileSync(join(assets, iconName), icon)

  const urlOf = (path: string) => `/assets/${basename(path)}`
  const html = readFileSync(join(webFolder, 'index.html'), 'utf8')
    .replace('%SCRIPT%', urlOf(script))
    .replace('%STYLE%', urlOf(style))
    .replace('%ICON%', `/assets/${iconName}`)
  writeFileSync(join(outputDirectory, 'index.html'), html)
  const scriptContent = readFileSync(script)
  return {
    directory: outputDirectory,
    files: ['/index.html', ...[...written, join(assets, iconName)].map((path) => `/${relative(outputDirectory, path).split('\\').join('/')}`)].sort(),
    scriptBytes: scriptContent.length,
    scriptGzipBytes: gzipSync(scriptContent, { level: 9 }).length,
    inputs: Object.keys(result.metafile.inputs).map((path) => relative(resolve(webFolder, '..'), resolve(webFolder, path))).sort(),
  }
}

const entryPoint = process.argv[1]
if (entryPoint !== undefined && import.meta.url === pathToFileURL(entryPoint).href) {
  const built = await buildWebPage(process.argv[2] === undefined ? DEFAULT_OUTPUT : resolve(process.argv[2]))
  process.stdout.write(`web page built in ${built.directory}: ${built.files.join(', ')}; script ${built.scriptBytes} bytes, ${built.scriptGzipBytes} gzipped\n`)
}
