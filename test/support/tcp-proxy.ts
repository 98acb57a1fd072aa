// A TCP proxy on loopback that a test controls, placed between the service and a backend to break
// the network the ways real networks break:
//   pass   forward both ways (optionally failing a fraction of connections or responses)
//   refuse the port is closed: connecting fails with ECONNREFUSED
//   reset  connections are accepted and reset at once (ECONNRESET)
//   stall  connections are accepted and nothing is forwarded in either direction, ever
// Switching mode applies to open connections too, as a real outage would: refuse and reset reset
// them, stall freezes them (and a later pass resumes them, like a network that comes back before
// either side gave up). heal() goes back to a clean pass-through on the same port.
import { connect, createServer, type Server, type Socket } from 'node:net'

export type ProxyMode = 'pass' | 'refuse' | 'reset' | 'stall'

export interface ProxyFaults {
  /** Fraction of new connections reset before a byte is forwarded: the request never arrives. */
  resetConnections?: number
  /** Fraction of backend answers dropped and their connection reset: the request was processed,
   *  the caller never learns it. The worst case for writes. */
  dropResponses?: number
}

export interface ProxyStats {
  connections: number
  resetConnections: number
  droppedResponses: number
  stalledConnections: number
}

interface Connection {
  client: Socket
  upstream: Socket | undefined
  frozen: boolean
  // Bytes that arrived while frozen, delivered if the stall ends, as TCP would retransmit them.
  held: { to: Socket; chunk: Buffer }[]
}

const HOST = '127.0.0.1'

export class TcpProxy {
  private mode: ProxyMode = 'pass'
  private faults: Required<ProxyFaults> = { resetConnections: 0, dropResponses: 0 }
  private readonly connections = new Set<Connection>()
  readonly stats: ProxyStats = { connections: 0, resetConnections: 0, droppedResponses: 0, stalledConnections: 0 }

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private target: { host: string; port: number } | undefined,
    private readonly random: () => number,
  ) {}

  /** The target may be set later (setTarget), for backends whose port is known only afterwards;
   *  until then connections are reset. */
  static async start(options: { target?: string; random?: () => number } = {}): Promise<TcpProxy> {
    const server = createServer()
    await listen(server, 0)
    const { port } = server.address() as { port: number }
    const proxy = new TcpProxy(server, port, options.target === undefined ? undefined : parseTarget(options.target), options.random ?? Math.random)
    server.on('connection', (socket: Socket) => {
      proxy.accept(socket)
    })
    return proxy
  }

  get url(): string {
    return `http://${HOST}:${this.port}`
  }

  setTarget(target: string): void {
    this.target = parseTarget(target)
  }

  setFaults(faults: ProxyFaults): void {
    this.faults = { resetConnections: faults.resetConnections ?? 0, dropResponses: faults.dropResponses ?? 0 }
  }

  async setMode(mode: ProxyMode): Promise<void> {
    const previous = this.mode
    this.mode = mode
    if (mode === 'refuse' || mode === 'reset') {
      for (const connection of this.connections) this.reset(connection)
    }
    if (mode === 'stall') {
      for (const connection of this.connections) connection.frozen = true
    }
    if (mode === 'pass') {
      for (const connection of this.connections) {
        // Accepted during the stall, never connected to the backend: nothing to resume.
        if (connection.upstream === undefined) this.reset(connection)
        else this.thaw(connection)
      }
    }
    if (mode === 'refuse' && previous !== 'refuse') await closeListener(this.server)
    if (mode !== 'refuse' && previous === 'refuse') await listen(this.server, this.port)
  }

  async heal(): Promise<void> {
    this.setFaults({})
    await this.setMode('pass')
  }

  async close(): Promise<void> {
    for (const connection of this.connections) this.reset(connection)
    if (this.server.listening) await closeListener(this.server)
  }

  private accept(client: Socket): void {
    this.stats.connections++
    const connection: Connection = { client, upstream: undefined, frozen: false, held: [] }
    this.connections.add(connection)
    const resetBothSides = () => {
      this.reset(connection)
    }
    client.on('close', () => {
      this.connections.delete(connection)
    })
    client.on('error', resetBothSides)

    if (this.mode === 'reset' || this.target === undefined || this.random() < this.faults.resetConnections) {
      this.stats.resetConnections++
      this.reset(connection)
      return
    }
    if (this.mode === 'stall') {
      this.stats.stalledConnections++
      connection.frozen = true
      return
    }

    const upstream = connect(this.target.port, this.target.host)
    connection.upstream = upstream
    upstream.on('error', resetBothSides)
    client.on('close', () => {
      upstream.destroy()
    })
    // A clean close passes through as a clean close; only errors become resets.
    client.on('end', () => upstream.end())
    upstream.on('end', () => client.end())
    this.pump(connection, client, upstream, false)
    this.pump(connection, upstream, client, true)
  }

  private pump(connection: Connection, from: Socket, to: Socket, isResponse: boolean): void {
    from.on('data', (chunk: Buffer) => {
      if (connection.frozen) {
        connection.held.push({ to, chunk })
        from.pause()
        return
      }
      if (isResponse && this.random() < this.faults.dropResponses) {
        this.stats.droppedResponses++
        this.reset(connection)
        return
      }
      if (!to.write(chunk)) {
        from.pause()
        to.once('drain', () => {
          from.resume()
        })
      }
    })
  }

  private thaw(connection: Connection): void {
    if (!connection.frozen) return
    connection.frozen = false
    for (const { to, chunk } of connection.held.splice(0)) to.write(chunk)
    connection.client.resume()
    connection.upstream?.resume()
  }

  private reset(connection: Connection): void {
    this.connections.delete(connection)
    for (const socket of [connection.client, connection.upstream]) {
      if (socket && !socket.destroyed) socket.resetAndDestroy()
    }
  }
}

export const startTcpProxy = (options?: { target?: string; random?: () => number }) => TcpProxy.start(options)

/** A reproducible stream of numbers in [0, 1) (mulberry32), so a fault pattern can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296
  }
}

function parseTarget(target: string): { host: string; port: number } {
  const url = new URL(target)
  return { host: url.hostname, port: Number(url.port) }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, HOST, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

function closeListener(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve()
    })
  })
}
