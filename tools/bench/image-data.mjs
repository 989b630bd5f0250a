#!/usr/bin/env node
// Benchmark of image data through the API (issue: images API): random data uploaded with curl
// through PUT /v2/images/{id}/file into a file store and downloaded back, beside a raw
// `cat file > data dir` copy in the same run. Prints MB/s and the API's RSS (VmHWM, peak) before and
// after. Not a test: numbers depend on the machine and its disk.
// Usage: npm run bench:images [-- --size 1G --runs 3 --workers 1]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { option, parseSize, requireCommands } from './lib/cli.mjs';
import { processMemory, processTree } from './lib/proc.mjs';
import { startBenchApi, writeRandomFile } from './lib/run.mjs';

const size = parseSize(option('size', '1G'));
const runs = Number(option('runs', '3'));
const workers = Number(option('workers', '1'));
const port = 19393;
const base = `http://127.0.0.1:${port}`;

requireCommands('image-data', [['curl', 'apt-get install -y curl']]);

const dir = mkdtempSync(join(tmpdir(), 'glance-bench-data-'));
const cleanup = () => rmSync(dir, { recursive: true, force: true });
// Random data, generated once; the time to make it is not measured.
const source = join(dir, 'source.bin');
writeRandomFile(source, size);

let api = null;
const stop = () => {
  api?.kill('SIGTERM');
  cleanup();
};
process.on('SIGINT', () => {
  stop();
  process.exit(130);
});

const headers = { 'x-auth-token': 'bench', 'content-type': 'application/json' };
/** Peak and current RSS of the API processes (the primary and its workers), in MiB. */
const apiMemory = () => processMemory(processTree(api.pid));

const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;
const mbps = (bytes, secs) => (bytes / 1e6 / secs).toFixed(0);

function curl(curlArgs) {
  const start = process.hrtime.bigint();
  const result = spawnSync('curl', ['-sS', '-f', '-o', '/dev/null', '-w', '%{http_code}', ...curlArgs], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`curl failed: ${result.stderr || result.stdout}`);
  return { secs: seconds(start), code: result.stdout };
}

try {
  api = await startBenchApi(dir, {
    port,
    workers,
    token: 'bench',
    roles: ['admin', 'member', 'reader'],
    stores: { local: { type: 'file', options: { filesystem_store_datadir: join(dir, 'images') } } },
  });
  const idle = apiMemory();
  console.log(
    `image data bench: ${(size / 2 ** 30).toFixed(2)} GiB, ${runs} runs, workers=${workers}, API RSS at start ${idle.rss.toFixed(0)} MiB`,
  );
  console.log('run  raw cat MB/s  upload MB/s  download MB/s  API peak RSS MiB');
  for (let run = 1; run <= runs; run++) {
    const rawStart = process.hrtime.bigint();
    execFileSync('sh', ['-c', `cat "${source}" > "${join(dir, 'raw-copy.bin')}"`]);
    const rawSecs = seconds(rawStart);
    rmSync(join(dir, 'raw-copy.bin'));

    const created = await (
      await fetch(`${base}/v2/images`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: `bench-${run}`, disk_format: 'raw', container_format: 'bare' }),
      })
    ).json();
    const up = curl([
      '-X',
      'PUT',
      '-H',
      'x-auth-token: bench',
      '-H',
      'content-type: application/octet-stream',
      '-T',
      source,
      `${base}/v2/images/${created.id}/file`,
    ]);
    if (up.code !== '204') throw new Error(`upload answered ${up.code}`);
    const down = curl(['-H', 'x-auth-token: bench', `${base}/v2/images/${created.id}/file`]);
    if (down.code !== '200') throw new Error(`download answered ${down.code}`);
    const memory = apiMemory();
    console.log(
      `${String(run).padStart(3)}  ${mbps(size, rawSecs).padStart(12)}  ${mbps(size, up.secs).padStart(11)}  ${mbps(size, down.secs).padStart(13)}  ${memory.hwm.toFixed(0).padStart(16)}`,
    );
    await fetch(`${base}/v2/images/${created.id}`, { method: 'DELETE', headers });
    if (
      statSync(join(dir, 'images')).isDirectory() &&
      spawnSync('ls', ['-A', join(dir, 'images')], { encoding: 'utf8' }).stdout.trim()
    ) {
      throw new Error('the store kept data after delete');
    }
  }
  const end = apiMemory();
  console.log(
    `API RSS: start ${idle.rss.toFixed(0)} MiB, peak ${end.hwm.toFixed(0)} MiB (growth ${(end.hwm - idle.rss).toFixed(0)} MiB)`,
  );
} finally {
  stop();
}
