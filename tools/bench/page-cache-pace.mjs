#!/usr/bin/env node
// What writing into the page cache costs this machine's kernel at once and at an upload's pace.
// An upload writes its GiB over ~2 s, as fast as the client sends and the hashes keep up; `cp`,
// the copy in bench:glance's floor, writes it in a fraction of a second. On a VM that returns
// freed guest memory to its host (free page reporting), pages get reported while a slow writer
// is still allocating, and each first touch of such a page costs the guest. This measures the
// same writes (128 KiB pieces from one buffer, as the upload's hash worker writes them) both ways,
// alternating, each after the same settling as bench:glance; the paced runs' own cost (the waits)
// is measured without writes and taken off. Not a test: numbers depend on the machine. Usage:
//   node tools/bench/page-cache-pace.mjs [--size 1G --runs 5 --seconds 2]
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { option, parseSize } from './lib/cli.mjs';
import { cleanupOnExit, settleBeforeWrite, writeRandomFile } from './lib/run.mjs';

const size = parseSize(option('size', '1G'));
const runs = Number(option('runs', '5'));
const seconds = Number(option('seconds', '2'));
const PIECE_BYTES = 128 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'glance-bench-pace-'));
cleanupOnExit(() => rmSync(dir, { recursive: true, force: true }));
const source = join(dir, 'source.bin');
writeRandomFile(source, size);
const piece = Buffer.alloc(PIECE_BYTES, 0x5a);
const pieces = Math.ceil(size / PIECE_BYTES);
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Core-seconds (user + system) of `pieces` writes, spread over `over` seconds (0: at once). */
function writeRun(over, write) {
  settleBeforeWrite(source, join(dir, 'scratch.bin'));
  const target = join(dir, 'target.bin');
  const fd = openSync(target, 'w');
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let index = 0; index < pieces; index++) {
    if (write) writeSync(fd, piece, 0, PIECE_BYTES, index * PIECE_BYTES);
    if (over > 0) {
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

const results = { burst: [], paced: [], waits: [] };
for (let run = 0; run < runs; run++) {
  const order = run % 2 ? ['paced', 'burst', 'waits'] : ['burst', 'paced', 'waits'];
  for (const kind of order) {
    results[kind].push(writeRun(kind === 'burst' ? 0 : seconds, kind !== 'waits'));
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const f = (value) => value.toFixed(2);
const paced = results.paced.map((cs, index) => cs - results.waits[index]);
const sizeText = option('size', '1G');
console.log(
  `${sizeText} written in ${PIECE_BYTES / 1024} KiB pieces, ${runs} alternating runs, core-s min / median / max:`,
);
console.log(
  `at once: ${f(Math.min(...results.burst))} / ${f(median(results.burst))} / ${f(Math.max(...results.burst))}`,
);
console.log(
  `over ${seconds} s (the waits' own ${f(median(results.waits))} taken off): ` +
    `${f(Math.min(...paced))} / ${f(median(paced))} / ${f(Math.max(...paced))}`,
);
console.log(`paced / at once: ${f(median(paced) / median(results.burst))}`);
