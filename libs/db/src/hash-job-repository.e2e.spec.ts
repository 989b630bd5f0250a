/**
 * The hashing job queue on both engines: leases are compare-and-set, so two processes never take
 * the same job, an expired lease is taken over, and a job goes with its image.
 */
import type { DatabaseDialect } from './sql-dialect';
import { openImageDatabase } from './database';
import { openTestImageDatabase, type TestImageDatabase } from './testing/databases';
import { IMAGE_CORE_DEFAULTS } from './types';

const DIALECTS: DatabaseDialect[] = ['sqlite', 'postgresql'];

describe.each(DIALECTS)('hash jobs on %s', (dialect) => {
  let time = Date.parse('2024-01-01T00:00:00.000Z');
  const clock = () => new Date(time);
  let test: TestImageDatabase;

  beforeAll(async () => {
    test = await openTestImageDatabase(dialect, { clock });
  });
  afterAll(async () => {
    await test?.dispose();
  });

  const newImage = async (id: string) => {
    await test.database.images.create({
      id,
      core: { ...IMAGE_CORE_DEFAULTS, owner: 'p1' },
      properties: {},
      tags: [],
    });
  };

  it('hands a job to one owner at a time and takes it back when the lease runs out', async () => {
    const jobs = test.database.hashJobs;
    await newImage('img-lease');
    await jobs.enqueue({ imageId: 'img-lease', locationUrl: 'rbd://f/p/img-lease/snap', expectedHash: null });

    const first = await jobs.claim('worker-1', 60_000);
    expect(first).toMatchObject({
      imageId: 'img-lease',
      locationUrl: 'rbd://f/p/img-lease/snap',
      expectedHash: null,
      attempts: 0,
    });
    expect(await jobs.claim('worker-2', 60_000)).toBeNull();
    // worker-1 died: once the lease has passed, worker-2 takes the job over.
    time += 60_001;
    expect((await jobs.claim('worker-2', 60_000))?.imageId).toBe('img-lease');
    // worker-1's late finish does not remove worker-2's job.
    await jobs.finish('img-lease', 'worker-1');
    expect(await jobs.list()).toHaveLength(1);
    await jobs.finish('img-lease', 'worker-2');
    expect(await jobs.list()).toEqual([]);
  });

  it('a failed attempt counts, keeps the error and waits for its retry time', async () => {
    const jobs = test.database.hashJobs;
    await newImage('img-retry');
    await jobs.enqueue({ imageId: 'img-retry', locationUrl: 'file:///x', expectedHash: 'abc' });
    expect(await jobs.claim('w', 1000)).not.toBeNull();
    await jobs.retryLater('img-retry', 'w', 'cluster unreachable', 5000);
    expect(await jobs.claim('w', 1000)).toBeNull();
    time += 5000;
    expect(await jobs.claim('w', 1000)).toMatchObject({
      imageId: 'img-retry',
      expectedHash: 'abc',
      attempts: 1,
      lastError: 'cluster unreachable',
    });
    await jobs.remove('img-retry');
    expect(await jobs.list()).toEqual([]);
  });

  it('takes the oldest job first and forgets the job of a deleted image', async () => {
    const jobs = test.database.hashJobs;
    await newImage('img-b');
    await newImage('img-a');
    await jobs.enqueue({ imageId: 'img-b', locationUrl: 'u-b', expectedHash: null });
    time += 1;
    await jobs.enqueue({ imageId: 'img-a', locationUrl: 'u-a', expectedHash: null });
    expect((await jobs.list()).map((job) => job.imageId)).toEqual(['img-b', 'img-a']);
    await test.database.images.delete('img-b');
    expect((await jobs.claim('w', 1000))?.imageId).toBe('img-a');
    await jobs.finish('img-a', 'w');
  });

  it('two handles racing for one job: exactly one wins', async () => {
    await newImage('img-race');
    await test.database.hashJobs.enqueue({ imageId: 'img-race', locationUrl: 'u', expectedHash: null });
    const other = await openImageDatabase(test.target, { clock });
    try {
      const claims = await Promise.all([
        test.database.hashJobs.claim('one', 1000),
        other.hashJobs.claim('two', 1000),
        test.database.hashJobs.claim('three', 1000),
      ]);
      expect(claims.filter((claim) => claim !== null)).toHaveLength(1);
    } finally {
      await other.close();
    }
    await test.database.hashJobs.remove('img-race');
  });
});
