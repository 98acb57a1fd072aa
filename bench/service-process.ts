// The service under test runs as its own process, exactly as in production (`node dist/server.js`
// configured by environment variables), so its CPU time and memory are its own and not the load
// generator's. It is compiled into a private folder, so the bench never touches ./dist.
import { spawn, type ChildProcess } from 'node:child_process'
import { copyFile, mkdtemp, rm, symlink } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { readProcessStats } from './process-stats.js'

const READY_TIMEOUT_MS = 30_000
const READY_POLL_MS = 10
const STOP_TIMEOUT_MS = 15_000

export interface BuiltService {
  entry: string
  /** The bare baseline server (bench/baseline-server.ts), compiled the same way. */
  baselineEntry: string
  remove: () => Promise<void>
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] })
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      if (code === 0) resolvePromise()
      else reject(new Error(`${[command, ...args].join(' ')} failed (${signal ?? `exit ${code}`})`))
    })
  })
}

// Compiles src/ with the production tsconfig (and the baseline server) into a temporary folder that borrows the project's
// package.json (for "type": "module" and the version) and node_modules.
export async function buildService(projectRoot: string): Promise<BuiltService> {
  const folder = await mkdtemp(join(tmpdir(), 'user-api-bench-'))
  try {
    const tsc = resolve(projectRoot, 'node_modules/typescript/bin/tsc')
    await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', join(folder, 'dist')], projectRoot)
    await run(process.execPath, [tsc, '-p', 'bench/tsconfig.baseline.json', '--outDir', join(folder, 'baseline')], projectRoot)
    await copyFile(join(projectRoot, 'package.json'), join(folder, 'package.json'))
    await symlink(join(projectRoot, 'node_modules'), join(folder, 'node_modules'), 'dir')
  } catch (error) {
    await rm(folder, { recursive: true, force: true })
    throw error
  }
  return { entry: join(folder, 'dist/server.js'), baselineEntry: join(folder, 'baseline/bench/baseline-server.js'), remove: () => rm(folder, { recursive: true, force: true }) }
}

// Distinct free loopback ports: every listener is open at once, so none is handed out twice.
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer())
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolvePromise, reject) => {
            server.once('error', reject)
            server.listen(0, '127.0.0.1', () => {
              resolvePromise((server.address() as AddressInfo).port)
            })
          }),
      ),
    )
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolvePromise) => server.close(resolvePromise))))
  }
}

export interface RunningService {
  pid: number
  url: string
  startToReadyMs: number
  /** CPU time the process had used when it became ready (null without /proc): moves less than the wall time on a busy machine. */
  startCpuMs: number | null
  // Stops the service the way Kubernetes does (SIGTERM) and reports how it exited.
  stop: () => Promise<string>
  output: () => string
}

export async function startService(entry: string, env: Record<string, string>, nodeOptions: string[] = [], node = process.execPath): Promise<RunningService> {
  const url = `http://127.0.0.1:${env.PORT}`
  const started = performance.now()
  const child = spawn(node, [...nodeOptions, entry], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
    lines.splice(0, Math.max(0, lines.length - 40))
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  let exit: string | undefined
  const exited = new Promise<string>((resolvePromise) => {
    child.once('exit', (code, signal) => {
      exit = signal ? `killed by ${signal}` : `exit ${code}`
      resolvePromise(exit)
    })
  })
  const stop = () => stopChild(child, exited)

  try {
    await waitUntilReady(url, () => exit)
  } catch (error) {
    await stop()
    throw new Error(`${(error as Error).message}\n--- service output ---\n${lines.join('\n')}`, { cause: error })
  }
  const startToReadyMs = performance.now() - started
  const startCpuMs = (await readProcessStats(child.pid!))?.cpuMs ?? null
  return { pid: child.pid!, url, startToReadyMs, startCpuMs, stop, output: () => lines.join('\n') }
}

async function waitUntilReady(url: string, exitStatus: () => string | undefined): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS
  while (performance.now() < deadline) {
    const status = exitStatus()
    if (status) throw new Error(`the service stopped before it was ready (${status})`)
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) })
      await response.arrayBuffer()
      if (response.status === 200) return
    } catch {
      // not listening yet
    }
    await sleep(READY_POLL_MS)
  }
  throw new Error(`the service was not ready within ${READY_TIMEOUT_MS} ms`)
}

async function stopChild(child: ChildProcess, exited: Promise<string>): Promise<string> {
  if (child.exitCode !== null || child.signalCode !== null) return exited
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
  try {
    return await exited
  } finally {
    clearTimeout(timer)
  }
}
