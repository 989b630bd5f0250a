#!/usr/bin/env node
// Benchmark of the image data path (libs/stores and the API's hasher): 1 GiB of random data through the hasher
// (md5 + sha512) and FileStoreDriver.add, back through FileStoreDriver.get, and both through a bare
// Fastify server driven by curl (the upload and download paths of the API without Nest, auth and the
// database). `cat` gives the raw file system baseline. Not a test: numbers depend on the machine,
// and on a shared machine they vary by ±15 %.
//
// Usage: npx nx run api:build && node tools/bench/store-data.mjs [--size-mib 1024] [--runs 3] [--tune]
//   [--only baselines,hashing,add,get,http]
//   --tune   also sweeps the writer's and reader's buffer sizes
//   STORE_DATA_DIST=dir   where the compiled apps/api/src lives (default apps/api/dist)
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createHash, randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const sizeMiB = option('--size-mib', 1024);
const runs = option('--runs', 3);
const tune = args.includes('--tune');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
const section = (name) => only === null || only.includes(name);
const dist = process.env.STORE_DATA_DIST ?? join(root, 'apps/api/dist');
const require = createRequire(import.meta.url);

const { createImageHasher } = require(join(dist, 'images/image-hasher.js'));
const { closeDefaultHashWorkerPool } = require(join(dist, 'images/hash-workers.js'));
const { FileStoreDriver } = require(join(root, 'libs/stores/dist/index.js'));

const MiB = 1024 * 1024;
const bytes = sizeMiB * MiB;
const work = join(tmpdir(), 'glance-ts-bench-store-data');
const sourcePath = join(work, `random-${sizeMiB}m.bin`);
const dataDir = join(work, 'images');

/** The random source, generated once (not timed) and kept for the next run. */
async function ensureSource() {
  mkdirSync(work, { recursive: true });
  if (existsSync(sourcePath) && statSync(sourcePath).size === bytes) return;
  const handle = await open(sourcePath, 'w');
  const block = Buffer.allocUnsafe(16 * MiB);
  for (let written = 0; written < bytes; written += block.length) {
    randomFillSync(block);
    await handle.write(block, 0, Math.min(block.length, bytes - written));
  }
  await handle.close();
}

/**
 * The source in 64 KiB chunks, as a socket delivers an upload. Read from the file in 1 MiB pieces
 * and cut (no copy): 64 KiB file reads would measure libuv's thread pool (one round trip per read,
 * ~2x slower than the whole upload path) rather than the code under test.
 */
const source = () =>
  Readable.from(
    (async function* () {
      for await (const piece of createReadStream(sourcePath, { highWaterMark: MiB })) {
        for (let offset = 0; offset < piece.length; offset += 64 * 1024)
          yield piece.subarray(offset, offset + 64 * 1024);
      }
    })(),
    { objectMode: false },
  );
const discard = () =>
  new Writable({
    highWaterMark: 4 * MiB,
    write: (_chunk, _encoding, callback) => callback(),
    writev: (_chunks, callback) => callback(),
  });

function driver(overrides = {}, options = {}) {
  return new FileStoreDriver(
    {
      id: 'bench',
      type: 'file',
      description: null,
      weight: 0,
      section: 'bench',
      dataDir,
      chunkSize: 65536,
      thinProvisioning: false,
      fileMode: null,
      ...overrides,
    },
    options,
  );
}

function resetDataDir() {
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
}

let imageCounter = 0;
const nextId = () => `bench-${process.pid}-${(imageCounter += 1)}`;

/** Best of `runs` (the machine is shared: the best run is the least disturbed one). */
async function measure(label, run, setup = resetDataDir) {
  const rates = [];
  for (let attempt = 0; attempt < runs; attempt += 1) {
    setup();
    const started = process.hrtime.bigint();
    const result = await run();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    rates.push((result?.bytes ?? bytes) / 1e6 / seconds);
  }
  const best = Math.max(...rates);
  console.log(
    `${label.padEnd(58)} ${best.toFixed(0).padStart(5)} MB/s   (runs: ${rates.map((rate) => rate.toFixed(0)).join(', ')})`,
  );
  return best;
}

