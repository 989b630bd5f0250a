#!/usr/bin/env node
// Benchmark of GET /v2/info/stores/detail (issue: foundation). Starts the built API with six stores
// (one of each type) and token auth, then drives it with wrk when installed (apt-get install wrk),
// else autocannon, at 16 and 64 connections. Prints req/s and p50/p99 latency. Not a test: numbers
// depend on the machine. Usage: npm run bench [-- --duration 15 --workers 2 --rbd]
//   --workers N  sets [DEFAULT] workers (default: not set, the API's default)
//   --rbd        points the rbd store at a live Ceph cluster (a glance-ts/ceph:test container, memstore,
//                removed at the end), so the detail carries the cluster's fsid; without it the rbd
//                store has no cluster and reports fsid null
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCephContainer } from './lib/ceph-container.mjs';
import { cleanupOnExit } from './lib/run.mjs';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const duration = Number(args[args.indexOf('--duration') + 1] || 15) || 15;
const workersIndex = args.indexOf('--workers');
const workers = workersIndex >= 0 ? Number(args[workersIndex + 1]) : null;
const withRbd = args.includes('--rbd');
const port = 19292;
const dir = mkdtempSync(join(tmpdir(), 'glance-bench-'));

let cephContainer = null;
let api = null;
/** Stops the API, removes the Ceph container (if any) and the temporary directory. */
const cleanup = cleanupOnExit(() => {
  if (api && api.exitCode === null) api.kill('SIGTERM');
  cephContainer?.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** A memstore Ceph cluster with pool images (lib/ceph-container.mjs) and the [fast] store's options for it. */
async function startCeph() {
  const cluster = await startCephContainer({ dir, pools: ['images'], osd: 'memstore' });
  cephContainer = cluster;
  return {
    fsid: cluster.fsid,
    options: `rbd_store_pool = images\nrbd_store_user = admin\nrbd_store_ceph_conf = ${cluster.conf}\nrados_connect_timeout = 30\n`,
  };
}
const ceph = withRbd ? await startCeph() : null;

writeFileSync(
  join(dir, 'tokens.yaml'),
  'tokens:\n  bench-admin:\n    user_id: admin\n    project_id: admin\n    roles: [admin]\n',
);
writeFileSync(
  join(dir, 'glance-api.conf'),
  `[DEFAULT]
bind_host = 127.0.0.1
bind_port = ${port}
${workers === null ? '' : `workers = ${workers}\n`}enabled_backends = fast:rbd, cheap:file, web:http, cinderstore:cinder, objects:swift, s3store:s3
[glance_store]
default_backend = fast
[auth]
strategy = token_file
token_file = tokens.yaml
[fast]
store_description = Fast RBD backend
${ceph?.options ?? ''}[cheap]
store_description = Cheap file backend
filesystem_store_datadir = ${join(dir, 'images')}
[web]
store_description = Read-only HTTP backend
[cinderstore]
store_description = Cinder volume backend
[objects]
store_description = Swift object backend
[s3store]
store_description = S3 object backend
s3_store_host = http://127.0.0.1:9000
s3_store_access_key = a
s3_store_secret_key = s
s3_store_bucket = glance
`,
);

api = spawn(
  process.execPath,
  [join(root, 'apps/api/dist/main.js'), '--config-file', join(dir, 'glance-api.conf')],
  {
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
const url = `http://127.0.0.1:${port}/v2/info/stores/detail`;

async function waitReady() {
  for (let i = 0; i < 300; i++) {
    try {
      const res = await fetch(url, { headers: { 'x-auth-token': 'bench-admin' } });
      // With --rbd, ready once the rbd store has reached the cluster (its fsid is in the detail).
      if (res.status === 200 && (!ceph || (await res.text()).includes(ceph.fsid))) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('API did not start');
}

function runWrk(connections) {
  const out = spawnSync(
    'wrk',
    [
      '-t',
      '1',
      '-c',
      String(connections),
      '-d',
      `${duration}s`,
      '--latency',
      '-H',
      'X-Auth-Token: bench-admin',
      url,
    ],
    { encoding: 'utf8' },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out.stdout)?.[1]);
  const pct = (p) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out.stdout);
    if (!m) return NaN;
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
  };
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out.stdout)?.[1] ?? 0);
  return { tool: 'wrk', rps, p50: pct(50), p99: pct(99), errors: non2xx };
}

async function runAutocannon(connections) {
  const autocannon = createRequire(import.meta.url)('autocannon');
  const result = await autocannon({ url, connections, duration, headers: { 'x-auth-token': 'bench-admin' } });
  return {
    tool: 'autocannon',
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
  };
}

const hasWrk = spawnSync('wrk', ['--version']).error === undefined;
try {
  await waitReady();
  const setup = [
    ceph ? `rbd store on a live Ceph cluster (fsid ${ceph.fsid})` : 'rbd store without a cluster',
    workers === null ? null : `workers=${workers}`,
  ]
    .filter(Boolean)
    .join(', ');
  console.log(`GET /v2/info/stores/detail, six stores (${setup}), token auth, ${duration}s per run`);
  console.log('connections | tool | req/s | p50 ms | p99 ms | errors');
  for (const connections of [16, 64]) {
    const r = hasWrk ? runWrk(connections) : await runAutocannon(connections);
    console.log(
      `${connections} | ${r.tool} | ${Math.round(r.rps)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.errors}`,
    );
  }
} finally {
  api.kill('SIGTERM');
  cleanup();
}
