// A throw-away single-node Ceph cluster (1 mon, 1 in-memory OSD, 1 radosgw) for the S3 contract
// suite: unlike s3rver, radosgw really checks SigV4 signatures, POST policies and SSE-KMS, so it
// can prove what S3 itself enforces. Everything lives under one temp folder and only loopback
// ports are used. Install: bash scripts/ci/install-radosgw.sh (Debian's ceph-mon, ceph-osd, radosgw).
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { unassignedPort } from './ports.js'
import { SYSTEM_TOOLS, onPath } from './system-tools.js'

const run = promisify(execFile)

const START_TIMEOUT_MS = 60_000
const START_ATTEMPTS = 2
const COMMAND_TIMEOUT_MS = 20_000
const STOP_GRACE_MS = 2_000
const LOG_TAIL_LINES = 25

export interface RadosgwHandle {
  endpoint: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  kmsKeyId: string
  /** Milliseconds from the call to radosgw answering, for reports. */
  startupMs: number
  stop(): Promise<void>
}

/** Resolves to undefined when Ceph is not installed (see system-tools.ts for the skip). */
export async function startRadosgw(): Promise<RadosgwHandle | undefined> {
  if (SYSTEM_TOOLS.radosgw.programs.some((program) => onPath(program) === undefined)) return undefined
  const startedAt = Date.now()
  // A second, fresh cluster if the first fails to start: on a loaded 2-core CI machine a daemon
  // can time out once; a real fault fails twice and is reported with the second cluster's logs.
  for (let attempt = 1; ; attempt++) {
    const cluster = new Cluster(await mkdtemp(join(tmpdir(), 'radosgw-')))
    try {
      return { ...(await cluster.start()), startupMs: Date.now() - startedAt, stop: () => cluster.stop() }
    } catch (error) {
      await cluster.stop()
      if (attempt >= START_ATTEMPTS) throw error
      process.stderr.write(`radosgw did not start (attempt ${attempt}), retrying: ${(error as Error).message.split('\n')[0]}\n`)
    }
  }
}

class Cluster {
  private readonly daemons: Daemon[] = []
  private readonly killOnExit = (): void => {
    for (const { child } of this.daemons) child.kill('SIGKILL')
  }
  private readonly config: string

  constructor(private readonly dir: string) {
    this.config = join(dir, 'ceph.conf')
    // A crashed or cancelled test run must not leave daemons behind.
    process.once('exit', this.killOnExit)
  }

  async start(): Promise<Omit<RadosgwHandle, 'startupMs' | 'stop'>> {
    const { dir } = this
    const monPort = await unassignedPort()
    let rgwPort = await unassignedPort()
    while (rgwPort === monPort) rgwPort = await unassignedPort()
    const kmsKeyId = `contract-${randomBytes(6).toString('hex')}`
    const fsid = randomUUID()
    await Promise.all(['mon', 'osd', 'rgw', 'run', 'log', 'crash'].map((name) => mkdir(join(dir, name))))
    await writeFile(this.config, cephConfig({ dir, fsid, monPort, rgwPort, kmsKeyId, kmsKey: randomBytes(32) }))

    await this.command('monmaptool', ['--create', '--addv', 'a', `[v1:127.0.0.1:${monPort}]`, '--fsid', fsid, join(dir, 'monmap')])
    await this.command('ceph-mon', ['-c', this.config, '--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap')])
    await this.daemon('mon', 'ceph-mon', ['-i', 'a'])
    // `osd create` also waits for the monitor to form a quorum. The OSD is placed in the CRUSH map
    // here rather than by itself at boot: its own request sometimes races its first monitor map
    // and is refused with "wrong fsid", which stops the OSD.
    await this.command('ceph', ['-c', this.config, '--connect-timeout', '15', 'osd', 'create'], 'mon')
    await this.command('ceph', ['-c', this.config, 'osd', 'crush', 'add', 'osd.0', '1', 'root=default'], 'mon')
    await this.command('ceph-osd', ['-c', this.config, '-i', '0', '--mkfs'], 'osd')
    await this.daemon('osd', 'ceph-osd', ['-i', '0'])
    // radosgw blocks until it can create its pools, which needs the OSD up: start both together.
    await this.daemon('rgw', 'radosgw', ['-n', 'client.rgw'])

