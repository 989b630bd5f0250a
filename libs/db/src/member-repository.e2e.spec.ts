/**
 * The ImageMemberRepository contract and the listing's membership rules, on both engines (a
 * temporary SQLite file and a PostgreSQL database of this file's own, GLANCE_TEST_POSTGRES_URL).
 */
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { MarkerNotFoundError } from './errors';
import type { ImageRepository } from './image-repository';
import { DuplicateMemberError, type ImageMemberRepository, MemberLimitError } from './member-repository';
import type { DatabaseDialect } from './sql-dialect';
import { openImageDatabase } from './database';
import { GENERIC_PLAN_HINT } from './postgres-connection';
import { openTestImageDatabase, removeEveryImage, type TestImageDatabase } from './testing/databases';
import { explainGenericPlan } from './testing/postgres';
import type { ImageListQuery, ListScope } from './types';

const DIALECTS: DatabaseDialect[] = ['sqlite', 'postgresql'];
const T0 = Date.parse('2024-01-01T00:00:00.000Z');

describe.each(DIALECTS)('KyselyImageMemberRepository on %s', (dialect) => {
  let time = T0;
  let test: TestImageDatabase | undefined;
  let images: ImageRepository;
  let members: ImageMemberRepository;

  beforeAll(async () => {
    test = await openTestImageDatabase(dialect, { clock: () => new Date(time) });
    images = test.database.images;
    members = test.database.members;
  });
  afterAll(async () => {
    await test?.dispose();
  });
  beforeEach(async () => {
    time = T0;
    await removeEveryImage(images);
  });

  it('adds pending members, lists them in the order added, sets a status and removes one', async () => {
    await images.create({ id: 'img', visibility: 'shared', owner: 'owner' });
    const first = await members.add('img', 'p-b', 128);
    time += 1000;
    await members.add('img', 'p-a', 128);
    expect(first).toEqual({
      imageId: 'img',
      memberId: 'p-b',
      status: 'pending',
      createdAt: new Date(T0),
      updatedAt: new Date(T0),
    });
    expect((await members.list('img')).map((member) => member.memberId)).toEqual(['p-b', 'p-a']);
    expect((await members.list('img', 'p-a')).map((member) => member.memberId)).toEqual(['p-a']);

    time += 1000;
    const accepted = await members.setStatus('img', 'p-b', 'accepted');
    expect(accepted).toMatchObject({
      status: 'accepted',
      createdAt: new Date(T0),
      updatedAt: new Date(T0 + 2000),
    });
    expect(await members.get('img', 'p-b')).toEqual(accepted);
    expect(await members.setStatus('img', 'nobody', 'accepted')).toBeNull();

    expect(await members.remove('img', 'p-a')).toBe(true);
    expect(await members.remove('img', 'p-a')).toBe(false);
    expect(await members.get('img', 'p-a')).toBeNull();
  });

  it('refuses a duplicate, counts the quota before it, and knows no member of a missing image', async () => {
    await images.create({ id: 'img', visibility: 'shared', owner: 'owner' });
    await members.add('img', 'p1', 2);
    await expect(members.add('img', 'p1', 2)).rejects.toEqual(new DuplicateMemberError('img', 'p1'));
    await members.add('img', 'p2', 2);
    // At the quota, the quota speaks first (Glance checks it before the duplicate).
    const limit = await members.add('img', 'p1', 2).catch((error: unknown) => error);
    expect(limit).toBeInstanceOf(MemberLimitError);
    expect(limit).toMatchObject({ imageId: 'img', attempted: 3, maximum: 2 });
    expect((limit as Error).message).toBe(
      'The limit has been exceeded on the number of allowed image members for this image. Attempted: 3, Maximum: 2',
    );
    await expect(members.add('img', 'p3', -1)).resolves.toMatchObject({ memberId: 'p3' });
    expect(await members.add('missing', 'p1', 128)).toBeNull();
  });

  it('gives the last place to exactly one of several concurrent adds', async () => {
    await images.create({ id: 'img', visibility: 'shared', owner: 'owner' });
    const results = await Promise.allSettled(
      ['a', 'b', 'c', 'd', 'e'].map((member) => members.add('img', member, 1)),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(
      results.every((result) => result.status === 'fulfilled' || result.reason instanceof MemberLimitError),
    ).toBe(true);
    expect(await members.list('img')).toHaveLength(1);
  });

  it('removes the members with their image', async () => {
    await images.create({ id: 'img', visibility: 'shared', owner: 'owner' });
    await members.add('img', 'p1', 128);
    await images.delete('img');
    await images.create({ id: 'img', visibility: 'shared', owner: 'owner' });
    expect(await members.list('img')).toEqual([]);
  });

  it('lists shared images by membership in the same number of statements however many there are', async () => {
    const statements: string[] = [];
    const counted = await openImageDatabase(test!.target, { onQuery: (sql) => statements.push(sql) });
    try {
      const page = async () => {
        statements.length = 0;
        const records = await counted.images.list({
          scope: { isAdmin: false, projectId: 'p1' },
          filters: {},
          sort: [],
          limit: 1000,
        });
        return { images: records.length, statements: statements.length };
      };
      await images.create({ id: 'shared-0', visibility: 'shared', owner: 'owner' });
      await members.add('shared-0', 'p1', -1);
      await members.setStatus('shared-0', 'p1', 'accepted');
      const one = await page();
      for (let i = 1; i < 40; i++) {
        await images.create({ id: `shared-${i}`, visibility: 'shared', owner: 'owner', tags: ['t'] });
        await members.add(`shared-${i}`, 'p1', -1);
        await members.setStatus(`shared-${i}`, 'p1', 'accepted');
      }
      const forty = await page();
      expect([one.images, forty.images]).toEqual([1, 40]);
      expect(forty.statements).toBe(one.statements);
    } finally {
      await counted.close();
    }
  });

  it("reads each part of a member's listing from its own index in the listing's order", async () => {
    let listing: { sql: string; parameters: readonly unknown[] } | undefined;
    const traced = await openImageDatabase(test!.target, {
      onQuery: (sql, parameters) => {
        if (/image_members/.test(sql) && /from "images"/.test(sql)) listing ??= { sql, parameters };
      },
    });
    try {
      await traced.images.list({
        scope: { isAdmin: false, projectId: 'p1' },
        filters: {},
        sort: [],
        limit: 25,
      });
    } finally {
      await traced.close();
    }
    expect(listing).toBeDefined();
    const { sql, parameters } = listing!;
    expect(sql.startsWith(`select ${GENERIC_PLAN_HINT} `)).toBe(true);
    if (test!.target.dialect === 'sqlite') {
      const raw = new Database(test!.target.path, { readonly: true });
      try {
        const rows = raw.prepare(`explain query plan ${sql}`).all(...parameters) as Array<{
          id: number;
          parent: number;
          detail: string;
        }>;
        // Each part (a co-routine) is one index search in the listing's order: nothing sorted there.
        const parts = rows.filter((row) => row.detail.startsWith('CO-ROUTINE part'));
        expect(
          parts.map((part) => rows.filter((row) => row.parent === part.id).map((row) => row.detail)),
        ).toEqual([
          ['SEARCH images USING INDEX images_visibility_order_idx (visibility=?)'],
          ['SEARCH images USING INDEX images_owner_order_idx (owner=?)'],
          [
            'SEARCH image_members USING COVERING INDEX image_members_member_status_order_idx (member=? AND status=?)',
            'SEARCH images USING INDEX sqlite_autoindex_images_1 (id=?)',
          ],
        ]);
      } finally {
        raw.close();
      }
    } else {
      // A few test rows make a sequential scan cheapest; forbidding it shows whether an index can serve.
      const client = new Client({ connectionString: test!.target.url });
      await client.connect();
      try {
        // The listing runs with the plan made once for any project (GENERIC_PLAN_HINT): explain that one.
        const plan = await explainGenericPlan(client, sql, parameters, {
          settings: { enable_seqscan: 'off' },
        });
        // A generic plan: the project is a parameter, not the value of this run.
        expect(plan).toMatch(/Index Cond: \(owner = \$\d+\)/);
        // Read backwards (newest first): in the order of the page, no sort of the part.
        expect(plan).toMatch(/Index Scan Backward using images_visibility_order_idx/);
        expect(plan).toMatch(/Index Scan Backward using images_owner_order_idx/);
        expect(plan).toMatch(/Index Only Scan Backward using image_members_member_status_order_idx/);
      } finally {
        await client.end();
      }
    }
  });

  it('marks for a plan made once only the reads whose best plan does not depend on their values', async () => {
    await images.create({ id: 'marker', visibility: 'public' });
    const statements: string[] = [];
    const traced = await openImageDatabase(test!.target, { onQuery: (sql) => statements.push(sql) });
    /** Per statement the read ran, whether it was marked. */
    const marks = async (read: () => Promise<unknown>): Promise<boolean[]> => {
      statements.length = 0;
      await read();
      return statements.map((sql) => sql.startsWith(`select ${GENERIC_PLAN_HINT} `));
    };
    const listing = (query: Partial<ImageListQuery>) => () =>
      traced.images.list({
        scope: { isAdmin: false, projectId: 'p1' },
        filters: {},
        sort: [],
        limit: 25,
        ...query,
      });
    try {
      expect(await marks(listing({}))).toEqual([true]);
      expect(
        await marks(listing({ filters: { visibility: 'shared', memberStatus: 'all', osHidden: true } })),
      ).toEqual([true]);
      expect(await marks(listing({ sort: [{ key: 'created_at', dir: 'asc' }] }))).toEqual([true]);
      expect(await marks(listing({ scope: { isAdmin: true, projectId: 'p1' } }))).toEqual([true]);
      // The marker's lookup is marked like its page: no mode switch between the two.
      expect(await marks(listing({ marker: 'marker' }))).toEqual([true, true]);
      expect(await marks(() => traced.images.get('marker'))).toEqual([true]);
      // A filter's value (a rare status, a common name) or another order decide the best plan.
      expect(await marks(listing({ filters: { status: ['queued'] } }))).toEqual([false]);
      expect(await marks(listing({ filters: { name: ['cirros'] }, marker: 'marker' }))).toEqual([
        false,
        false,
      ]);
      expect(await marks(listing({ filters: { tags: ['t'] } }))).toEqual([false]);
      expect(await marks(listing({ sort: [{ key: 'name', dir: 'asc' }] }))).toEqual([false]);
      expect(
        await marks(
          listing({
            sort: [
              { key: 'created_at', dir: 'desc' },
              { key: 'id', dir: 'asc' },
            ],
          }),
        ),
      ).toEqual([false]);
    } finally {
      await traced.close();
    }
  });

  describe('listing shared images by membership', () => {
    const list = (scope: ListScope, filters: ImageListQuery['filters'] = {}) =>
      images
        .list({ scope, filters, sort: [{ key: 'id', dir: 'asc' }], limit: 1000 })
        .then((records) => records.map((record) => record.id));
    const P1: ListScope = { isAdmin: false, projectId: 'p1' };

    beforeEach(async () => {
      for (const [id, visibility] of [
        ['s-accepted', 'shared'],
        ['s-pending', 'shared'],
        ['s-rejected', 'shared'],
        ['s-none', 'shared'],
        ['private-member', 'private'],
        ['public', 'public'],
        ['community', 'community'],
      ] as const)
        await images.create({ id, visibility, owner: 'p2' });
      await images.create({ id: 'own-shared', visibility: 'shared', owner: 'p1' });
      for (const id of ['s-accepted', 's-pending', 's-rejected', 'private-member', 'public', 'community'])
        await members.add(id, 'p1', 128);
      await members.add('s-none', 'p3', 128);
      await members.setStatus('s-accepted', 'p1', 'accepted');
      await members.setStatus('s-rejected', 'p1', 'rejected');
      // A membership of a private image shows nothing: only shared images have members that matter.
      await members.setStatus('private-member', 'p1', 'accepted');
    });

    it("lists the accepted ones by default, as Glance's member_status=accepted", async () => {
      expect(await list(P1)).toEqual(['own-shared', 'public', 's-accepted']);
      expect(await list(P1, { visibility: 'shared' })).toEqual(['own-shared', 's-accepted']);
      expect(await list(P1, { visibility: 'all' })).toEqual([
        'community',
        'own-shared',
        'public',
        's-accepted',
      ]);
      expect(await list(P1, { visibility: 'private' })).toEqual([]);
      expect(await list(P1, { visibility: 'public' })).toEqual(['public']);
    });

    it('lists by member_status, and by any status with all', async () => {
      expect(await list(P1, { memberStatus: 'pending' })).toEqual(['own-shared', 'public', 's-pending']);
      expect(await list(P1, { memberStatus: 'rejected' })).toEqual(['own-shared', 'public', 's-rejected']);
      expect(await list(P1, { memberStatus: 'all' })).toEqual([
        'own-shared',
        'public',
        's-accepted',
        's-pending',
        's-rejected',
      ]);
      expect(await list(P1, { visibility: 'shared', memberStatus: 'all' })).toEqual([
        'own-shared',
        's-accepted',
        's-pending',
        's-rejected',
      ]);
    });

    it('gives nothing by membership to a caller without a project, and everything to an admin', async () => {
      expect(await list({ isAdmin: false, projectId: null }, { memberStatus: 'all' })).toEqual(['public']);
      expect(await list({ isAdmin: false, projectId: null }, { visibility: 'shared' })).toEqual([]);
      expect(await list({ isAdmin: true, projectId: 'x' }, { visibility: 'shared' })).toEqual([
        'own-shared',
        's-accepted',
        's-none',
        's-pending',
        's-rejected',
      ]);
    });

    it('accepts a shared image of any membership status as a marker, not one of another project', async () => {
      const page = (marker: string, filters: ImageListQuery['filters'] = {}) =>
        images
          .list({ scope: P1, filters, sort: [{ key: 'id', dir: 'desc' }], limit: 1000, marker })
          .then((records) => records.map((record) => record.id));
      expect(await page('s-pending')).toEqual(['s-accepted', 'public', 'own-shared']);
      expect(await page('s-rejected', { memberStatus: 'all' })).toEqual([
        's-pending',
        's-accepted',
        'public',
        'own-shared',
      ]);
      await expect(page('s-none')).rejects.toBeInstanceOf(MarkerNotFoundError);
    });
  });
});
