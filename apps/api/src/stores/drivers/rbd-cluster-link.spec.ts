import { CephUnavailableError, type RadosCluster } from '@glance-ts/ceph';
import { RbdClusterLink } from './rbd-cluster-link';

/**
 * The link's recovery when its client stops answering for good while the cluster is back: a fault
 * a real cluster shows only now and then (apps/api/test/rbd-store.spec.ts "a stopped cluster" hits
 * it in about one run in four under load), so fake clients stand in for librados here. Everything
 * else of the link (connect, probe, down, up) runs on a real cluster in that suite.
 */
interface FakeClient {
  name: string;
  answers: boolean;
  shutDown: boolean;
  stats: number;
}

function fakeClient(name: string, answers: boolean): { client: FakeClient; cluster: RadosCluster } {
  const client: FakeClient = { name, answers, shutDown: false, stats: 0 };
  const pool = {
    name: 'images',
    statObject: async () => {
      client.stats++;
      if (client.answers) return null;
      // As librados with rados_osd_op_timeout: the operation times out (quickly here).
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new CephUnavailableError('rados_stat(images/glance-ts.probe)', 110);
    },
  };
  const cluster = {
    fsid: 'f5e1c0de-0000-4000-8000-000000000001',
    user: 'glance',
    openPool: async () => pool,
    shutdown: async () => {
      client.shutDown = true;
    },
  };
  return { client, cluster: cluster as unknown as RadosCluster };
}

let lastLogs: string[] = [];
const until = async (what: string, condition: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`${what} not within ${timeoutMs} ms; logged: ${JSON.stringify(lastLogs)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('RbdClusterLink', () => {
  let link: RbdClusterLink | undefined;
  afterEach(async () => {
    await link?.close();
    link = undefined;
  });

  const start = (clients: { cluster: RadosCluster }[], replaceClientAfterMs = 200) => {
    const logs: string[] = [];
    lastLogs = logs;
    let next = 0;
    link = new RbdClusterLink({
      storeId: 'ceph',
      cephConf: null,
      user: 'glance',
      pool: 'images',
      connectTimeoutSeconds: null,
      logger: { log: (line) => logs.push(line), warn: (line) => logs.push(line) },
      onFsid: () => undefined,
      probeIntervalMs: 30,
      probeIntervalDownMs: 20,
      probeTimeoutMs: 50,
      replaceClientAfterMs,
      connectClient: async () => {
        const client = clients[Math.min(next, clients.length - 1)];
        next++;
        return client.cluster;
      },
    });
    link.start();
    return { logs, connects: () => next };
  };

  it('replaces a client that keeps timing out with a fresh one that answers, and shuts the old one down', async () => {
    const first = fakeClient('first', true);
    const second = fakeClient('second', true);
    const { logs } = start([first, second]);
    await until('connected', () => logs.some((line) => line.includes('connected to Ceph cluster')));
    expect(() => link!.pool()).not.toThrow();

    // The cluster "froze" and "came back", but this client never answers again.
    first.client.answers = false;
    await until('down', () => logs.some((line) => line.includes('Ceph cluster unreachable')));
    expect(() => link!.pool()).toThrow(/cannot reach its Ceph cluster/);
    await until('replaced', () => logs.some((line) => line.includes('on a new client')));

    expect(() => link!.pool()).not.toThrow();
    await until('old client shut down', () => first.client.shutDown);
    expect(second.client.shutDown).toBe(false);
    const statsOfFirst = first.client.stats;
    // From now on only the new client is probed.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(first.client.stats).toBe(statsOfFirst);
    expect(second.client.stats).toBeGreaterThan(1);
    // The reason is logged once (the same timeout every probe): no line per probe.
    expect(logs.filter((line) => line.includes('Ceph cluster unreachable'))).toHaveLength(1);
    expect(logs.filter((line) => line.includes('still no answer from Ceph'))).toHaveLength(0);
  });

  it('replaces a client on which a request timed out, even while its probe still passes', async () => {
    const first = fakeClient('first', true);
    const second = fakeClient('second', true);
    const { logs } = start([first, second], 60_000);
    await until('connected', () => logs.some((line) => line.includes('connected to Ceph cluster')));
    // A download's rbd_open timed out on this client, whose probe object still answers.
    link!.reportFailure(new CephUnavailableError('rbd_open_read_only(images/x@snap)', 110));
    expect(() => link!.pool()).toThrow(/cannot reach its Ceph cluster/);
    await until('replaced', () => logs.some((line) => line.includes('on a new client')));
    await until('old client shut down', () => first.client.shutDown);
    expect(() => link!.pool()).not.toThrow();
    expect(second.client.shutDown).toBe(false);
  });

  it('keeps the old client, and retries later, while fresh clients do not answer either', async () => {
    const first = fakeClient('first', true);
    const fresh = fakeClient('fresh', false);
    const { logs, connects } = start([first, fresh]);
    await until('connected', () => logs.some((line) => line.includes('connected to Ceph cluster')));
    first.client.answers = false;
    await until('a failed replacement', () => logs.some((line) => line.includes('did not answer either')));
    expect(() => link!.pool()).toThrow(/cannot reach its Ceph cluster/);
    expect(first.client.shutDown).toBe(false);
    expect(fresh.client.shutDown).toBe(true);
    // Backing off: 200 ms, then 400 ms, ... between attempts, never more than one at a time.
    const attempts = connects();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(connects() - attempts).toBeLessThanOrEqual(1);

    // The cluster answers the old client again: it is kept.
    first.client.answers = true;
    await until('up again', () => logs.some((line) => line === 'store ceph: Ceph cluster answers again'));
    expect(() => link!.pool()).not.toThrow();
    expect(first.client.shutDown).toBe(false);
  });

  it('closes whatever it opened, also a replacement in flight', async () => {
    const first = fakeClient('first', true);
    const second = fakeClient('second', true);
    const { logs } = start([first, second], 50);
    await until('connected', () => logs.some((line) => line.includes('connected to Ceph cluster')));
    first.client.answers = false;
    await until('replaced', () => logs.some((line) => line.includes('on a new client')));
    await link!.close();
    expect(first.client.shutDown).toBe(true);
    expect(second.client.shutDown).toBe(true);
    expect(() => link!.pool()).toThrow(/shut down/);
  });
});
