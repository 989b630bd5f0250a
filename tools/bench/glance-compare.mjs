#!/usr/bin/env node
// glance-ts beside Glance 25 on the image data path (issue: the data path at the hardware's limit).
// Starts Debian's glance-api (installed with apt-get when missing; a paste pipeline without auth,
// one file store, SQLite) and glance-ts (token auth, one file store, SQLite) on loopback with the
// same worker count, and alternates them: uploads and downloads with curl, 1 × size and 4 × size/4
// at once, and (unless --quick) a 4 GiB upload and download for memory. Per operation: wall time,
// server core-seconds (user + system of the primary and its workers, from /proc) and the serving
// workers' RSS growth; the floor in the same run: `cat` (read), `cp` (copy), `openssl dgst` (md5,
// sha512). Every upload is verified: both services must report the md5 and sha512 of the data.
// With --store rbd both write into pools of a Ceph cluster in a Docker container (the
// glance-ts/ceph:test image of tools/ceph/build.sh; one mon, one BlueStore OSD) instead, and the floor
// is `rbd import` / `rbd export` of the same file. The cluster's own CPU is not counted: it is the
// same work for both. Not a test: numbers depend on the machine. Usage:
//   npm run bench:glance [-- --size 1G --runs 3 --workers 2 --quick --unprimed --store file|rbd]
// Before every measured write (each upload, the floor's cp) the script syncs, so that no write
// waits for the last one's writeback, and writes and deletes as many bytes in a scratch file, so
// that every write lands in page-cache pages freed a moment before (see settleBeforeWrite);
// --unprimed leaves that out.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCephContainer } from './lib/ceph-container.mjs';
import { flag, installWhenMissing, option, parseSize, requireCommands } from './lib/cli.mjs';
import { coreSeconds, processTree, rssMiB, stats } from './lib/proc.mjs';
import {
  cleanupOnExit,
  settleBeforeWrite as settleWrite,
  startBenchApi,
  waitForAnswer,
  writeRandomFile,
} from './lib/run.mjs';

const size = parseSize(option('size', '1G'));
const runs = Number(option('runs', '3'));
const workers = Number(option('workers', '2'));
const big = flag('quick') ? 0 : parseSize(option('big', '4G'));
const primed = !flag('unprimed');
const store = option('store', 'file');
if (!['file', 'rbd'].includes(store)) throw new Error(`--store must be file or rbd, not ${store}`);

requireCommands('glance', [
  ['curl', 'apt-get install -y curl'],
  ...(store === 'rbd'
    ? [
        ['rbd', 'apt-get install -y ceph-common'],
        ['docker', 'tools/ci/docker.sh'],
      ]
    : []),
]);
if (spawnSync('openssl', ['version']).status !== 0) {
  console.error('glance bench: openssl is required (apt-get install -y openssl)');
  process.exit(1);
}
installWhenMissing('glance', 'glance-api', 'glance-api', 'glance-api (Glance 25)');

const dir = mkdtempSync(join(tmpdir(), 'glance-bench-compare-'));
const servers = [];
let cluster = null;
cleanupOnExit(() => {
  for (const server of servers) if (server.process.exitCode === null) server.process.kill('SIGTERM');
  cluster?.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** Each service's pool, and the floor's. */
const POOLS = { ts: 'images-ts', glance: 'images-glance', floor: 'images-floor' };
/** rbd_store_chunk_size of both stores (Glance's default, 8 MiB), and the floor's object size. */
const RBD_CHUNK_MIB = 8;

/** Runs a command; resolves with its exit code and output (async: several run at once). */
function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')}: ${stderr}`)),
    );
  });
}

/** Wall seconds, server core-seconds and the largest worker RSS growth of `work` on `server`. */
async function measure(server, work) {
  const pids = processTree(server.process.pid);
  const workerPids = pids.slice(1);
  const rssBefore = workerPids.map(rssMiB);
  const csBefore = coreSeconds(pids);
  const gcBefore = server.process.markCompacts;
  const started = process.hrtime.bigint();
  await work();
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const cs = coreSeconds(pids) - csBefore;
  const rssGrowth = Math.max(0, ...workerPids.map((pid, i) => rssMiB(pid) - rssBefore[i]));
  const markCompacts = gcBefore === undefined ? undefined : server.process.markCompacts - gcBefore;
  return { wall, cs, rssGrowth, markCompacts };
}