function shell(command) {
  const result = spawnSync('sh', ['-c', command], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} failed`);
}

async function cryptoInThread() {
  const block = Buffer.allocUnsafe(MiB);
  randomFillSync(block);
  const md5 = createHash('md5');
  const sha512 = createHash('sha512');
  for (let done = 0; done < bytes; done += block.length) {
    md5.update(block);
    sha512.update(block);
  }
  md5.digest();
  sha512.digest();
}

async function hashOnly(pool) {
  const hasher = createImageHasher(pool === null ? { pool: null } : {});
  await pipeline(source(), hasher, discard());
  await hasher.digest();
}

async function upload(store, hashed) {
  if (!hashed) return store.add(nextId(), source());
  const hasher = createImageHasher();
  const read = source();
  read.on('error', (error) => hasher.destroy(error));
  const stored = await store.add(nextId(), read.pipe(hasher));
  await hasher.digest();
  return stored;
}

async function download(store, url) {
  const { stream } = await store.get(url);
  await pipeline(stream, discard());
}

/** A bare Fastify server with the API's upload and download shapes, for curl to drive. */
async function startHttp(store) {
  const Fastify = require(require.resolve('fastify', { paths: [join(root, 'apps/api')] }));
  const app = Fastify({ bodyLimit: Number.MAX_SAFE_INTEGER });
  // Leave the body unread: the route streams it.
  app.addContentTypeParser('application/octet-stream', (_request, _payload, done) => done(null));
  app.put('/images/:id/file', async (request, reply) => {
    const hasher = createImageHasher();
    request.raw.on('error', (error) => hasher.destroy(error));
    await store.add(request.params.id, request.raw.pipe(hasher));
    await hasher.digest();
    return reply.code(204).send();
  });
  app.get('/images/:id/file', async (request, reply) => {
    const { size, stream } = await store.get(`file://${join(dataDir, request.params.id)}`);
    reply.header('content-type', 'application/octet-stream').header('content-length', size);
    return reply.send(stream);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, base: `http://127.0.0.1:${app.server.address().port}` };
}

/** curl as a child process; never spawnSync, which would stop the server in this process. */
function curl(argsList) {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-sS', '--fail', '-o', '/dev/null', ...argsList], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`curl ${argsList.join(' ')} exited ${code}`)),
    );
  });
}

/** curl uploading the source to a route of `base`. */
const curlUpload = (base, id) =>
  curl(['-T', sourcePath, '-H', 'Content-Type: application/octet-stream', `${base}/images/${id}/file`]);

async function main() {
  await ensureSource();
  shell(`cat ${sourcePath} > /dev/null`); // into the page cache: every case reads from memory
  console.log(`${sizeMiB} MiB of random data, best of ${runs}; node ${process.version}`);
  const durable = driver();
  const volatile = driver({}, { durable: false });
  const keep = () => undefined;

  if (section('baselines')) {
    console.log('\nbaselines');
    const dest = join(dataDir, 'cat');
    await measure('cat src > dest', async () => shell(`cat ${sourcePath} > ${dest}`));
    await measure('cat src > dest && sync dest', async () =>
      shell(`cat ${sourcePath} > ${dest} && sync ${dest}`),
    );
    await measure('cat src > /dev/null', async () => shell(`cat ${sourcePath} > /dev/null`));
  }

  if (section('hashing')) {
    console.log('\nhashing (md5 + sha512)');
    await measure('crypto in-thread, 1 MiB updates, no I/O', cryptoInThread);
    await measure('hasher in-thread (pool: null), file -> hasher', () => hashOnly(null));
    await measure('hasher with workers (default), file -> hasher', () => hashOnly(undefined));
  }

  if (section('add')) {
    console.log('\nFileStoreDriver.add (fdatasync before publishing)');
    await measure('add, no hashing', () => upload(durable, false));
    await measure('hasher + add (the upload path)', () => upload(durable, true));
    await measure('hasher + add, thin provisioning', () => upload(driver({ thinProvisioning: true }), true));
    await measure('hasher + add, without fdatasync', () => upload(volatile, true));
  }

  if (section('get')) {
    console.log('\nFileStoreDriver.get');
    resetDataDir();
    const { url } = await upload(volatile, false);
    await measure('get -> discard', () => download(driver(), url), keep);
  }

  if (section('http')) {
    console.log('\nthrough HTTP (bare Fastify route, curl as the client on the same 2 cores)');
    const { app, base } = await startHttp(durable);
    await measure('curl -T file -> PUT -> hasher + add', () => curlUpload(base, nextId()));
    resetDataDir();
    const id = nextId();
    await curlUpload(base, id);
    await measure('GET -> get -> curl > /dev/null', () => curl([`${base}/images/${id}/file`]), keep);
    await app.close();
  }

  if (tune) {
    console.log('\ntuning: writer buffer (hasher + add, durable)');
    for (const mib of [1, 4, 8, 16]) {
      const store = driver({}, { writeHighWaterMark: mib * MiB });
      await measure(`writeHighWaterMark ${mib} MiB`, () => upload(store, true));
    }
    console.log('\ntuning: background writeback (hasher + add, durable)');
    for (const mib of [0, 16, 64, 256]) {
      const store = driver({}, { writebackBytes: mib * MiB });
      await measure(`writebackBytes ${mib} MiB${mib === 0 ? ' (off)' : ''}`, () => upload(store, true));
    }
    await measure('no fdatasync at all', () => upload(volatile, true));
    console.log('\ntuning: read size (GET through Fastify to curl)');
    resetDataDir();
    const id = nextId();
    await volatile.add(id, source());
    for (const kib of [64, 256, 1024, 4096]) {
      const server = await startHttp(driver({}, { readHighWaterMark: kib * 1024 }));
      await measure(`readHighWaterMark ${kib} KiB`, () => curl([`${server.base}/images/${id}/file`]), keep);
      await server.app.close();
    }
  }

  await closeDefaultHashWorkerPool();
  rmSync(dataDir, { recursive: true, force: true });
}

await main();
