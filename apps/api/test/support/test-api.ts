import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { type GlanceConfig, parseConfig } from '@glance-ts/config';
import { createApp, type GlanceApp } from '../../src/bootstrap';

export const FIXTURES = join(__dirname, '../fixtures');

export interface RunningApi extends GlanceApp {
  url: string;
  port: number;
  logs: string[];
  close(): Promise<void>;
}

/**
 * Starts the real app (real config parsing, policy, auth, Fastify) on a random loopback port.
 * `configText` is glance-api.conf text; `files` are written beside it first (token or policy
 * files the config names by relative path).
 */
export async function startApi(
  configText: string,
  options: { files?: Record<string, string>; watchPolicy?: boolean } = {},
): Promise<RunningApi & { dir: string; config: GlanceConfig }> {
  const dir = mkdtempSync(join(tmpdir(), 'glance-ts-api-'));
  for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), content);
  const configPath = join(dir, 'glance-api.conf');
  writeFileSync(configPath, configText);
  const config = parseConfig(configText, configPath);
  const logs: string[] = [];
  const logDestination = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const glance = await createApp(config, {
    logLevel: 'info',
    logDestination,
    watchPolicy: options.watchPolicy ?? false,
  });
  await glance.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (glance.app.getHttpServer().address() as AddressInfo).port;
  return {
    ...glance,
    dir,
    config,
    logs,
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await glance.app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
