// Production entry point: what the container runs. It never starts an emulator and refuses to
// start without its required settings.
import { buildApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config/config.js'
import { installGracefulShutdown } from './lifecycle/graceful-shutdown.js'

function configOrExit(): Config {
  try {
    return loadConfig(process.env)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`user-api cannot start.\n${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
}

const config = configOrExit()
const app = await buildApp(config)
installGracefulShutdown(app, config.shutdown)
process.on('unhandledRejection', (reason) => {
  app.log.error({ err: reason }, 'unhandled promise rejection')
})
await app.listen({ port: config.port, host: config.host })
