#!/usr/bin/env node
// Image listing as a member of shared images (a benchmark, not a test): 100,000 images, of which
// 1,000 are shared with the caller's project (accepted) and 1,000 public; the rest belong to other
// projects. The built API answers GET /v2/images (default listing, first page of 25), GET
// /v2/images?visibility=shared and, as the baseline without memberships, ?visibility=public, under
// wrk with 16 connections (2 workers: one per CPU here). The script prints req/s, latency
// percentiles, and the core-milliseconds each request cost the API and the database server, per
// database, beside the floor (a bare Node.js server answering the same body under the same load); the listing query's own time (in process, no HTTP); checks the first page against the
// seed; and shows the query plan of the listing's SQL (SQLite's EXPLAIN QUERY PLAN, PostgreSQL's
// EXPLAIN ANALYZE). wrk is installed (Debian's package) when missing. Usage:
//   npm run bench:members [-- --images 100000 --shared 1000 --connections 16 --duration 10
//                            --workers 2 --dialects sqlite,postgresql --pool-size N]
// PostgreSQL: a throw-away database on $GLANCE_TEST_POSTGRES_URL's server (tools/ci/postgres.sh).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { option } from './lib/cli.mjs';
import { coreSeconds, median, percentile, processTree } from './lib/proc.mjs';
import { cleanupOnExit, startBenchApi, waitForAnswer } from './lib/run.mjs';
import { requireWrk, runWrk } from './lib/wrk.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(join(root, 'package.json'));
const { openImageDatabase } = require(join(root, 'libs/db/dist/index.js'));
const { createTestPostgresDatabase, explainGenericPlan } = require(
  join(root, 'libs/db/dist/testing/index.js'),
);

const IMAGES = Number(option('images', '100000'));
const SHARED = Number(option('shared', '1000'));
const CONNECTIONS = Number(option('connections', '16'));
const DURATION_S = Number(option('duration', '10'));
const DIALECTS = option('dialects', 'sqlite,postgresql').split(',');
// The service's default on this 2-core box (one worker per CPU).
const WORKERS = Number(option('workers', '2'));
// [database] max_pool_size; unset: the service's default.
const POOL_SIZE = option('pool-size', '');
const PROJECT = 'bench-member';
const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const STEP = Math.floor(IMAGES / SHARED);

requireWrk('members');

const cleanups = [];
cleanupOnExit(() => {
  for (const cleanup of cleanups.reverse()) cleanup();
});

