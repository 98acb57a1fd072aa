// Ports for child processes that bind a port we choose for them. A port from `listen(0)` is taken
// from the kernel's ephemeral range, which the kernel keeps handing out to every other listener
// and outgoing connection of the parallel test processes: in the seconds before the child binds,
// the port can be taken (seen in CI: radosgw lost its port during its 20 s start and the probe
// then reached another test's server). Ports below that range are only ever taken on request.
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'

const LOWEST_PORT = 20_000
const FALLBACK_EPHEMERAL_START = 32_768
const ATTEMPTS = 50

/** A loopback port below the ephemeral range that is free right now. */
export async function unassignedPort(): Promise<number> {
  const ephemeralStart = await ephemeralRangeStart()
  const span = Math.max(ephemeralStart - LOWEST_PORT, 1)
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = LOWEST_PORT + Math.floor(Math.random() * span)
    if (await isFree(port)) return port
  }
  throw new Error(`no free port found in ${LOWEST_PORT}-${ephemeralStart - 1} after ${ATTEMPTS} attempts`)
}

async function ephemeralRangeStart(): Promise<number> {
  const range = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '')
  const start = Number.parseInt(range.trim().split(/\s+/)[0] ?? '', 10)
  return Number.isInteger(start) && start > LOWEST_PORT ? start : FALLBACK_EPHEMERAL_START
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => {
      resolve(false)
    })
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(true)
      })
    })
  })
}
