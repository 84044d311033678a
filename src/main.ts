import closeWithGrace from 'close-with-grace';
import { startClickstream } from './compose/clickstream.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { createLogger } from './observability/logger.js';

/** The process: read the configuration once, start, and close gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`clickstream: ${error.message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.LOG_LEVEL);
  const clickstream = await startClickstream(config, logger);
  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'fatal error; shutting down');
    else logger.info({ signal }, 'shutting down');
    await clickstream.stop();
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `clickstream failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
