#!/usr/bin/env node
// Benchmark of image data through the API's rbd store: a Ceph cluster (glance-ts/ceph:test, one mon,
// one BlueStore OSD) in a Docker container, the built API with one rbd store (pool images) and token
// auth. Per run, random data goes into the pool with `rbd import` and with curl through
// PUT /v2/images/{id}/file, and comes back with `rbd export` and with curl through
// GET /v2/images/{id}/file, to the same sink. Prints MB/s (10^6 bytes/s), the API's share of the
// CLI's rate and the API's peak RSS (VmHWM). The downloaded data's sha512 is checked once. Not a
// test: numbers depend on the machine and its disk (±20 % here).
//
// Usage: npm run bench:rbd [-- --size 1G --runs 3 --workers 1 --sink file|null --chunk-mib 8
//   --keep-cluster --threads]
//   --sink file   (default) rbd export and the API download both write a file next to the source
//   --sink null   both write to /dev/null (rbd export to stdout, curl -o /dev/null)
//   --chunk-mib   rbd_store_chunk_size of the store, also `rbd import --object-size` (default 8)
//   --keep-cluster  leave the Ceph container running at the end (prints how to remove it)
//   --threads     also prints, for each upload/download, the API's CPU seconds per thread name, the
//                 Ceph daemons' CPU and the whole machine's busy share
//   --api path    the API's main.js (default apps/api/dist/main.js), e.g. a patched copy to compare
// Needs Docker with the glance-ts/ceph:test image (tools/ceph/build.sh), curl and the host `rbd` CLI.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCephContainer } from './lib/ceph-container.mjs';
import { flag, option, parseSize, requireCommands } from './lib/cli.mjs';
import { CLOCK_TICKS, processMemory, processTicks, processTree, statFields } from './lib/proc.mjs';
import { cleanupOnExit, startBenchApi, writeRandomFile } from './lib/run.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const size = parseSize(option('size', '1G'));
const runs = Number(option('runs', '3'));
const workers = Number(option('workers', '1'));
const sink = option('sink', 'file');
const chunkMiB = Number(option('chunk-mib', '8'));
const keepCluster = flag('keep-cluster');
const showThreads = flag('threads');
const apiMain = option('api', join(root, 'apps/api/dist/main.js'));
if (!['file', 'null'].includes(sink)) throw new Error(`--sink must be file or null, not ${sink}`);
const port = 19494;
const base = `http://127.0.0.1:${port}`;
const pool = 'images';
// Room for one run's two copies, with BlueStore's own overhead (the file never shrinks).
const osdGiB = Math.max(10, Math.ceil((2 * size * 1.5) / 2 ** 30) + 4);

requireCommands('rbd-data', [
  ['curl', 'apt-get install -y curl'],
  ['rbd', 'apt-get install -y ceph-common'],
  ['docker', 'tools/ci/docker.sh'],
]);

const dir = mkdtempSync(join(tmpdir(), 'glance-bench-rbd-'));
let cluster = null;
let api = null;

/** Removes the API, the container (unless --keep-cluster) and the temporary files. */
const cleanup = cleanupOnExit(() => {
  if (api && api.exitCode === null) api.kill('SIGTERM');
  if (cluster) {
    if (keepCluster) {
      console.log(
        `Ceph container kept: ${cluster.id.slice(0, 12)} (docker rm -f ${cluster.id.slice(0, 12)})`,
      );
    } else {
      cluster.remove();
    }
  }
  // With --keep-cluster the host ceph.conf and keyring stay too, so the cluster stays usable.
  if (keepCluster && cluster) {
    for (const name of readdirSync(dir)) {
      if (!['ceph.conf', 'ceph.client.admin.keyring'].includes(name))
        rmSync(join(dir, name), { recursive: true, force: true });
    }
    console.log(`its ceph.conf: ${join(dir, 'ceph.conf')}`);
  } else {
    rmSync(dir, { recursive: true, force: true });
  }
});

const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;
const mbps = (bytes, secs) => bytes / 1e6 / secs;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The API's process ids: the primary and its workers. */
const apiPids = () => processTree(api.pid);
/** Peak and current RSS of the API processes (the primary and its workers), in MiB. */
const apiMemory = () => processMemory(apiPids());