async function createImage(server, name) {
  const response = await fetch(`${server.url}/v2/images`, {
    method: 'POST',
    headers: { ...server.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ name, disk_format: 'raw', container_format: 'bare' }),
  });
  if (response.status !== 201)
    throw new Error(`${server.name}: create ${response.status} ${await response.text()}`);
  return (await response.json()).id;
}
const curlHeaders = (server) =>
  Object.entries(server.headers).flatMap(([key, value]) => ['-H', `${key}: ${value}`]);
const upload = (server, id, file) =>
  run('curl', [
    '-sS',
    '-f',
    '-X',
    'PUT',
    '-H',
    'Content-Type: application/octet-stream',
    ...curlHeaders(server),
    '-T',
    file,
    `${server.url}/v2/images/${id}/file`,
  ]);
const download = (server, id) =>
  run('curl', ['-sS', '-f', '-o', '/dev/null', ...curlHeaders(server), `${server.url}/v2/images/${id}/file`]);
async function verify(server, id, expected) {
  const image = await (await fetch(`${server.url}/v2/images/${id}`, { headers: server.headers })).json();
  if (
    image.status !== 'active' ||
    image.checksum !== expected.md5 ||
    image.os_hash_value !== expected.sha512
  ) {
    throw new Error(
      `${server.name}: image ${id} is ${image.status} with ${image.checksum}, not the data's md5 ${expected.md5}`,
    );
  }
}
async function remove(server, id) {
  await fetch(`${server.url}/v2/images/${id}`, { method: 'DELETE', headers: server.headers });
}

/**
 * Settles the machine before a measured write of `file`'s size (lib/run.mjs), for two reasons here:
 * - `sync`: Glance does not fdatasync, so up to a GiB of its dirty pages would otherwise still be
 *   waiting for writeback when the next measurement starts, and ext4 (data=ordered) makes the next
 *   fdatasync, glance-ts's, wait for the data of every file in the same journal transaction.
 * - the scratch copy: `cp` of 1 GiB into pages freed just before costs ~0.3 core-s here, into
 *   pages freed 3 s before ~1.1, 10 s before ~2.0. Without it the second server of a round writes
 *   into the pages the first one's DELETE just freed, the first into pages freed seconds ago (and
 *   with alternating rounds a 3-run median gives one side two cold rounds of three). With it,
 *   every write (both servers' and the floor's cp) reuses pages freed a moment before.
 */
function settleBeforeWrite(file) {
  if (primed) settleWrite(file, join(dir, 'scratch.bin'));
}

