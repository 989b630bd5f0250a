#!/usr/bin/env node
// Load benchmark (a benchmark, not a test): the built API with N workers on loopback, driven by 64
// connections for 60 s on a mixed workload — list, show, detail, and create → upload (64 KiB) →
// download → delete cycles — as clients of a busy cloud would. Prints req/s, latency p50/p99 per
// kind and overall, and every error (any 5xx, any failed request). Usage:
//   npm run bench:load [-- --duration 60 --connections 64 --workers 2 --postgres postgresql://...]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { option } from './lib/cli.mjs';
import { cleanupOnExit, startBenchApi } from './lib/run.mjs';
import { percentile } from './lib/proc.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { Agent, request } = createRequire(join(root, 'package.json'))('undici');

const duration = Number(option('duration', '60'));
const connections = Number(option('connections', '64'));
const workers = Number(option('workers', '2'));
const database = option('postgres', null);
const port = Number(option('port', '19393'));
const base = `http://127.0.0.1:${port}`;
const TOKEN = 'bench-load';

const dir = mkdtempSync(join(tmpdir(), 'glance-load-'));
let api = null;
cleanupOnExit(() => {
  if (api && api.exitCode === null) api.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

api = await startBenchApi(dir, {
  port,
  workers,
  token: TOKEN,
  roles: ['admin', 'member', 'reader'],
  stores: { local: { type: 'file', options: { filesystem_store_datadir: join(dir, 'data') } } },
  database,
});
const dispatcher = new Agent({ connections, headersTimeout: 30_000, bodyTimeout: 30_000 });
const headers = { 'x-auth-token': TOKEN };

/** Latencies (ms) and errors per request kind. */
const stats = new Map();
const errors = [];
const record = (kind, ms, status) => {
  let entry = stats.get(kind);
  if (!entry) stats.set(kind, (entry = { latencies: [], statuses: new Map() }));
  entry.latencies.push(ms);
  entry.statuses.set(status, (entry.statuses.get(status) ?? 0) + 1);
};

async function call(kind, method, path, { body, contentType, expect } = {}) {
  const started = performance.now();
  try {
    const answer = await request(`${base}${path}`, {
      method,
      headers: contentType ? { ...headers, 'content-type': contentType } : headers,
      body,
      dispatcher,
    });
    const text =
      method === 'GET' && kind === 'download' ? (await answer.body.dump(), '') : await answer.body.text();
    record(kind, performance.now() - started, answer.statusCode);
    if (answer.statusCode !== expect)
      errors.push(`${kind}: ${method} ${path} → ${answer.statusCode} ${text.slice(0, 120)}`);
    return text;
  } catch (error) {
    record(kind, performance.now() - started, 'error');
    errors.push(`${kind}: ${method} ${path} → ${String(error)}`);
    return null;
  }
}

const payload = Buffer.alloc(64 * 1024, 7);
const seeded = [];
for (let i = 0; i < 20; i++) {
  const created = JSON.parse(
    await call('setup', 'POST', '/v2/images', {
      body: JSON.stringify({ name: `seed-${i}`, disk_format: 'raw', container_format: 'bare' }),
      contentType: 'application/json',
      expect: 201,
    }),
  );
  await call('setup', 'PUT', `/v2/images/${created.id}/file`, {
    body: payload,
    contentType: 'application/octet-stream',
    expect: 204,
  });
  seeded.push(created.id);
}
stats.delete('setup');

const deadline = performance.now() + duration * 1000;
let cycle = 0;
async function client(index) {
  while (performance.now() < deadline) {
    const turn = (index + cycle++) % 10;
    if (turn < 4) await call('list', 'GET', '/v2/images?limit=25', { expect: 200 });
    else if (turn < 7)
      await call('show', 'GET', `/v2/images/${seeded[turn % seeded.length]}`, { expect: 200 });
    else if (turn < 8) await call('detail', 'GET', '/v2/info/stores/detail', { expect: 200 });
    else {
      const text = await call('create', 'POST', '/v2/images', {
        body: JSON.stringify({ name: 'cycle', disk_format: 'raw', container_format: 'bare' }),
        contentType: 'application/json',
        expect: 201,
      });
      if (!text) continue;
      const { id } = JSON.parse(text);
      await call('upload', 'PUT', `/v2/images/${id}/file`, {
        body: payload,
        contentType: 'application/octet-stream',
        expect: 204,
      });
      await call('download', 'GET', `/v2/images/${id}/file`, { expect: 200 });
      await call('delete', 'DELETE', `/v2/images/${id}`, { expect: 204 });
    }
  }
}
const started = performance.now();
const progress = setInterval(() => {
  const done = [...stats.values()].reduce((sum, entry) => sum + entry.latencies.length, 0);
  process.stderr.write(
    `load: ${((performance.now() - started) / 1000).toFixed(0)} s, ${done} requests, ${errors.length} errors\n`,
  );
}, 5000);
await Promise.all(Array.from({ length: connections }, (_, index) => client(index)));
const seconds = (performance.now() - started) / 1000;
clearInterval(progress);

const all = [];
console.log(
  `load: ${connections} connections, ${workers} workers, ${database ? 'PostgreSQL' : 'SQLite'}, ${seconds.toFixed(1)} s`,
);
console.log('kind       requests   req/s     p50 ms   p99 ms   statuses');
for (const [kind, { latencies, statuses }] of stats) {
  latencies.sort((a, b) => a - b);
  all.push(...latencies);
  console.log(
    `${kind.padEnd(10)} ${String(latencies.length).padStart(8)} ${(latencies.length / seconds).toFixed(0).padStart(7)} ` +
      `${percentile(latencies, 50).toFixed(1).padStart(9)} ${percentile(latencies, 99).toFixed(1).padStart(8)}   ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
}
all.sort((a, b) => a - b);
console.log(
  `${'all'.padEnd(10)} ${String(all.length).padStart(8)} ${(all.length / seconds).toFixed(0).padStart(7)} ${percentile(all, 50).toFixed(1).padStart(9)} ${percentile(all, 99).toFixed(1).padStart(8)}`,
);
console.log(`errors: ${errors.length}`);
for (const error of errors.slice(0, 20)) console.log(`  ${error}`);
await dispatcher.close();
process.exitCode = errors.length === 0 ? 0 : 1;