/** CPU ticks (utime + stime) of every API thread, keyed by pid/tid, with the thread's name. */
function threadTicks() {
  const ticks = new Map();
  for (const pid of apiPids()) {
    let tids = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        // The main thread (event loop) has the process id; libuv pool threads, V8's platform
        // threads and worker_threads are all called "node" too.
        const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks.set(`${pid}/${tid}`, { name, ticks: Number(fields[11]) + Number(fields[12]) });
      } catch {
        /* thread gone */
      }
    }
  }
  return ticks;
}
/** CPU seconds per thread name (node's main thread, libuv workers, librados' msgr-worker-N, ...). */
function threadUsage(before, after, secs) {
  const byName = new Map();
  for (const [key, { name, ticks }] of after) {
    const used = (ticks - (before.get(key)?.ticks ?? 0)) / CLOCK_TICKS;
    if (used <= 0) continue;
    const group = name.replace(/\d+$/, 'N');
    const entry = byName.get(group) ?? { cpu: 0, threads: 0, max: 0 };
    entry.cpu += used;
    entry.threads += 1;
    entry.max = Math.max(entry.max, used);
    byName.set(group, entry);
  }
  return [...byName]
    .sort((a, b) => b[1].cpu - a[1].cpu)
    .map(
      ([name, e]) =>
        `${name}×${e.threads} ${e.cpu.toFixed(2)} s (${((e.cpu / secs) * 100).toFixed(0)} % of a core, busiest ${((e.max / secs) * 100).toFixed(0)} %)`,
    )
    .join('; ');
}

/** CPU seconds used by this process's finished children (rbd, curl: spawnSync waits for them). */
function childrenCpu() {
  const fields = statFields('/proc/self/stat');
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
}

/** Busy and total ticks of the whole machine (all cores), from /proc/stat. */
function machineTicks() {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - cpu[3] - cpu[4], total };
}
let cephPids = [];
/** A snapshot for `cpuReport`: API threads, Ceph daemons (by name) and the machine. */
function cpuSample() {
  return {
    threads: threadTicks(),
    ceph: cephPids.map(({ pid, name }) => ({ name, ticks: processTicks(pid) })),
    machine: machineTicks(),
  };
}
function cpuReport(before, secs) {
  const after = cpuSample();
  const ceph = after.ceph
    .map(
      (p, i) => `${p.name} ${(((p.ticks - before.ceph[i].ticks) / CLOCK_TICKS / secs) * 100).toFixed(0)} %`,
    )
    .join(', ');
  const busy = (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total);
  return `API: ${threadUsage(before.threads, after.threads, secs)}\n    Ceph: ${ceph} of a core; machine ${(busy * 100).toFixed(0)} % busy (all cores)`;
}

function curl(curlArgs, output) {
  const start = process.hrtime.bigint();
  const result = spawnSync(
    'curl',
    ['-sS', '-f', '-o', output, '-w', '%{http_code}', '-H', 'x-auth-token: bench', ...curlArgs],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`curl failed: ${result.stderr || result.stdout}`);
  return { secs: seconds(start), code: result.stdout };
}

async function sha512File(path) {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk);
  return hash.digest('hex');
}

// A new connection per call: between calls the event loop is blocked in spawnSync (curl, rbd) for
// longer than the server's keep-alive timeout, so fetch would not see a pooled socket close.
const headers = { 'x-auth-token': 'bench', 'content-type': 'application/json', connection: 'close' };
async function api_(method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok)
    throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}

/** Waits until the API answers and its rbd store has reached the cluster (fsid known). */
async function waitForApi(fsid) {
  let last = 'no answer';
  for (let i = 0; i < 600; i++) {
    if (api.exitCode !== null) throw new Error(`the API exited with ${api.exitCode}`);
    try {
      const detail = await api_('GET', '/v2/info/stores/detail');
      const store = detail.stores.find((s) => s.id === 'ceph');
      if (store?.properties?.fsid === fsid) return;
      last = JSON.stringify(store);
    } catch (error) {
      last = String(error);
    }
    await sleep(100);
  }
  throw new Error(`the API's rbd store did not reach the cluster: ${last}`);
}

