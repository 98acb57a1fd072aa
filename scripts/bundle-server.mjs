// Part of `npm run build`: replaces dist/server.js, the production entry point, with one file
// holding the service and its dependencies. Node loads ES modules one file at a time (resolve,
// read, parse, link), and the service imports about two thousand of them (typebox alone is 700),
// which took most of its start-up; one bundle starts in about half the time (docs/performance.md).
// The docs (/docs, only with DOCS_ENABLED) become a chunk of their own, loaded when enabled, as
// before. pino stays outside: its transports start worker threads from files next to its own.
// The rest of dist/ (tsc's output) stays for the tools that import modules of the service.
import { build } from 'esbuild'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outdir = process.argv[2] ? resolve(process.argv[2]) : resolve(root, 'dist')

await build({
  entryPoints: { server: resolve(root, 'src/server.ts') },
  outdir,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  sourcemap: true,
  external: ['pino', 'pino-pretty', '@fastify/swagger', '@fastify/swagger-ui'],
  // CommonJS dependencies (the AWS SDK) call require, which ES modules do not have.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  logLevel: 'warning',
})