/** user + system seconds of a shell command and its children (bash's `times`). */
function shellCoreSeconds(command) {
  const started = process.hrtime.bigint();
  const out = execFileSync('bash', ['-c', `${command} >/dev/null; times`], { encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const [user, system] = out
    .trim()
    .split('\n')[1]
    .split(' ')
    .map((t) => {
      const m = /(\d+)m([\d.]+)s/.exec(t);
      return Number(m[1]) * 60 + Number(m[2]);
    });
  return { wall, cs: user + system };
}
const digestOf = (algorithm, file) =>
  execFileSync('openssl', ['dgst', `-${algorithm}`, '-r', file], { encoding: 'utf8' }).split(' ')[0];

async function startGlance(port) {
  const own = join(dir, 'glance');
  mkdirSync(own);
  writeFileSync(
    join(own, 'paste.ini'),
    `[pipeline:glance-api]
pipeline = versionnegotiation unauthenticated-context rootapp
[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app
[app:apiversions]
paste.app_factory = glance.api.versions:create_resource
[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory
[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory
[filter:unauthenticated-context]
paste.filter_factory = glance.api.middleware.context:UnauthenticatedContextMiddleware.factory
`,
  );
  const conf = join(own, 'glance-api.conf');
  writeFileSync(
    conf,
    `[DEFAULT]
bind_host = 127.0.0.1
bind_port = ${port}
workers = ${workers}
log_file = ${join(own, 'glance.log')}
[glance_store]
${
  store === 'rbd'
    ? `stores = rbd
default_store = rbd
rbd_store_pool = ${POOLS.glance}
rbd_store_user = admin
rbd_store_ceph_conf = ${cluster.conf}
rbd_store_chunk_size = ${RBD_CHUNK_MIB}`
    : `stores = file
default_store = file
filesystem_store_datadir = ${join(own, 'images')}`
}
[database]
connection = sqlite:///${join(own, 'glance.sqlite')}
[paste_deploy]
config_file = ${join(own, 'paste.ini')}
[oslo_concurrency]
lock_path = ${join(own, 'lock')}
`,
  );
  execFileSync('glance-manage', ['--config-file', conf, 'db_sync'], { stdio: 'ignore' });
  const child = spawn('glance-api', ['--config-file', conf], { stdio: 'ignore' });
  const server = {
    name: 'Glance 25',
    process: child,
    url: `http://127.0.0.1:${port}`,
    headers: {},
    log: join(own, 'glance.log'),
  };
  servers.push(server);
  await waitForAnswer(`${server.url}/v2/images`, child, 'glance-api', ` (see ${own}/glance.log)`);
  // Let every worker start.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return server;
}

async function startGlanceTs(port) {
  const own = join(dir, 'glance-ts');
  mkdirSync(own);
  const child = await startBenchApi(own, {
    port,
    workers,
    token: 'bench',
    roles: ['admin', 'member', 'reader'],
    stores:
      store === 'rbd'
        ? {
            ceph: {
              type: 'rbd',
              options: {
                rbd_store_pool: POOLS.ts,
                rbd_store_user: 'admin',
                rbd_store_ceph_conf: cluster.conf,
                rbd_store_chunk_size: RBD_CHUNK_MIB,
              },
            },
          }
        : { local: { type: 'file', options: { filesystem_store_datadir: join(own, 'images') } } },
    traceGc: true,
  });
  const server = {
    name: 'glance-ts',
    process: child,
    url: `http://127.0.0.1:${port}`,
    headers: { 'x-auth-token': 'bench' },
  };
  servers.push(server);
  return server;
}

try {
  const source = join(dir, 'source.bin');
  writeRandomFile(source, size);
  const quarter = join(dir, 'quarter.bin');
  writeRandomFile(quarter, Math.floor(size / 4));
  const expected = { md5: digestOf('md5', source), sha512: digestOf('sha512', source) };
  const expectedQuarter = { md5: digestOf('md5', quarter), sha512: digestOf('sha512', quarter) };
  if (store === 'rbd') {
    // Room for the largest image of one service at a time (each is deleted before the next), and
    // BlueStore's own overhead; the OSD's file is sparse.
    const largest = Math.max(size, big);
    cluster = await startCephContainer({
      dir,
      pools: Object.values(POOLS),
      osdGiB: Math.max(10, Math.ceil((largest * 1.5) / 2 ** 30) + 6),
    });
  }
  const ts = await startGlanceTs(19401);
  const glance = await startGlance(19402);

  const results = new Map();
  const record = (work, server, value) => {
    const key = `${work}\u0000${server.name}`;
    results.set(key, [...(results.get(key) ?? []), value]);
  };
  const floor = { cat: [], copy: [], md5: [], sha512: [] };

  /**
   * One round's work on one server, again (up to 6 times) when the server fails it: Glance on
   * SQLite answers an occasional 500 "database is locked" when concurrent uploads commit at once
   * (the busy wait of one green thread blocks the process, and with it the holder of the lock). Failures are counted
   * and printed; a result is recorded only for a round that succeeded.
   */
  const failures = new Map();
  async function attempt(server, work) {
    for (let tries = 1; ; tries++) {
      const recorded = [];
      try {
        await work((name, value) => recorded.push([name, value]));
        for (const [name, value] of recorded) record(name, server, value);
        return;
      } catch (error) {
        failures.set(server.name, (failures.get(server.name) ?? 0) + 1);
        const lastError = server.log
          ? readFileSync(server.log, 'utf8')
              .split('\n')
              // The last logged exception ("... ERROR glance.common.wsgi ... OperationalError: database
              // is locked"), not the traceback's last line (SQLAlchemy's "Background on this error" link).
              .filter((line) => / ERROR \S+ .*\w(Error|Exception): /.test(line))
              .pop()
          : undefined;
        console.error(
          `${server.name}: ${String(error.message).split('\n')[0]}${lastError ? `; its log: ${lastError}` : ''}`,
        );
        if (tries === 6) throw error;
      }
    }
  }

  // The big file is written and hashed before the rounds (~15-20 s for 4 GiB). After them it would
  // add that to the time glance-ts's workers sit idle after their last round (Glance's round and
  // the floor come in between), enough to pass the 60 s after which an idle hash lane is ended;
  // the big upload would then count a new lane's start (two worker threads and their ring,
  // ~27-31 MiB whatever the size) as its own growth. The first upload of the rounds shows that start.
  const bigFile = join(dir, 'big.bin');
  let bigExpected;
  if (big > 0) {
    writeRandomFile(bigFile, big);
    bigExpected = { md5: digestOf('md5', bigFile), sha512: digestOf('sha512', bigFile) };
  }

  for (let round = 0; round < runs; round++) {
    for (const server of round % 2 === 0 ? [ts, glance] : [glance, ts])
      await attempt(server, async (record) => {
        const id = await createImage(server, `bench-${round}`);
        settleBeforeWrite(source);
        record('upload', await measure(server, () => upload(server, id, source)));
        await verify(server, id, expected);
        record('download', await measure(server, () => download(server, id)));
        await remove(server, id);

        const ids = await Promise.all([0, 1, 2, 3].map((i) => createImage(server, `bench-${round}-${i}`)));
        settleBeforeWrite(source);
        record(
          '4 uploads at once',
          await measure(server, () => Promise.all(ids.map((i) => upload(server, i, quarter)))),
        );
        for (const i of ids) await verify(server, i, expectedQuarter);
        record(
          '4 downloads at once',
          await measure(server, () => Promise.all(ids.map((i) => download(server, i)))),
        );
        for (const i of ids) await remove(server, i);
      });
    if (store === 'rbd') {
      // The floor of the store itself: the rbd CLI (librbd, as both services use it) importing
      // and exporting the same file with the stores' object size.
      const rbdCli = `${cluster.rbdCommand} --no-progress`;
      const image = `${POOLS.floor}/floor-${round}`;
      settleBeforeWrite(source);
      floor.copy.push(
        shellCoreSeconds(`${rbdCli} import --object-size ${RBD_CHUNK_MIB}M ${source} ${image}`),
      );
      floor.cat.push(shellCoreSeconds(`${rbdCli} export ${image} -`));
      cluster.rbd(['rm', '--no-progress', image]);
    } else {
      const copy = join(dir, 'copy.bin');
      floor.cat.push(shellCoreSeconds(`cat ${source}`));
      settleBeforeWrite(source);
      floor.copy.push(shellCoreSeconds(`cp ${source} ${copy}`));
      rmSync(copy, { force: true });
    }
    floor.md5.push(shellCoreSeconds(`openssl dgst -md5 ${source}`));
    floor.sha512.push(shellCoreSeconds(`openssl dgst -sha512 ${source}`));
  }

  if (big > 0) {
    for (const server of [ts, glance]) {
      const id = await createImage(server, 'big');
      settleBeforeWrite(bigFile);
      record(
        `upload ${option('big', '4G')}`,
        server,
        await measure(server, () => upload(server, id, bigFile)),
      );
      await verify(server, id, bigExpected);
      record(`download ${option('big', '4G')}`, server, await measure(server, () => download(server, id)));
      await remove(server, id);
    }
    rmSync(bigFile, { force: true });
  }

  const sizeText = option('size', '1G');
  console.log(
    `glance-ts beside Glance 25, ${store} store, ${workers} workers each, curl; ${sizeText} (4 × ${sizeText}/4 at once), ${runs} alternating runs${primed ? ', synced and every write into pages freed just before' : ', unprimed'}: min / median / max`,
  );
  console.log(
    'work | glance-ts wall s | Glance wall s | wall ratio | glance-ts core-s | Glance core-s | cs ratio | RSS growth MiB (ts / Glance)',
  );
  const works = [...new Set([...results.keys()].map((key) => key.split('\u0000')[0]))];
  const f = (n) => n.toFixed(2);
  for (const work of works) {
    const ours = results.get(`${work}\u0000glance-ts`);
    const theirs = results.get(`${work}\u0000Glance 25`);
    const w = [stats(ours.map((r) => r.wall)), stats(theirs.map((r) => r.wall))];
    const c = [stats(ours.map((r) => r.cs)), stats(theirs.map((r) => r.cs))];
    const m = [Math.max(...ours.map((r) => r.rssGrowth)), Math.max(...theirs.map((r) => r.rssGrowth))];
    console.log(
      `${work} | ${f(w[0].min)} / ${f(w[0].median)} / ${f(w[0].max)} | ${f(w[1].min)} / ${f(w[1].median)} / ${f(w[1].max)} | ` +
        `${f(w[0].median / w[1].median)} | ${f(c[0].median)} | ${f(c[1].median)} | ${f(c[0].median / c[1].median)} | ${m[0].toFixed(0)} / ${m[1].toFixed(0)}`,
    );
  }
  console.log(
    `glance-ts full garbage collections (V8 mark-compacts, all workers), median per operation: ${works
      .map(
        (work) => `${work} ${stats(results.get(`${work}\u0000glance-ts`).map((r) => r.markCompacts)).median}`,
      )
      .join(', ')}`,
  );
  const median = (list, key) => stats(list.map((r) => r[key])).median;
  const copyHash = median(floor.copy, 'cs') + median(floor.md5, 'cs') + median(floor.sha512, 'cs');
  const [read, copied] =
    store === 'rbd'
      ? [
          'rbd export',
          `rbd import ${f(median(floor.copy, 'wall'))} s wall, ${f(median(floor.copy, 'cs'))} core-s`,
        ]
      : ['cat', `cp ${f(median(floor.copy, 'cs'))} core-s`];
  console.log(
    `floor (${sizeText}, medians): ${read} ${f(median(floor.cat, 'wall'))} s wall; ${copied}; ` +
      `openssl md5 ${f(median(floor.md5, 'cs'))}, sha512 ${f(median(floor.sha512, 'cs'))} core-s; copy + md5 + sha512 = ${f(copyHash)} core-s`,
  );
  if (failures.size)
    console.log(`failed attempts (repeated): ${[...failures].map(([name, n]) => `${name} ${n}`).join(', ')}`);
  const upload1 = results.get('upload\u0000glance-ts');
  console.log(`glance-ts upload core-s / floor: ${f(median(upload1, 'cs') / copyHash)}`);
  // The machine is shared: a slow minute hits one round of both servers and the floor alike, so the
  // ratio within each round is steadier than the ratio of medians taken over different rounds.
  const glanceUpload = results.get('upload\u0000Glance 25');
  const roundRatios = (ratio) => stats(upload1.map((_, round) => ratio(round)));
  const wallRatios = roundRatios((round) => upload1[round].wall / glanceUpload[round].wall);
  const floorRatios = roundRatios(
    (round) => upload1[round].cs / (floor.copy[round].cs + floor.md5[round].cs + floor.sha512[round].cs),
  );
  console.log(
    `${sizeText} upload, ratios within each round (min / median / max): wall / Glance's ${f(wallRatios.min)} / ${f(wallRatios.median)} / ${f(wallRatios.max)}; ` +
      `core-s / that round's floor ${f(floorRatios.min)} / ${f(floorRatios.median)} / ${f(floorRatios.max)}`,
  );
} finally {
  for (const server of servers) if (server.process.exitCode === null) server.process.kill('SIGTERM');
}
