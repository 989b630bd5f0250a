import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type PrivatePostgres, startPrivatePostgres } from '@glance-ts/testing';
import { api, createImage, MEMBER_TOKEN, Service, until } from './support/service';

/**
 * The database going away under load. Before: a PostgreSQL restart crashed the workers (an 'error'
 * on a pooled client in use) and the primary with them, every request meanwhile was a 500, and a
 * SQLite writer holding the lock stalled every request of the worker (the busy wait blocked its
 * event loop) before a 500. Now: 503 with Retry-After while it is away, no process dies, and the
 * service is back by itself when the database is.
 */
jest.setTimeout(240_000);

/** Requests in a loop (list, create, show, discovery) until stopped; their statuses. */
function loadLoop(service: Service): { stop(): Promise<number[]> } {
  const statuses: number[] = [];
  let running = true;
  const worker = async () => {
    while (running) {
      for (const [method, path, json] of [
        ['GET', '/v2/images?limit=5', undefined],
        ['POST', '/v2/images', { name: 'load' }],
        ['GET', '/v2/info/stores', undefined],
      ] as const) {
        const answer = await api(service, method, path, json ? { json } : {}).catch(() => null);
        if (answer) statuses.push(answer.status);
      }
    }
  };
  const workers = [worker(), worker(), worker(), worker()];
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      return statuses;
    },
  };
}

describe('PostgreSQL stopped and started under load', () => {
  let postgres: PrivatePostgres;
  let service: Service;
  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    service = await Service.start({ workers: 2, database: postgres.url });
  });
  afterAll(async () => {
    await service?.stop();
    await postgres?.dispose();
  });

  it('answers 503 with Retry-After while it is down (never 500), keeps every worker, and recovers', async () => {
    const workers = service.workerPids();
    const load = loadLoop(service);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await postgres.stop('immediate');
    // A member is told to come back later; an operator (admin, service) also sees why.
    const down = await until(
      () => api(service, 'POST', '/v2/images', { json: { name: 'while-down' }, token: MEMBER_TOKEN }),
      (answer) => answer.status === 503,
      30_000,
      'a 503 while the database is down',
    );
    expect(down.json.message).toMatch(/^The image database is unavailable; try again later\./);
    expect(down.headers.get('retry-after')).toBe('5');
    const forAdmin = await api(service, 'POST', '/v2/images', { json: { name: 'while-down' } });
    expect(forAdmin.json.message).toMatch(/^The image database is unavailable: .*ECONNREFUSED/);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // Discovery needs no database: it keeps answering.
    expect((await api(service, 'GET', '/v2/info/stores')).status).toBe(200);
    await postgres.start();
    await until(
      () => api(service, 'POST', '/v2/images', { json: { name: 'after' } }),
      (answer) => answer.status === 201,
      30_000,
      'service back after the database',
    );
    const statuses = await load.stop();
    expect(statuses.filter((status) => status >= 500 && status !== 503)).toEqual([]);
    expect(statuses.filter((status) => status === 503).length).toBeGreaterThan(0);
    expect(service.workerPids()).toEqual(workers);
    expect(service.deaths()).toEqual([]);
    expect(service.log).toMatch(/connection lost|The image database is unavailable/);
  });
});

describe('SQLite locked by another process', () => {
  let service: Service;
  beforeAll(async () => {
    service = await Service.start({ workers: 2 });
  });
  afterAll(() => service?.stop());

  it('keeps the worker responsive while it waits, then answers 503, and works once the lock goes', async () => {
    await createImage(service, 'before');
    const other = new Database(join(service.dir, 'glance.sqlite'));
    other.exec('begin immediate');
    try {
      const write = api(service, 'POST', '/v2/images', { json: { name: 'blocked' } });
      // Meanwhile the workers answer what needs no write lock, quickly (the one waiting included).
      const latencies: number[] = [];
      for (let i = 0; i < 10; i++) {
        const started = Date.now();
        expect((await api(service, 'GET', '/v2/info/stores')).status).toBe(200);
        latencies.push(Date.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(Math.max(...latencies)).toBeLessThan(500);
      const blocked = await write;
      expect(blocked.status).toBe(503);
      expect(blocked.json.message).toMatch(/^The image database is unavailable/);
    } finally {
      other.exec('rollback');
      other.close();
    }
    expect((await api(service, 'POST', '/v2/images', { json: { name: 'after' } })).status).toBe(201);
    expect(service.accessLines().filter((line) => line.status >= 500 && line.status !== 503)).toEqual([]);
  });
});
