import { startCephCluster, type CephTestCluster } from './ceph-cluster';

// A real Ceph cluster in Docker (tools/ci/docker.sh, tools/ceph/build.sh): these tests fail, never
// skip, when it cannot be started.
const START_MS = 180_000;
// Client options that make a hung cluster fail the CLI within seconds.
const SHORT_TIMEOUTS = [
  '--client_mount_timeout',
  '3',
  '--rados_mon_op_timeout',
  '3',
  '--rados_osd_op_timeout',
  '3',
];

describe('startCephCluster', () => {
  let cluster: CephTestCluster;

  beforeAll(async () => {
    cluster = await startCephCluster();
  }, START_MS);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('describes a running cluster whose fsid the host CLI reads through confPath', async () => {
    expect(cluster.fsid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(cluster.monAddress).toMatch(/^\d+\.\d+\.\d+\.\d+:3300$/);
    expect(cluster.user).toBe('admin');
    expect(cluster.pools).toEqual(['images', 'volumes']);
    expect((await cluster.ceph(['fsid'])).trim()).toBe(cluster.fsid);
  });

  it('has the pools images and volumes, initialised for rbd', async () => {
    const pools = JSON.parse(await cluster.ceph(['osd', 'pool', 'ls', 'detail', '--format', 'json'])) as {
      pool_name: string;
      size: number;
      application_metadata: Record<string, unknown>;
    }[];
    for (const name of ['images', 'volumes']) {
      const pool = pools.find((p) => p.pool_name === name);
      expect(pool).toBeDefined();
      expect(pool?.size).toBe(1);
      expect(Object.keys(pool?.application_metadata ?? {})).toContain('rbd');
    }
  });

  it('creates and lists RBD images', async () => {
    await cluster.rbd(['create', '--size', '16', 'images/x']);
    expect((await cluster.rbd(['ls', 'images'])).split('\n')).toContain('x');
    const info = JSON.parse(await cluster.rbd(['info', '--format', 'json', 'images/x'])) as { size: number };
    expect(info.size).toBe(16 * 1024 * 1024);
    await expect(cluster.rbd(['info', 'volumes/nope'])).rejects.toThrow(/No such file or directory/);
  });

  it('becomes unreachable when paused and answers again after resume', async () => {
    await cluster.pause();
    try {
      const started = Date.now();
      await expect(cluster.rbd([...SHORT_TIMEOUTS, 'ls', 'images'], { timeoutMs: 20_000 })).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await cluster.resume();
    }
    expect((await cluster.rbd([...SHORT_TIMEOUTS, 'ls', 'images'])).split('\n')).toContain('x');
  }, 240_000); // resume() waits up to 180 s for every placement group (see resume)

  it(
    'stop() is idempotent',
    async () => {
      const extra = await startCephCluster({ pools: ['only'] });
      await expect(extra.rbd(['ls', 'only'])).resolves.toBe('');
      await Promise.all([extra.stop(), extra.stop()]);
      await extra.stop();
      await expect(extra.ceph([...SHORT_TIMEOUTS, 'fsid'], { timeoutMs: 20_000 })).rejects.toThrow();
    },
    START_MS,
  );
});

describe('two clusters at once', () => {
  it(
    'start concurrently with different fsids and addresses',
    async () => {
      const clusters = await Promise.all([startCephCluster(), startCephCluster({ pools: ['images'] })]);
      try {
        const [a, b] = clusters;
        expect(a.fsid).not.toBe(b.fsid);
        expect(a.monAddress).not.toBe(b.monAddress);
        expect((await a.ceph(['fsid'])).trim()).toBe(a.fsid);
        expect((await b.ceph(['fsid'])).trim()).toBe(b.fsid);
        await a.rbd(['create', '--size', '4', 'images/only-in-a']);
        expect(await b.rbd(['ls', 'images'])).not.toContain('only-in-a');
      } finally {
        await Promise.all(clusters.map((c) => c.stop()));
      }
    },
    START_MS,
  );
});

describe('without the image', () => {
  const saved = process.env.GLANCE_TEST_CEPH_IMAGE;
  afterEach(() => {
    if (saved === undefined) delete process.env.GLANCE_TEST_CEPH_IMAGE;
    else process.env.GLANCE_TEST_CEPH_IMAGE = saved;
  });

  it('rejects with one line saying how to build it', async () => {
    process.env.GLANCE_TEST_CEPH_IMAGE = 'glance-ts/ceph:no-such-tag';
    await expect(startCephCluster()).rejects.toThrow(
      /^Ceph test image glance-ts\/ceph:no-such-tag not found: run tools\/ceph\/build\.sh$/,
    );
  });
});
