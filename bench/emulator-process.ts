// Starts bench/emulator-main.ts in a child process and waits for its endpoints.
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { EmulatorEndpoints } from './emulator-main.js'

const START_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 10_000

export interface EmulatorProcess extends EmulatorEndpoints {
  pid: number
  stop: () => Promise<void>
}

// Every table gets the service's table definition; the bucket is BENCH_BUCKET.
export async function startEmulatorProcess(tables: string[]): Promise<EmulatorProcess> {
  const child = fork(fileURLToPath(new URL('./emulator-main.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx', '--no-warnings'],
    env: { ...process.env, BENCH_TABLES: tables.join(',') },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    resolve()
  }))
  const stop = () => stopChild(child, exited)
  try {
    const endpoints = await new Promise<EmulatorEndpoints>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`the emulators did not start within ${START_TIMEOUT_MS} ms`))
      }, START_TIMEOUT_MS)
      child.once('message', (message) => {
        clearTimeout(timer)
        resolve(message as EmulatorEndpoints)
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`the emulator process exited during start-up (exit ${code})`))
      })
    })
    return { ...endpoints, pid: child.pid!, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  if (child.connected) child.disconnect()
  else child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
  await exited
  clearTimeout(timer)
}
