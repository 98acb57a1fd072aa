// CPU time and memory of another process, read from /proc, so the service is measured from the
// outside without any probe inside it. Linux only; elsewhere the figures are reported as missing.
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { promisify } from 'node:util'

export interface ProcessStats {
  cpuMs: number
  rssBytes: number
  peakRssBytes: number
}

let ticksPerSecond: number | undefined

// utime and stime are counted in clock ticks (USER_HZ, 100 on every common Linux build).
async function clockTicksPerSecond(): Promise<number> {
  if (ticksPerSecond === undefined) {
    try {
      const { stdout } = await promisify(execFile)('getconf', ['CLK_TCK'])
      ticksPerSecond = Number(stdout.trim()) || 100
    } catch {
      ticksPerSecond = 100
    }
  }
  return ticksPerSecond
}

function statusField(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)
  return match ? Number(match[1]) * 1024 : Number.NaN
}

export async function readProcessStats(pid: number): Promise<ProcessStats | undefined> {
  if (process.platform !== 'linux') return undefined
  try {
    const [stat, status, ticks] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/status`, 'utf8'),
      clockTicksPerSecond(),
    ])
    // The command name in parentheses may contain spaces; fields are counted after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const utime = Number(fields[11])
    const stime = Number(fields[12])
    return { cpuMs: ((utime + stime) / ticks) * 1000, rssBytes: statusField(status, 'VmRSS'), peakRssBytes: statusField(status, 'VmHWM') }
  } catch {
    return undefined
  }
}

// Resets the peak RSS (VmHWM) to the current RSS, so each scenario reports its own peak.
// Returns false where that is not allowed; the peak then covers the process's whole life.
export async function resetPeakRss(pid: number): Promise<boolean> {
  if (process.platform !== 'linux') return false
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}
