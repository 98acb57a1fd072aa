// The built web page (web/, `npm run build:web`), read into memory once at start-up with its
// compressed forms and validators: a request for it costs a map lookup, no disk, no compression.
// The build names every asset after a hash of its content, so assets may be cached for a year;
// index.html is revalidated on every load, so a deployment reaches browsers at the next reload.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { extname, join, relative, sep } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

export interface PageFile {
  body: Buffer
  gzip: Buffer | undefined
  brotli: Buffer | undefined
  contentType: string
  etag: string
  cacheControl: string
}

export const INDEX_CACHE_CONTROL = 'no-cache'
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable'
/** Where the build puts content-hashed files; nothing else is cached for long. */
export const ASSETS_FOLDER = 'assets'

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
}
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json'])
// Below this, compressed responses save too little to be worth a second variant.
const MIN_COMPRESSIBLE_BYTES = 512

export class PageNotBuiltError extends Error {
  constructor(directory: string) {
    super(`the web page is not built: ${join(directory, 'index.html')} is missing. Run \`npm run build\` (or \`npm run build:web\`), or set WEB_PAGE_ENABLED=false`)
    this.name = 'PageNotBuiltError'
  }
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name)
    return entry.isDirectory() ? filesUnder(path) : entry.isFile() ? [path] : []
  })
}

function smaller(compressed: Buffer, original: Buffer): Buffer | undefined {
  return compressed.length < original.length ? compressed : undefined
}

/** Every file of the built page by URL path ('/index.html', '/assets/main-<hash>.js'). */
export function loadPageFiles(directory: string): ReadonlyMap<string, PageFile> {
  if (!existsSync(join(directory, 'index.html'))) throw new PageNotBuiltError(directory)
  const files = new Map<string, PageFile>()
  for (const path of filesUnder(directory)) {
    const extension = extname(path)
    const contentType = CONTENT_TYPES[extension]
    if (contentType === undefined) continue // e.g. source maps: not served
    const urlPath = `/${relative(directory, path).split(sep).join('/')}`
    const body = readFileSync(path)
    const compressible = COMPRESSIBLE.has(extension) && body.length >= MIN_COMPRESSIBLE_BYTES
    files.set(urlPath, {
      body,
      gzip: compressible ? smaller(gzipSync(body, { level: 9 }), body) : undefined,
      brotli: compressible ? smaller(brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }), body) : undefined,
      contentType,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      cacheControl: urlPath.startsWith(`/${ASSETS_FOLDER}/`) ? ASSET_CACHE_CONTROL : INDEX_CACHE_CONTROL,
    })
  }
  return files
}
