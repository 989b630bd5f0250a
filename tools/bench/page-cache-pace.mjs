#!/usr/bin/env node
// What writing into the page cache costs this machine's kernel, by write size, at once and at an
// upload's pace. An upload writes its GiB over ~2 s, as fast as the client sends and the hashes
// keep up; `cp`, the copy in bench:glance's floor, writes it in a fraction of a second. On a VM
// that returns freed guest memory to its host (free page reporting), pages get reported while a
// slow writer is still allocating, and each first touch of such a page costs the guest. This
// writes from one buffer in pieces of each size (the upload's hash worker writes 32 KiB pieces),
// all at once and paced per MiB over `--seconds` (as the worker gets a slot, writes it, waits for
// the next), alternating, each after the same settling as bench:glance; the paced runs' own cost
// (the waits) is measured without writes and taken off. Not a test: numbers depend on the
// machine. Usage:
//   npm run bench:page-cache [-- --size 1G --runs 5 --seconds 2 --pieces 16K,32K,64K,128K]
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { option, parseSize } from './lib/cli.mjs';
import { median, stats } from './lib/proc.mjs';
import { cleanupOnExit, settleBeforeWrite, writeRandomFile } from './lib/run.mjs';

const size = parseSize(option('size', '1G'));
const runs = Number(option('runs', '5'));
const seconds = Number(option('seconds', '2'));
const pieceSizes = option('pieces', '16K,32K,64K,128K').split(',');
const MiB = 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'glance-bench-pace-'));
cleanupOnExit(() => rmSync(dir, { recursive: true, force: true }));
const source = join(dir, 'source.bin');
writeRandomFile(source, size);
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Core-seconds (user + system) of writing `size` bytes in `pieceBytes` pieces over `over` s. */
function writeRun(pieceBytes, over, write) {
  const piece = Buffer.alloc(pieceBytes, 0x5a);
  const pieces = Math.ceil(size / pieceBytes);
  settleBeforeWrite(source, join(dir, 'scratch.bin'));
  const target = join(dir, 'target.bin');
  const fd = openSync(target, 'w');
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let index = 0; index < pieces; index++) {
    if (write) writeSync(fd, piece, 0, pieceBytes, index * pieceBytes);
    if (over > 0 && ((index + 1) * pieceBytes) % MiB === 0) {
      const due = started + BigInt(Math.round((over * 1e9 * (index + 1)) / pieces));
      for (let now = process.hrtime.bigint(); now < due; now = process.hrtime.bigint()) {
        Atomics.wait(sleeper, 0, 0, Number(due - now) / 1e6);
      }
    }
  }
  const used = process.cpuUsage(cpu);
  closeSync(fd);
  rmSync(target);
  return (used.user + used.system) / 1e6;
}

const results = new Map(pieceSizes.map((text) => [text, { burst: [], paced: [], waits: [] }]));
for (let run = 0; run < runs; run++) {
  for (const text of run % 2 ? [...pieceSizes].reverse() : pieceSizes) {
    const pieceBytes = parseSize(text);
    const result = results.get(text);
    const kinds = run % 2 ? ['paced', 'burst', 'waits'] : ['burst', 'paced', 'waits'];
    for (const kind of kinds) {
      result[kind].push(writeRun(pieceBytes, kind === 'burst' ? 0 : seconds, kind !== 'waits'));
    }
  }
}
const f = (value) => value.toFixed(2);
const range = (values) => {
  const { min, median: middle, max } = stats(values);
  return `${f(min)} / ${f(middle)} / ${f(max)}`;
};
console.log(
  `${option('size', '1G')} written into the page cache, ${runs} alternating runs, core-s min / median / max ` +
    `(paced: the waits' own cost taken off)`,
);
console.log(`piece | at once | over ${seconds} s | paced / at once`);
for (const [text, result] of results) {
  const paced = result.paced.map((cs, index) => cs - result.waits[index]);
  console.log(
    `${text} | ${range(result.burst)} | ${range(paced)} | ${f(median(paced) / median(result.burst))}`,
  );
}
