#!/usr/bin/env node
// Benchmark of the keystone auth strategy (issue: Keystone). A real Keystone (libs/testing's, on
// loopback) and two APIs side by side, one worker each: token_file and keystone. Drives
// GET /v2/images?limit=25 and GET /v2/info/stores/detail on both with warm token caches, rounds
// interleaved so both see the same machine, and prints req/s, p50/p99 and the keystone/token_file
// ratio (goal: keystone within 10 %). Then the cold path: a request with a token glance-ts has never
// seen (one Keystone round trip) against the same token warm, and Keystone's own validation time.
// Not a test: numbers depend on the machine. Usage:
//   npm run bench:keystone [-- --duration 6 --rounds 3 --connections 32 --cold 30]
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './lib/proc.mjs';
import { cleanupOnExit, startBenchApi } from './lib/run.mjs';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');
const { startKeystone, provisionImageCloud } = require('../../libs/testing/dist/index.js');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const duration = option('duration', 6);
const rounds = option('rounds', 3);
const connections = option('connections', 32);
const coldSamples = option('cold', 30);

const dir = mkdtempSync(join(tmpdir(), 'glance-bench-keystone-'));
const apis = [];
const cleanup = cleanupOnExit(() => {
  for (const api of apis) if (api.exitCode === null) api.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

async function request(url, token) {
  const started = process.hrtime.bigint();
  const response = await fetch(url, { headers: { 'x-auth-token': token } });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function load(url, token) {
  const result = await autocannon({ url, connections, duration, headers: { 'x-auth-token': token } });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
  };
}

let keystone;
try {
  keystone = await startKeystone();
  const cloud = await provisionImageCloud(keystone);
  const stores = { local: { type: 'file', options: { filesystem_store_datadir: join(dir, 'data') } } };
  const start = (name, port, auth) => {
    const own = join(dir, name);
    mkdirSync(own);
    // The token file's admin has the roles Keystone gives its admin (admin implies member, reader):
    // the two APIs then differ in how the token is validated, not in what policy sees.
    return startBenchApi(own, {
      port,
      workers: 1,
      token: 'bench-admin',
      roles: ['admin', 'member', 'reader'],
      stores,
      auth,
    });
  };
  const targets = [
    { name: 'token_file', port: 19311, token: 'bench-admin' },
    {
      name: 'keystone',
      port: 19312,
      token: await cloud.token(cloud.admin),
      auth: `[auth]\nstrategy = keystone\n${cloud.authtokenSection()}`,
    },
  ];
  for (const target of targets) apis.push(await start(target.name, target.port, target.auth));

  // 30 images in each, so that ?limit=25 returns a full page.
  for (const target of targets) {
    for (let i = 0; i < 30; i++) {
      const response = await fetch(`http://127.0.0.1:${target.port}/v2/images`, {
        method: 'POST',
        headers: { 'x-auth-token': target.token, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `bench-${i}`, disk_format: 'raw', container_format: 'bare' }),
      });
      if (response.status !== 201) throw new Error(`image create on ${target.name}: ${response.status}`);
    }
  }

  const paths = ['/v2/images?limit=25', '/v2/info/stores/detail'];
  const results = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const path of paths) {
      // Alternate which strategy goes first, so drift on the machine hits both alike.
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        const key = `${path} ${target.name}`;
        const runs = results.get(key) ?? [];
        runs.push(await load(`http://127.0.0.1:${target.port}${path}`, target.token));
        results.set(key, runs);
      }
    }
  }

  console.log(
    `warm caches, 1 worker each, ${connections} connections, ${rounds} interleaved rounds of ${duration} s (medians)`,
  );
  console.log('path | strategy | req/s | p50 ms | p99 ms | errors | keystone / token_file');
  for (const path of paths) {
    const summary = (name) => {
      const runs = results.get(`${path} ${name}`);
      return {
        rps: median(runs.map((run) => run.rps)),
        p50: median(runs.map((run) => run.p50)),
        p99: median(runs.map((run) => run.p99)),
        errors: runs.reduce((sum, run) => sum + run.errors, 0),
      };
    };
    const base = summary('token_file');
    for (const name of ['token_file', 'keystone']) {
      const s = summary(name);
      const ratio = name === 'keystone' ? (s.rps / base.rps).toFixed(3) : '';
      console.log(`${path} | ${name} | ${Math.round(s.rps)} | ${s.p50} | ${s.p99} | ${s.errors} | ${ratio}`);
    }
  }

  // Cold validation: fresh tokens, one request each, then the same token again (warm).
  const tokens = [];
  for (let i = 0; i < coldSamples; i++) tokens.push(await cloud.token(cloud.alice));
  const keystoneApi = `http://127.0.0.1:${targets[1].port}/v2/images?limit=1`;
  const cold = [];
  const warm = [];
  for (const token of tokens) {
    cold.push(await request(keystoneApi, token));
    warm.push(await request(keystoneApi, token));
  }
  // Keystone alone: GET /v3/auth/tokens for fresh tokens, with the glance user's token.
  const glanceToken = await cloud.token(cloud.glance);
  const direct = [];
  for (let i = 0; i < coldSamples; i++) {
    const subject = await cloud.token(cloud.bob);
    const started = process.hrtime.bigint();
    const response = await fetch(`${keystone.authUrl}/auth/tokens?nocatalog`, {
      headers: { 'x-auth-token': glanceToken, 'x-subject-token': subject },
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`Keystone validation: ${response.status}`);
    direct.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  console.log(`cold validation, ${coldSamples} fresh tokens, GET /v2/images?limit=1 (medians):`);
  console.log(
    `  cold ${median(cold).toFixed(1)} ms | warm ${median(warm).toFixed(1)} ms | ` +
      `Keystone's own GET /v3/auth/tokens ${median(direct).toFixed(1)} ms`,
  );
} finally {
  for (const api of apis) if (api.exitCode === null) api.kill('SIGTERM');
  await keystone?.dispose();
  cleanup();
}
