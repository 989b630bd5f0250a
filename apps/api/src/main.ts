// Must stay the first imports: libuv's thread pool is sized before first use, V8's heap growth
// set before the application allocates.
import './thread-pool';
import './gc-settings';
import cluster from 'node:cluster';
import { ConfigError, type GlanceConfig, loadConfig, resolveConfigPath } from '@glance-ts/config';
import { DatabaseError, openImageDatabase } from '@glance-ts/db';
import { PolicyFileError } from '@glance-ts/policy';
import {
  createApp,
  createLogger,
  exitOnUncaughtErrors,
  flushLoggerSync,
  loadPolicyAndAuth,
} from './bootstrap';
import { superviseWorkers } from './workers';

/**
 * `node apps/api/dist/main.js [--config-file PATH]` (or GLANCE_CONFIG_FILE). A configuration error
 * ends the process at start with one line naming the file, section and key. With `[DEFAULT]
 * workers` > 1 this process supervises that many workers sharing the port, as Glance does.
 */
function fail(message: string): never {
  process.stderr.write(`glance-ts: ${message}\n`);
  process.exit(1);
}

function loadValidatedConfig(): GlanceConfig {
  try {
    const config = loadConfig(resolveConfigPath(process.argv.slice(2), process.env));
    if (cluster.isPrimary) void loadPolicyAndAuth(config, createLogger('silent')).strategy.close?.();
    return config;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof PolicyFileError)
      fail(`configuration error: ${error.message}`);
    throw error;
  }
}

async function serve(config: GlanceConfig): Promise<void> {
  const glance = await createApp(config);
  exitOnUncaughtErrors(glance.logger);
  const { bindHost, bindPort } = config.server;
  try {
    await glance.app.listen({ host: bindHost, port: bindPort });
  } catch (error) {
    fail(
      `cannot listen on ${bindHost}:${bindPort}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  glance.logger.info(
    `glance-ts API listening on http://${bindHost}:${bindPort} (config ${config.source.path}, pid ${process.pid})`,
  );
  flushLoggerSync(glance.logger);
}

/**
 * Opens the database once in the primary, applying migrations, so that a bad `[database]
 * connection` stops the service before any worker starts and workers never race to migrate.
 */
async function migrateDatabase(config: GlanceConfig): Promise<void> {
  // One connection is enough to migrate.
  const database = await openImageDatabase(config.database, { poolSize: 1 });
  await database.close();
}

function failOnStartError(error: unknown): never {
  if (error instanceof DatabaseError) fail(`database error: ${error.message}`);
  fail(error instanceof Error ? (error.stack ?? error.message) : String(error));
}

const config = loadValidatedConfig();
if (cluster.isPrimary && config.server.workers > 1) {
  migrateDatabase(config)
    .then(() =>
      superviseWorkers(config, createLogger(config.debug ? 'debug' : 'info', undefined, { sync: true })),
    )
    .catch(failOnStartError);
} else {
  serve(config).catch(failOnStartError);
}
