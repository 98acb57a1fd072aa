// Production entry point: what the container runs. It never starts an emulator and refuses to
// start without its required settings.
import type { FastifyInstance } from 'fastify'
import { ConfigError, loadConfig, type Config } from './config/config.js'
import { installGracefulShutdown } from './lifecycle/graceful-shutdown.js'
import { PageNotBuiltError } from './web/page-files.js'

function exitWith(message: string): never {
  process.stderr.write(`user-api cannot start.\n${message}\n`)
  process.exit(1)
}

function configOrExit(): Config {
  try {
    return loadConfig(process.env)
  } catch (error) {
    if (error instanceof ConfigError) exitWith(error.message)
    throw error
  }
}

// A port that is taken or not allowed is a configuration problem: one line naming the setting.
async function listenOrExit(server: FastifyInstance, port: number, host: string, variable: string): Promise<void> {
  try {
    await server.listen({ port, host })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE' || code === 'EACCES') exitWith(`${variable}: cannot listen on ${host}:${port} (${code})`)
    if (code === 'EADDRNOTAVAIL') exitWith(`HOST: ${host} is not an address of this machine (${code})`)
    throw error
  }
}

// The app is built by the caller, after tracing has started (see below).
async function appOrExit<App>(build: () => Promise<App>): Promise<App> {
  try {
    return await build()
  } catch (error) {
    if (error instanceof PageNotBuiltError) {
      process.stderr.write(`user-api cannot start: ${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
}

const config = configOrExit()
// Tracing first, and the app only then: the instrumentations patch Fastify, node:http and the AWS
// SDK as they are loaded. With tracing off nothing of OpenTelemetry is loaded at all.
const tracing = config.tracing && (await (await import('./tracing/tracing.js')).startTracing(config.tracing))
const { buildApp } = await import('./app.js')
const app = await appOrExit(() => buildApp(config, tracing ? { tracing } : {}))
app.readiness.checkEarly()
if (tracing) {
  tracing.reportTo(app.log)
  // After the server has closed: the spans of the last requests are exported before the exit.
  app.addHook('onClose', () => tracing.shutdown())
}
installGracefulShutdown(app, config.shutdown)
process.on('unhandledRejection', (reason) => {
  app.log.error({ err: reason }, 'unhandled promise rejection')
})
await listenOrExit(app.metricsServer, config.metricsPort, config.host, 'METRICS_PORT')
await listenOrExit(app, config.port, config.host, 'PORT')