const imageId = (i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

/** Which images the member sees: every STEPth is shared with it (accepted), the one after it public. */
function kindOf(i) {
  if (i % STEP === 0) return 'member';
  if (i % STEP === 1) return 'public';
  return i % 3 === 0 ? 'shared-other' : 'private';
}

/** Rows in batches; `insert(table, columns, rows)` writes one batch. */
async function seed(insert, dialect) {
  const time = (i) =>
    dialect === 'sqlite' ? new Date(T0 + i * 1000).toISOString() : new Date(T0 + i * 1000);
  const bool = (value) => (dialect === 'sqlite' ? Number(value) : value);
  const columns = [
    'id',
    'name',
    'status',
    'visibility',
    'owner',
    'min_disk',
    'min_ram',
    'protected',
    'os_hidden',
  ];
  const imageColumns = [...columns, 'created_at', 'updated_at'];
  for (let start = 0; start < IMAGES; start += 1000) {
    const images = [];
    const members = [];
    for (let i = start; i < Math.min(IMAGES, start + 1000); i++) {
      const kind = kindOf(i);
      const visibility = { member: 'shared', public: 'public', 'shared-other': 'shared', private: 'private' }[
        kind
      ];
      images.push([
        imageId(i),
        `image-${i}`,
        'active',
        visibility,
        `owner-${i % 500}`,
        0,
        0,
        bool(false),
        bool(false),
        time(i),
        time(i),
      ]);
      if (kind === 'member') members.push([imageId(i), PROJECT, 'accepted', time(i), time(i)]);
      // Shared images of others have members too, just not this project.
      if (kind === 'shared-other')
        members.push([imageId(i), `project-${i % 50}`, 'accepted', time(i), time(i)]);
    }
    await insert('images', imageColumns, images);
    if (members.length > 0)
      await insert('image_members', ['image_id', 'member', 'status', 'created_at', 'updated_at'], members);
  }
}

/** The ids of the first page of the member's default listing, newest first. */
function expectedFirstPage() {
  const ids = [];
  for (let i = IMAGES - 1; i >= 0 && ids.length < 25; i--) {
    if (kindOf(i) === 'member' || kindOf(i) === 'public') ids.push(imageId(i));
  }
  return ids;
}

/** The database server's processes (PostgreSQL's backends), whose CPU a listing also costs; none for SQLite. */
function databasePids(dialect) {
  if (dialect === 'sqlite') return [];
  try {
    return execFileSync('pgrep', ['-u', 'postgres'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** wrk's numbers for `path`, plus the core-milliseconds per request of the API and of the database server. */
async function load(base, path, apiPids, dbPids) {
  const before = { api: coreSeconds(apiPids), db: coreSeconds(dbPids) };
  const run = await runWrk(`${base}${path}`, {
    connections: CONNECTIONS,
    seconds: DURATION_S,
    headers: { 'x-auth-token': PROJECT },
  });
  const requests = run.rps * DURATION_S;
  return {
    ...run,
    apiCoreMs: ((coreSeconds(apiPids) - before.api) * 1000) / requests,
    dbCoreMs: ((coreSeconds(dbPids) - before.db) * 1000) / requests,
  };
}

/**
 * The floor: a bare Node.js HTTP server (node:cluster, as many workers as the API) answering every
 * request with the listing's own body, under the same wrk load. What any Node service answering
 * this body costs on this box, and its latencies: the tail a listing cannot go below here.
 */
async function bareNodeFloor(body, port, dir) {
  const program = `
    const cluster = require('node:cluster');
    const body = Buffer.from(process.env.FLOOR_BODY, 'base64');
    if (cluster.isPrimary) {
      for (let i = 0; i < ${WORKERS}; i++) cluster.fork();
      process.on('SIGTERM', () => { for (const w of Object.values(cluster.workers)) w.kill(); process.exit(0); });
    } else {
      require('node:http').createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        res.end(body);
      }).listen(${port}, '127.0.0.1');
    }`;
  // A file, not -e: cluster workers run the primary's script again.
  const script = join(dir, 'floor-server.js');
  writeFileSync(script, program);
  const server = spawn(process.execPath, [script], {
    stdio: 'ignore',
    env: { ...process.env, FLOOR_BODY: body.toString('base64') },
  });
  cleanups.push(() => server.exitCode === null && server.kill('SIGTERM'));
  await waitForAnswer(`http://127.0.0.1:${port}/`, server, 'the floor server');
  const pids = processTree(server.pid);
  const before = coreSeconds(pids);
  const run = await runWrk(`http://127.0.0.1:${port}/`, { connections: CONNECTIONS, seconds: DURATION_S });
  const coreMs = ((coreSeconds(pids) - before) * 1000) / (run.rps * DURATION_S);
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
  return { ...run, apiCoreMs: coreMs, dbCoreMs: 0 };
}

const results = [];
let floor = null;
for (const [index, dialect] of DIALECTS.entries()) {
  const dir = mkdtempSync(join(tmpdir(), 'glance-bench-members-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  let target;
  let dropDatabase = async () => undefined;
  let url = null;
  if (dialect === 'sqlite') {
    target = { dialect, path: join(dir, 'glance.sqlite') };
  } else {
    const database = await createTestPostgresDatabase();
    // At exit only a start (a signal ends the script before an async drop finishes); a run that
    // completes drops it below, after the API has let go of its connections.
    cleanups.push(() => void database.drop());
    dropDatabase = database.drop;
    url = database.url;
    target = { dialect, url };
  }

  // Schema (migrations), the seed through the engine's own driver, then the listing's SQL.
  let listSql = null;
  const db = await openImageDatabase(target, {
    onQuery: (sql, parameters) => {
      if (/from "images"/.test(sql) && /image_members/.test(sql) && listSql === null)
        listSql = { sql, parameters };
    },
  });
  const seedStarted = performance.now();
  let explain;
  let closeSeedConnection;
  if (dialect === 'sqlite') {
    const Database = require('better-sqlite3');
    const raw = new Database(target.path);
    const insert = async (table, columns, rows) => {
      const placeholders = rows.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ');
      raw.prepare(`insert into ${table} (${columns.join(', ')}) values ${placeholders}`).run(...rows.flat());
    };
    raw.exec('begin');
    await seed(insert, dialect);
    raw.exec('commit');
    raw.exec('analyze');
    explain = async ({ sql, parameters }) =>
      raw
        .prepare(`explain query plan ${sql}`)
        .all(...parameters)
        .map((row) => `${'  '.repeat(row.parent === 0 ? 0 : 1)}${row.detail}`)
        .join('\n');
    closeSeedConnection = async () => raw.close();
  } else {
    const { Client } = require('pg');
    const client = new Client({ connectionString: url });
    await client.connect();
    const insert = async (table, columns, rows) => {
      const values = rows.map(
        (row, r) => `(${row.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`,
      );
      await client.query(
        `insert into ${table} (${columns.join(', ')}) values ${values.join(', ')}`,
        rows.flat(),
      );
    };
    await seed(insert, dialect);
    // What autovacuum does within a minute of a bulk load: statistics, and the visibility map that
    // lets the membership index answer without visiting the table.
    await client.query('vacuum analyze');
    // The API runs the default listing with a plan made once per connection (GENERIC_PLAN_HINT in
    // libs/db): explain that plan, whose conditions show parameters, not this run's values.
    explain = ({ sql, parameters }) => explainGenericPlan(client, sql, parameters, { analyze: true });
    cleanups.push(() => void client.end().catch(() => {}));
    closeSeedConnection = () => client.end();
  }
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  await db.images.list({
    scope: { isAdmin: false, projectId: PROJECT },
    filters: { memberStatus: 'accepted' },
    sort: [],
    limit: 25,
  });
  const plan = listSql ? await explain(listSql) : '(no listing query seen)';
  // The query alone: the repository's listing in this process, one at a time.
  const queryTimes = [];
  for (let run = 0; run < 300; run++) {
    const t0 = performance.now();
    await db.images.list({
      scope: { isAdmin: false, projectId: PROJECT },
      filters: { memberStatus: 'accepted' },
      sort: [],
      limit: 25,
    });
    queryTimes.push(performance.now() - t0);
  }
  queryTimes.sort((a, b) => a - b);
  await db.close();
  await closeSeedConnection();

  const port = 19500 + index;
  const api = await startBenchApi(dir, {
    port,
    workers: WORKERS,
    token: PROJECT,
    roles: ['member', 'reader'],
    stores: { local: { type: 'file', options: { filesystem_store_datadir: join(dir, 'data') } } },
    database: url ?? undefined,
    databasePoolSize: POOL_SIZE || undefined,
  });
  cleanups.push(() => api.exitCode === null && api.kill('SIGTERM'));
  const base = `http://127.0.0.1:${port}`;

  const firstBody = Buffer.from(
    await (await fetch(`${base}/v2/images`, { headers: { 'x-auth-token': PROJECT } })).arrayBuffer(),
  );
  const first = JSON.parse(firstBody.toString());
  const got = first.images.map((image) => image.id);
  const expected = expectedFirstPage();
  if (JSON.stringify(got) !== JSON.stringify(expected)) {
    console.error(`${dialect}: the first page is not the seed's: ${got.slice(0, 3).join(', ')}...`);
    process.exit(1);
  }
  await runWrk(`${base}/v2/images`, {
    connections: CONNECTIONS,
    seconds: 3,
    headers: { 'x-auth-token': PROJECT },
  }); // warm-up
  // After the warm-up: the API's pool has opened its PostgreSQL connections (one backend each).
  const apiPids = processTree(api.pid);
  const dbPids = databasePids(dialect);
  const listing = await load(base, '/v2/images', apiPids, dbPids);
  const shared = await load(base, '/v2/images?visibility=shared', apiPids, dbPids);
  const publicOnly = await load(base, '/v2/images?visibility=public', apiPids, dbPids);
  const exited = new Promise((resolve) => api.once('exit', resolve));
  api.kill('SIGTERM');
  await exited;
  await dropDatabase();
  floor ??= await bareNodeFloor(firstBody, 19600, dir);
  const query = { p50: median(queryTimes), p99: percentile(queryTimes, 99) };
  results.push({ dialect, seedSeconds, listing, shared, publicOnly, query, plan });
}

const ms = (value) => value.toFixed(1);
console.log(
  `GET /v2/images as a member of ${SHARED} shared images among ${IMAGES} (plus ${Math.ceil(IMAGES / STEP)} public), ` +
    `${CONNECTIONS} connections, ${DURATION_S} s each, ${WORKERS} API worker(s)` +
    `${POOL_SIZE ? `, max_pool_size ${POOL_SIZE}` : ''}; first page checked against the seed`,
);
console.log(
  'database | query | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | API core-ms/req | database core-ms/req',
);
for (const { dialect, listing, shared, publicOnly } of results) {
  for (const [name, run] of [
    ['default listing', listing],
    ['visibility=shared', shared],
    ['visibility=public (baseline: no memberships)', publicOnly],
  ]) {
    console.log(
      `${dialect} | ${name} | ${run.rps.toFixed(0)} | ${ms(run.p50)} | ${ms(run.p90)} | ${ms(run.p99)} | ` +
        `${ms(run.max)} | ${run.errors} | ${run.apiCoreMs.toFixed(2)} | ${run.dbCoreMs.toFixed(2)}`,
    );
  }
}
if (floor)
  console.log(
    `floor | bare Node.js http, ${WORKERS} workers, the listing's body | ${floor.rps.toFixed(0)} | ${ms(floor.p50)} | ` +
      `${ms(floor.p90)} | ${ms(floor.p99)} | ${ms(floor.max)} | ${floor.errors} | ${floor.apiCoreMs.toFixed(2)} | -`,
  );
for (const { dialect, plan, seedSeconds, query } of results) {
  console.log(
    `\n${dialect} (seeded in ${seedSeconds.toFixed(1)} s): the default listing's query alone, in process: ` +
      `p50 ${ms(query.p50)} ms, p99 ${ms(query.p99)} ms; its plan:\n${plan}`,
  );
}
