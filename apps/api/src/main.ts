import { ConfigError, loadConfig, resolveConfigPath } from '@glance-ts/config';
import { PolicyFileError } from '@glance-ts/policy';
import { createApp } from './bootstrap';

/**
 * `node apps/api/dist/main.js [--config-file PATH]` (or GLANCE_CONFIG_FILE). A configuration error
 * ends the process at start with one line naming the file, section and key.
 */
async function main(): Promise<void> {
  let glance;
  try {
    const config = loadConfig(resolveConfigPath(process.argv.slice(2), process.env));
    glance = await createApp(config);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof PolicyFileError) {
      process.stderr.write(`glance-ts: configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const { server } = glance.runtime.config;
  await glance.app.listen({ host: server.bindHost, port: server.bindPort });
  glance.logger.info(
    `glance-ts API listening on http://${server.bindHost}:${server.bindPort} (config ${glance.runtime.config.source.path})`,
  );
}

void main();