const pad = (value, width) => String(value).padStart(width);
const fmtSize = (bytes) =>
  bytes >= 2 ** 30
    ? `${(bytes / 2 ** 30).toFixed(bytes % 2 ** 30 ? 2 : 0)} GiB`
    : `${(bytes / 2 ** 20).toFixed(0)} MiB`;

try {
  const cephStart = process.hrtime.bigint();
  cluster = await startCephContainer({ dir, pools: [pool], osdGiB });
  // The daemons' host pids, for --threads (docker top lists them with the host's view).
  cephPids = spawnSync('docker', ['top', cluster.id, '-eo', 'pid,comm'], { encoding: 'utf8' })
    .stdout.split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, name]) => pid && /^ceph-/.test(name ?? ''))
    .map(([pid, name]) => ({ pid: Number(pid), name }));
  console.log(
    `Ceph cluster ${cluster.fsid} up in ${seconds(cephStart).toFixed(1)} s (bluestore OSD ${osdGiB} GiB, container ${cluster.id.slice(0, 12)})`,
  );

  // Random data, generated once; the time to make it is not measured.
  const source = join(dir, 'source.bin');
  writeRandomFile(source, size);
  const sourceSha512 = await sha512File(source);
  const out = sink === 'file' ? join(dir, 'out.bin') : '/dev/null';

  api = await startBenchApi(dir, {
    port,
    workers,
    token: 'bench',
    roles: ['admin', 'member', 'reader'],
    main: apiMain,
    stores: {
      ceph: {
        type: 'rbd',
        options: {
          rbd_store_pool: pool,
          rbd_store_user: 'admin',
          rbd_store_ceph_conf: cluster.conf,
          rbd_store_chunk_size: chunkMiB,
          rados_connect_timeout: 30,
        },
      },
    },
  });
  await waitForApi(cluster.fsid);
  const idle = apiMemory();
  console.log(
    `rbd data bench: ${fmtSize(size)}, ${runs} runs, workers=${workers}, pool ${pool}, chunk/object size ${chunkMiB} MiB, sink ${out}, API RSS at start ${idle.rss.toFixed(0)} MiB`,
  );

  const rows = [];
  let verified = false;
  for (let run = 1; run <= runs; run++) {
    const name = `bench-${run}`;
    // (a) rbd import, same object size as the store's images.
    let cpu = childrenCpu();
    let start = process.hrtime.bigint();
    cluster.rbd(['import', '--no-progress', '--object-size', `${chunkMiB}M`, source, `${pool}/${name}`]);
    const importSecs = seconds(start);
    const importCpu = childrenCpu() - cpu;

    // (b) upload through the API (the image record is created first, not timed).
    const created = await api_('POST', '/v2/images', {
      name,
      disk_format: 'raw',
      container_format: 'bare',
    });
    let before = showThreads ? cpuSample() : null;
    cpu = childrenCpu();
    const up = curl(
      [
        '-X',
        'PUT',
        '-H',
        'content-type: application/octet-stream',
        '-T',
        source,
        `${base}/v2/images/${created.id}/file`,
      ],
      '/dev/null',
    );
    if (up.code !== '204') throw new Error(`upload answered ${up.code}`);
    const upThreads = showThreads ? cpuReport(before, up.secs) : null;
    const upCurlCpu = childrenCpu() - cpu;

    // (c) rbd export to the sink (through stdout, as curl writes it).
    if (sink === 'file') rmSync(out, { force: true });
    let fd = openSync(out, 'w');
    cpu = childrenCpu();
    start = process.hrtime.bigint();
    try {
      cluster.rbd(['export', '--no-progress', `${pool}/${name}`, '-'], fd);
    } finally {
      closeSync(fd);
    }
    const exportSecs = seconds(start);
    const exportCpu = childrenCpu() - cpu;
    if (sink === 'file') rmSync(out, { force: true });

    // (d) download through the API to the same sink.
    before = showThreads ? cpuSample() : null;
    cpu = childrenCpu();
    const down = curl([`${base}/v2/images/${created.id}/file`], out);
    if (down.code !== '200') throw new Error(`download answered ${down.code}`);
    const downThreads = showThreads ? cpuReport(before, down.secs) : null;
    const downCurlCpu = childrenCpu() - cpu;
    const memory = apiMemory();

    // Correctness, once, not timed: the downloaded bytes and the API's own os_hash_value.
    if (!verified) {
      const downloaded =
        sink === 'file'
          ? await sha512File(out)
          : execFileSync(
              'sh',
              [
                '-c',
                `curl -sS -f -H 'x-auth-token: bench' '${base}/v2/images/${created.id}/file' | sha512sum`,
              ],
              { encoding: 'utf8' },
            ).split(' ')[0];
      const record = await api_('GET', `/v2/images/${created.id}`);
      if (downloaded !== sourceSha512)
        throw new Error('sha512 of the downloaded data differs from the source');
      if (record.os_hash_value !== sourceSha512)
        throw new Error(`the API's os_hash_value differs from the source`);
      if (record.size !== size) throw new Error(`the API reports size ${record.size}, not ${size}`);
      console.log(`sha512 of the downloaded data = source = os_hash_value (${sourceSha512.slice(0, 16)}…)`);
      verified = true;
    }
    if (sink === 'file') rmSync(out, { force: true });

    rows.push({
      importMBps: mbps(size, importSecs),
      uploadMBps: mbps(size, up.secs),
      exportMBps: mbps(size, exportSecs),
      downloadMBps: mbps(size, down.secs),
      hwm: memory.hwm,
    });
    if (showThreads) {
      console.log(`run ${run} rbd import ${importSecs.toFixed(2)} s, rbd CLI CPU ${importCpu.toFixed(2)} s`);
      console.log(
        `run ${run} upload ${up.secs.toFixed(2)} s, curl CPU ${upCurlCpu.toFixed(2)} s\n    ${upThreads}`,
      );
      console.log(`run ${run} rbd export ${exportSecs.toFixed(2)} s, rbd CLI CPU ${exportCpu.toFixed(2)} s`);
      console.log(
        `run ${run} download ${down.secs.toFixed(2)} s, curl CPU ${downCurlCpu.toFixed(2)} s\n    ${downThreads}`,
      );
    }

    await api_('DELETE', `/v2/images/${created.id}`);
    cluster.rbd(['rm', `${pool}/${name}`]);
    const left = cluster.rbd(['ls', pool]).trim();
    if (left) throw new Error(`images left in pool ${pool} after delete: ${left}`);
  }

  console.log(
    '\nsize | rbd import MB/s | API upload MB/s | % of import | rbd export MB/s | API download MB/s | % of export | API peak RSS MiB',
  );
  const line = (label, r) =>
    console.log(
      [
        label,
        pad(r.importMBps.toFixed(0), 15),
        pad(r.uploadMBps.toFixed(0), 15),
        pad(`${((r.uploadMBps / r.importMBps) * 100).toFixed(0)} %`, 11),
        pad(r.exportMBps.toFixed(0), 15),
        pad(r.downloadMBps.toFixed(0), 17),
        pad(`${((r.downloadMBps / r.exportMBps) * 100).toFixed(0)} %`, 11),
        pad(r.hwm.toFixed(0), 16),
      ].join(' | '),
    );
  rows.forEach((r, i) => line(`${fmtSize(size)} #${i + 1}`, r));
  if (rows.length > 1) {
    const median = (key) => {
      const sorted = rows.map((r) => r[key]).sort((a, b) => a - b);
      const middle = Math.floor(sorted.length / 2);
      return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    };
    line(`${fmtSize(size)} median`, {
      importMBps: median('importMBps'),
      uploadMBps: median('uploadMBps'),
      exportMBps: median('exportMBps'),
      downloadMBps: median('downloadMBps'),
      hwm: Math.max(...rows.map((r) => r.hwm)),
    });
  }
  const end = apiMemory();
  console.log(
    `API RSS: start ${idle.rss.toFixed(0)} MiB, peak ${end.hwm.toFixed(0)} MiB (growth ${(end.hwm - idle.rss).toFixed(0)} MiB)`,
  );
} catch (error) {
  const cause = error instanceof Error && error.cause ? ` (${error.cause.message ?? error.cause})` : '';
  const exited =
    api && api.exitCode !== null ? `; the API exited with ${api.exitCode ?? api.signalCode}` : '';
  console.error(`rbd-data bench failed: ${error instanceof Error ? error.message : error}${cause}${exited}`);
  process.exitCode = 1;
} finally {
  cleanup();
}