    const deadline = Date.now() + START_TIMEOUT_MS
    await this.waitFor('the OSD to come up', 'osd', deadline, () => this.osdUp())
    const endpoint = `http://127.0.0.1:${rgwPort}`
    await this.waitFor(`radosgw to answer on ${endpoint}`, 'rgw', deadline, () => answers(endpoint))

    const accessKeyId = `CONTRACT${randomBytes(6).toString('hex').toUpperCase()}`
    const secretAccessKey = randomBytes(30).toString('base64url')
    await this.command('radosgw-admin', [
      '-c', this.config, 'user', 'create', '--uid=contract', '--display-name=contract',
      `--access-key=${accessKeyId}`, `--secret=${secretAccessKey}`,
    ], 'rgw')
    return { endpoint, region: 'us-east-1', accessKeyId, secretAccessKey, kmsKeyId }
  }

  async stop(): Promise<void> {
    // The OSD tells the monitor it is going down and waits for an answer, so the monitor goes last.
    const clients = this.daemons.filter(({ name }) => name !== 'mon')
    await stopProcesses(clients)
    await stopProcesses(this.daemons.filter(({ name }) => name === 'mon'))
    process.removeListener('exit', this.killOnExit)
    await rm(this.dir, { recursive: true, force: true })
  }

  private async daemon(name: string, program: string, args: string[]): Promise<void> {
    const output = await open(join(this.dir, 'log', `${name}.out`), 'w')
    // -f keeps the daemon in the foreground, so the PID spawned is the PID to stop.
    const child = spawn(program, ['-c', this.config, '-f', ...args], {
      stdio: ['ignore', output.fd, output.fd],
      env: cephEnvironment(),
    })
    const daemon: Daemon = { name, child, exitStatus: undefined, exited: Promise.resolve() }
    daemon.exited = new Promise<void>((resolve) => {
      child.once('error', (error) => {
        daemon.exitStatus = error.message
        resolve()
      })
      child.once('close', (code, signal) => {
        daemon.exitStatus ??= String(code ?? signal)
        resolve()
      })
    })
    await output.close()
    this.daemons.push(daemon)
  }

  private async command(program: string, args: string[], logOf?: string): Promise<string> {
    try {
      const { stdout } = await run(program, args, { timeout: COMMAND_TIMEOUT_MS, env: cephEnvironment() })
      return stdout
    } catch (error) {
      const { stderr = '', message } = error as { stderr?: string; message: string }
      const logs = logOf ? await this.logTail(logOf) : ''
      throw new Error(`${program} ${args.join(' ')} failed: ${message}\n${stderr}${logs}`, { cause: error })
    }
  }

  private async osdUp(): Promise<boolean> {
    const stat = JSON.parse(await this.command('ceph', ['-c', this.config, 'osd', 'stat', '-f', 'json'], 'osd')) as {
      num_up_osds?: number
    }
    return (stat.num_up_osds ?? 0) >= 1
  }

  private async waitFor(what: string, logOf: string, deadline: number, ready: () => Promise<boolean>): Promise<void> {
    for (;;) {
      const dead = this.daemons.find(({ exitStatus }) => exitStatus !== undefined)
      if (dead) {
        throw new Error(`ceph ${dead.name} exited (${dead.exitStatus}) while waiting for ${what}${await this.logTail(dead.name)}`)
      }
      if (await ready().catch(() => false)) return
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${await this.logTail(logOf)}`)
      await sleep(250)
    }
  }

  private async logTail(name: string): Promise<string> {
    const files = { mon: ['ceph-mon.a.log', 'mon.out'], osd: ['ceph-osd.0.log', 'osd.out'], rgw: ['ceph-client.rgw.log', 'rgw.out'] }[name] ?? []
    const tails = await Promise.all(
      files.map(async (file) => {
        const text = await readFile(join(this.dir, 'log', file), 'utf8').catch(() => '')
        const lines = text.split('\n').filter((line) => line.trim() !== '').slice(-LOG_TAIL_LINES)
        return lines.length > 0 ? `\n--- last lines of ${file} ---\n${lines.join('\n')}` : ''
      }),
    )
    return tails.join('')
  }
}

interface Daemon {
  name: string
  child: ChildProcess
  /** Exit code, signal or spawn error once the process is gone. */
  exitStatus: string | undefined
  exited: Promise<void>
}

// The data is in memory and thrown away, so a slow shutdown is cut short with SIGKILL.
async function stopProcesses(daemons: Daemon[]): Promise<void> {
  const running = daemons.filter(({ exitStatus }) => exitStatus === undefined)
  for (const { child } of running) child.kill('SIGTERM')
  const allExited = Promise.all(running.map(({ exited }) => exited)).then(() => true)
  // Unreferenced timers, so a finished stop does not keep the test process alive.
  if (await Promise.race([allExited, sleep(STOP_GRACE_MS, false, { ref: false })])) return
  for (const { child, exitStatus } of running) if (exitStatus === undefined) child.kill('SIGKILL')
  await Promise.race([allExited, sleep(STOP_GRACE_MS, false, { ref: false })])
}

interface ConfigValues {
  dir: string
  fsid: string
  monPort: number
  rgwPort: number
  kmsKeyId: string
  kmsKey: Buffer
}

// One node, no authentication between daemons, no replication, msgr v1 only, and every path the
// daemons would write to by default (/var/lib/ceph, /var/log/ceph, /run/ceph) moved into `dir`.
// The short paxos interval makes pool creation, most of radosgw's first start, several times faster.
function cephConfig({ dir, fsid, monPort, rgwPort, kmsKeyId, kmsKey }: ConfigValues): string {
  return `[global]
fsid = ${fsid}
mon_host = v1:127.0.0.1:${monPort}
public_addr = 127.0.0.1
ms_bind_msgr2 = false
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_data_avail_crit = 0
mon_data_avail_warn = 0
paxos_propose_interval = 0.05
run_dir = ${dir}/run
crash_dir = ${dir}/crash
admin_socket = ${dir}/run/$cluster-$name.asok
pid_file = ${dir}/run/$cluster-$name.pid
log_file = ${dir}/log/$cluster-$name.log
mon_cluster_log_file = default=${dir}/log/$cluster.$channel.log cluster=${dir}/log/$cluster.log
keyring = ${dir}/keyring

[mon.a]
mon_data = ${dir}/mon

[osd.0]
osd_data = ${dir}/osd
osd_objectstore = memstore
osd_crush_update_on_start = false
osd_class_update_on_start = false
osd_op_num_shards = 1
osd_op_num_threads_per_shard = 2

[client.rgw]
rgw_data = ${dir}/rgw
rgw_frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw_thread_pool_size = 16
rgw_enable_gc_threads = false
rgw_enable_lc_threads = false
rgw_dynamic_resharding = false
rgw_crypt_require_ssl = false
rgw_crypt_s3_kms_backend = testing
rgw_crypt_s3_kms_encryption_keys = ${kmsKeyId}=${kmsKey.toString('base64')}
`
}

// CEPH_ARGS or CEPH_CONF from the caller's shell would silently change what the tools talk to.
function cephEnvironment(): NodeJS.ProcessEnv {
  const environment = { ...process.env }
  delete environment.CEPH_ARGS
  delete environment.CEPH_CONF
  return environment
}

// Anonymous GET / on radosgw lists the (no) buckets of user "anonymous". Checking the body, not
// just the status, makes sure it is our radosgw that answers and not whatever holds the port.
async function answers(endpoint: string): Promise<boolean> {
  const response = await fetch(endpoint, { signal: AbortSignal.timeout(2_000) })
  const body = await response.text()
  return response.status === 200 && body.includes('<ListAllMyBucketsResult')
}
