/**
 * The ImageRepository contract, run against both engines: a temporary SQLite file and a PostgreSQL
 * database of this file's own (GLANCE_TEST_POSTGRES_URL; without it the PostgreSQL half fails with
 * a line saying how to get a server).
 */
import type { ImageDatabase } from './database';
import { DuplicateImageError, MarkerNotFoundError, SharedDataError } from './errors';
import type { ImageRepository } from './image-repository';
import type { DatabaseDialect } from './sql-dialect';
import { openImageDatabase } from './database';
import {
  listEveryImage,
  openTestImageDatabase,
  removeEveryImage,
  type TestImageDatabase,
} from './testing/databases';
import type {
  ImageListQuery,
  ImageLocation,
  ImageRecord,
  ListScope,
  NewImage,
  SortKey,
  SortSpec,
} from './types';

const DIALECTS: DatabaseDialect[] = ['sqlite', 'postgresql'];

const T0 = Date.parse('2024-01-01T00:00:00.000Z');

/** The repository's clock: fixed until a test moves it, so timestamps are exact. */
class TestClock {
  private time = T0;
  readonly now = (): Date => new Date(this.time);
  set(time: number | string): void {
    this.time = typeof time === 'string' ? Date.parse(time) : time;
  }
  advance(ms = 1000): Date {
    this.time += ms;
    return this.now();
  }
}

const ADMIN: ListScope = { isAdmin: true, projectId: 'admin-project' };
const P1: ListScope = { isAdmin: false, projectId: 'p1' };
const NO_PROJECT: ListScope = { isAdmin: false, projectId: null };

const query = (overrides: Partial<ImageListQuery> = {}): ImageListQuery => ({
  scope: ADMIN,
  filters: {},
  sort: [],
  limit: 1000,
  ...overrides,
});

const ids = (records: ImageRecord[]): string[] => records.map((record) => record.id);
const sorted = (values: string[]): string[] => [...values].sort();

const LOCATION: ImageLocation = {
  url: 'file:///srv/images/one',
  metadata: { store: 'local', nested: { list: [1, 'two'] } },
  status: 'active',
};

/** Orders the suite checks, each completed by the repository with created_at and id. */
const SORTS: SortSpec[][] = [
  [],
  [{ key: 'name', dir: 'asc' }],
  [{ key: 'name', dir: 'desc' }],
  [
    { key: 'size', dir: 'asc' },
    { key: 'name', dir: 'desc' },
  ],
  [
    { key: 'disk_format', dir: 'desc' },
    { key: 'size', dir: 'asc' },
  ],
  [
    { key: 'owner', dir: 'asc' },
    { key: 'virtual_size', dir: 'desc' },
    { key: 'container_format', dir: 'asc' },
  ],
  [
    { key: 'visibility', dir: 'asc' },
    { key: 'status', dir: 'desc' },
  ],
  [
    { key: 'protected', dir: 'desc' },
    { key: 'min_disk', dir: 'asc' },
    { key: 'min_ram', dir: 'desc' },
  ],
  [{ key: 'created_at', dir: 'asc' }],
  [{ key: 'updated_at', dir: 'desc' }],
  [
    { key: 'id', dir: 'asc' },
    { key: 'name', dir: 'asc' },
  ],
];

describe.each(DIALECTS)('KyselyImageRepository on %s', (dialect) => {
  const clock = new TestClock();
  let test: TestImageDatabase | undefined;
  let images: ImageRepository;

  beforeAll(async () => {
    test = await openTestImageDatabase(dialect, { clock: clock.now });
    images = test.database.images;
  });
  afterAll(async () => {
    await test?.dispose();
  });
  beforeEach(() => clock.set(T0));
  /** For the groups whose tests write: each test starts from an empty database. */
  const startEmpty = () => beforeEach(() => removeEveryImage(images));

  describe('create and get', () => {
    startEmpty();

    it("fills in Glance's defaults", async () => {
      const created = await images.create({ id: 'i1' });
      expect(created).toEqual({
        id: 'i1',
        name: null,
        status: 'queued',
        visibility: 'shared',
        size: null,
        virtualSize: null,
        diskFormat: null,
        containerFormat: null,
        checksum: null,
        osHashAlgo: null,
        osHashValue: null,
        owner: null,
        minDisk: 0,
        minRam: 0,
        protected: false,
        osHidden: false,
        createdAt: new Date(T0),
        updatedAt: new Date(T0),
        properties: {},
        tags: [],
        locations: [],
      });
      expect(await images.get('i1')).toEqual(created);
    });

    it('stores every attribute, big sizes as numbers and times to the millisecond', async () => {
      clock.set('2024-03-04T05:06:07.891Z');
      const image: NewImage = {
        id: 'i2',
        name: 'cirros',
        status: 'active',
        visibility: 'public',
        size: 5 * 2 ** 40 + 1,
        virtualSize: Number.MAX_SAFE_INTEGER,
        diskFormat: 'qcow2',
        containerFormat: 'bare',
        checksum: 'c'.repeat(32),
        osHashAlgo: 'sha512',
        osHashValue: 'f'.repeat(128),
        owner: 'p1',
        minDisk: 1,
        minRam: 512,
        protected: true,
        osHidden: true,
        properties: { os_distro: 'cirros', 'hw:cpu': '2', empty: '' },
        tags: ['b', 'a', 'b', 'ü'],
      };
      const created = await images.create(image);
      const { properties, tags: _tags, ...core } = image;
      expect(created).toEqual({
        ...core,
        createdAt: new Date('2024-03-04T05:06:07.891Z'),
        updatedAt: new Date('2024-03-04T05:06:07.891Z'),
        properties,
        tags: ['b', 'a', 'ü'],
        locations: [],
      });
      const read = await images.get('i2');
      expect(read).toEqual(created);
      expect(typeof read?.size).toBe('number');
      expect(read?.createdAt).toBeInstanceOf(Date);
    });

    it('refuses an id that exists, leaving the image as it was', async () => {
      const original = await images.create({ id: 'dup', name: 'first', tags: ['t'] });
      await expect(images.create({ id: 'dup', name: 'second' })).rejects.toThrow(DuplicateImageError);
      await expect(images.create({ id: 'dup' })).rejects.toThrow('Image with identifier dup already exists!');
      expect(await images.get('dup')).toEqual(original);
    });

    it('returns null for an unknown id', async () => {
      expect(await images.get('missing')).toBeNull();
    });

    it('reads back a property named __proto__ as an ordinary property, in a listing too', async () => {
      const properties = JSON.parse('{"__proto__": "x", "a": "b"}') as Record<string, string>;
      await images.create({ id: 'proto', properties });
      const listed = await images.list({ scope: ADMIN, filters: { id: ['proto'] }, sort: [], limit: 1 });
      for (const record of [await images.get('proto'), listed[0]]) {
        expect(Object.getOwnPropertyNames(record!.properties).sort()).toEqual(['__proto__', 'a']);
        expect(Object.getPrototypeOf(record!.properties)).toBe(Object.prototype);
      }
    });
  });

  describe('update', () => {
    startEmpty();

    it('sets core attributes, replaces properties, tags and locations, and bumps updatedAt only', async () => {
      await images.create({ id: 'u', name: 'old', properties: { a: '1', b: '2' }, tags: ['x', 'y'] });
      const later = clock.advance(1500);
      const second: ImageLocation = { url: 'rbd://fsid/images/u/snap', metadata: {}, status: 'active' };
      const updated = await images.update('u', {
        core: { name: 'new', size: 10, protected: true, checksum: null },
        properties: { b: '3', c: '4' },
        tags: ['z', 'x'],
        locations: [LOCATION, second],
      });
      expect(updated).toMatchObject({
        name: 'new',
        size: 10,
        protected: true,
        createdAt: new Date(T0),
        updatedAt: later,
        properties: { b: '3', c: '4' },
        tags: ['z', 'x'],
        locations: [LOCATION, second],
        released: [],
      });
      const { released: _released, ...record } = updated!;
      expect(await images.get('u')).toEqual(record);
    });

    it('leaves alone what the changes do not mention', async () => {
      await images.create({ id: 'u', name: 'kept', properties: { a: '1' }, tags: ['t'] });
      await images.update('u', { locations: [LOCATION] });
      const updated = await images.update('u', { core: { minRam: 64 } });
      expect(updated).toMatchObject({ name: 'kept', minRam: 64, properties: { a: '1' }, tags: ['t'] });
      expect(updated?.locations).toEqual([LOCATION]);
    });

    it('empties properties, tags and locations given as empty', async () => {
      await images.create({ id: 'u', properties: { a: '1' }, tags: ['t'] });
      await images.update('u', { locations: [LOCATION] });
      expect(await images.update('u', { properties: {}, tags: [], locations: [] })).toMatchObject({
        properties: {},
        tags: [],
        locations: [],
      });
    });

    it('bumps updatedAt even without changes', async () => {
      await images.create({ id: 'u' });
      const later = clock.advance();
      expect((await images.update('u', {}))?.updatedAt).toEqual(later);
    });

    it('returns null for an unknown id', async () => {
      expect(await images.update('missing', { core: { name: 'x' } })).toBeNull();
    });
  });

  describe('transition', () => {
    startEmpty();

    it('applies the changes when the status is one of `from`', async () => {
      await images.create({ id: 't' });
      const later = clock.advance();
      const moved = await images.transition('t', ['queued', 'importing'], {
        core: { status: 'active', size: 3, checksum: 'abc' },
        properties: { p: 'v' },
        locations: [LOCATION],
      });
      expect(moved).toMatchObject({
        status: 'active',
        size: 3,
        checksum: 'abc',
        updatedAt: later,
        properties: { p: 'v' },
        locations: [LOCATION],
      });
    });

    it('changes nothing when the status is another', async () => {
      const original = await images.create({ id: 't', status: 'active', properties: { p: 'v' } });
      clock.advance();
      expect(
        await images.transition('t', ['queued', 'saving'], {
          core: { status: 'killed' },
          properties: {},
          tags: ['x'],
        }),
      ).toBeNull();
      expect(await images.transition('t', [], { core: { status: 'killed' } })).toBeNull();
      expect(await images.get('t')).toEqual(original);
    });

    it('returns null for an unknown id', async () => {
      expect(await images.transition('missing', ['queued'], { core: { status: 'saving' } })).toBeNull();
    });

    it('lets exactly one of concurrent transitions through (one handle)', async () => {
      await images.create({ id: 'race' });
      const attempts = await Promise.all(
        Array.from({ length: 8 }, (_, attempt) =>
          images.transition('race', ['queued'], {
            core: { status: 'saving' },
            properties: { winner: String(attempt) },
          }),
        ),
      );
      const winners = attempts.filter((attempt) => attempt !== null);
      expect(winners).toHaveLength(1);
      expect(await images.get('race')).toMatchObject({
        status: 'saving',
        properties: winners[0]!.properties,
      });
    });

    it('lets exactly one of concurrent transitions through (two handles on the same database)', async () => {
      const other: ImageDatabase = await openImageDatabase(test!.target, { clock: clock.now });
      try {
        const raceIds = ['r1', 'r2', 'r3', 'r4', 'r5'];
        for (const id of raceIds) await images.create({ id });
        for (const id of raceIds) {
          const attempts = await Promise.all(
            [images, other.images, images, other.images].map((repository, attempt) =>
              repository.transition(id, ['queued'], {
                core: { status: 'saving' },
                properties: { winner: String(attempt) },
              }),
            ),
          );
          const winners = attempts.filter((attempt) => attempt !== null);
          expect(winners).toHaveLength(1);
          expect(await other.images.get(id)).toMatchObject({
            status: 'saving',
            properties: winners[0]!.properties,
          });
        }
      } finally {
        await other.close();
      }
    });
  });

  describe('tags', () => {
    startEmpty();

    it('appends a tag, idempotently, bumping updatedAt', async () => {
      await images.create({ id: 'g', tags: ['first'] });
      const later = clock.advance();
      expect(await images.addTag('g', 'second')).toMatchObject({
        tags: ['first', 'second'],
        updatedAt: later,
      });
      const again = clock.advance();
      expect(await images.addTag('g', 'first')).toMatchObject({
        tags: ['first', 'second'],
        updatedAt: again,
      });
    });

    it('removes a tag, bumping updatedAt; false when the tag or the image is missing', async () => {
      await images.create({ id: 'g', tags: ['a', 'b', 'c'] });
      const later = clock.advance();
      expect(await images.removeTag('g', 'b')).toBe(true);
      expect(await images.get('g')).toMatchObject({ tags: ['a', 'c'], updatedAt: later });
      clock.advance();
      expect(await images.removeTag('g', 'b')).toBe(false);
      expect((await images.get('g'))?.updatedAt).toEqual(later);
      expect(await images.removeTag('missing', 'a')).toBe(false);
    });

    it('returns null when adding to an unknown image', async () => {
      expect(await images.addTag('missing', 'a')).toBeNull();
    });

    it('keeps insertion order after a re-add', async () => {
      await images.create({ id: 'g', tags: ['a', 'b'] });
      await images.removeTag('g', 'a');
      expect((await images.addTag('g', 'a'))?.tags).toEqual(['b', 'a']);
    });
  });

  describe('locations', () => {
    startEmpty();

    it('appends locations in order, keeping their metadata', async () => {
      await images.create({ id: 'l' });
      const second: ImageLocation = {
        url: 'https://example.org/x',
        metadata: { store: 'web' },
        status: 'pending_delete',
      };
      await images.addLocation('l', LOCATION);
      const later = clock.advance();
      expect(await images.addLocation('l', second)).toMatchObject({
        locations: [LOCATION, second],
        updatedAt: later,
      });
      expect((await images.get('l'))?.locations).toEqual([LOCATION, second]);
    });

    it('appends after replaced locations', async () => {
      await images.create({ id: 'l' });
      await images.update('l', { locations: [LOCATION, LOCATION] });
      const third = { ...LOCATION, url: 'file:///third' };
      expect((await images.addLocation('l', third))?.locations).toEqual([LOCATION, LOCATION, third]);
    });

    it('returns null for an unknown image', async () => {
      expect(await images.addLocation('missing', LOCATION)).toBeNull();
    });
  });

  describe('delete', () => {
    startEmpty();

    it('removes the image with its properties, tags and locations and returns it', async () => {
      await images.create({ id: 'd', properties: { a: '1' }, tags: ['t'] });
      const full = await images.addLocation('d', LOCATION);
      expect(await images.delete('d')).toEqual({ ...full, released: [{ ...LOCATION, shared: false }] });
      expect(await images.get('d')).toBeNull();
      expect(await images.delete('d')).toBeNull();
      // Had the child rows survived (no cascade), the new image would come back with them.
      expect(await images.create({ id: 'd' })).toMatchObject({ properties: {}, tags: [], locations: [] });
    });

    it('leaves other images alone', async () => {
      await images.create({ id: 'd1', tags: ['t'], properties: { a: '1' } });
      const other = await images.create({ id: 'd2', tags: ['t'], properties: { a: '1' } });
      await images.delete('d1');
      expect(await images.get('d2')).toEqual(other);
    });
  });

  describe('data shared by several images (locationDataKey)', () => {
    startEmpty();
    const at = (url: string): ImageLocation => ({ url, metadata: { store: 'local' }, status: 'active' });
    const RBD = 'rbd://fsid-1/images/base';

    it('marks a deleted location shared while another image names the same data, not after', async () => {
      await images.create({ id: 'a', status: 'active' });
      await images.create({ id: 'b', status: 'active' });
      await images.update('a', { locations: [at('file:///srv/images/a')] });
      // The same file, written another way.
      await images.update('b', { locations: [at('file:///srv/images/../images/./a')] });
      expect((await images.delete('b'))?.released).toEqual([
        { ...at('file:///srv/images/../images/./a'), shared: true },
      ]);
      expect((await images.delete('a'))?.released).toEqual([
        { ...at('file:///srv/images/a'), shared: false },
      ]);
    });

    it('treats every snapshot of one rbd image as the same data', async () => {
      await images.create({ id: 'a' });
      await images.create({ id: 'b' });
      await images.update('a', { locations: [at(`${RBD}/snap`)] });
      await images.update('b', { locations: [at(`${RBD}/other-snapshot`)] });
      expect((await images.delete('a'))?.released[0].shared).toBe(true);
      expect((await images.delete('b'))?.released[0].shared).toBe(false);
    });

    it('never marks http locations shared (glance-ts does not delete their data)', async () => {
      await images.create({ id: 'a' });
      await images.create({ id: 'b' });
      await images.update('a', { locations: [at('https://example.org/x')] });
      await images.update('b', { locations: [at('https://example.org/x')] });
      expect((await images.delete('a'))?.released[0].shared).toBe(false);
    });

    it('releases the locations a replacement drops, shared when a kept location names the data', async () => {
      await images.create({ id: 'a' });
      await images.update('a', {
        locations: [at(`${RBD}/snap`), at('file:///srv/one'), at('file:///srv/two')],
      });
      const result = await images.update('a', { locations: [at(`${RBD}/snap2`), at('file:///srv/two')] });
      expect(result?.released).toEqual([
        { ...at(`${RBD}/snap`), shared: true },
        { ...at('file:///srv/one'), shared: false },
      ]);
      expect(result?.locations.map((location) => location.url)).toEqual([`${RBD}/snap2`, 'file:///srv/two']);
    });

    it('refuses, changing nothing, a new location on another image data when asked to', async () => {
      await images.create({ id: 'owner-image', status: 'active' });
      await images.update('owner-image', { locations: [at('file:///srv/public')] });
      const queued = await images.create({ id: 'other' });
      const refused = images.transition('other', ['queued'], {
        core: { status: 'active', size: 5 },
        locations: [at('file:///srv/./public')],
        refuseSharedData: true,
      });
      await expect(refused).rejects.toBeInstanceOf(SharedDataError);
      await expect(refused).rejects.toMatchObject({ otherImageId: 'owner-image' });
      expect(await images.get('other')).toEqual(queued);
      // Without the flag (a service may share data), the same change is made.
      const shared = await images.transition('other', ['queued'], {
        core: { status: 'active' },
        locations: [at('file:///srv/./public')],
      });
      expect(shared?.status).toBe('active');
    });

    it('lets exactly one of two concurrent deletes of images sharing data remove it', async () => {
      for (let round = 0; round < 5; round++) {
        await images.create({ id: `x${round}` });
        await images.create({ id: `y${round}` });
        await images.update(`x${round}`, { locations: [at(`file:///srv/shared-${round}`)] });
        await images.update(`y${round}`, { locations: [at(`file:///srv/shared-${round}`)] });
        const [x, y] = await Promise.all([images.delete(`x${round}`), images.delete(`y${round}`)]);
        const unshared = [x, y].filter((result) => result?.released[0].shared === false);
        expect(unshared).toHaveLength(1);
      }
    });
  });

  describe('upload leases', () => {
    startEmpty();
    const lease = { owner: 'host:1:0', store: 'local', heartbeatAt: 1000 };

    it('records the lease with saving, refreshes it, and clears it when the image leaves saving', async () => {
      await images.create({ id: 'u' });
      await images.transition('u', ['queued'], { core: { status: 'saving' }, upload: lease });
      expect(await images.uploadsInProgress()).toEqual([{ imageId: 'u', ...lease }]);
      expect(await images.heartbeatUpload('u', lease.owner, 2000)).toBe(true);
      expect(await images.heartbeatUpload('u', 'someone-else', 3000)).toBe(false);
      expect((await images.uploadsInProgress())[0].heartbeatAt).toBe(2000);
      await images.transition('u', ['saving'], { core: { status: 'active' } });
      expect(await images.uploadsInProgress()).toEqual([]);
      expect(await images.heartbeatUpload('u', lease.owner, 4000)).toBe(false);
    });

    it('recovers an upload only while its lease is the one seen', async () => {
      await images.create({ id: 'u' });
      await images.transition('u', ['queued'], { core: { status: 'saving' }, upload: lease });
      // The owner came back to life in between: its heartbeat wins.
      await images.heartbeatUpload('u', lease.owner, 5000);
      expect(await images.recoverUpload('u', { owner: lease.owner, heartbeatAt: 1000 })).toBe(false);
      expect(await images.recoverUpload('u', { owner: lease.owner, heartbeatAt: 5000 })).toBe(true);
      expect(await images.get('u')).toMatchObject({ status: 'queued' });
      expect(await images.uploadsInProgress()).toEqual([]);
      // A second sweeper finds nothing left to recover.
      expect(await images.recoverUpload('u', { owner: lease.owner, heartbeatAt: 5000 })).toBe(false);
    });

    it('lets an upload finish or give up only while the lease is its own', async () => {
      await images.create({ id: 'u' });
      await images.transition('u', ['queued'], { core: { status: 'saving' }, upload: lease });
      // The image was recovered and another process's upload started meanwhile.
      await images.recoverUpload('u', { owner: lease.owner, heartbeatAt: lease.heartbeatAt });
      await images.transition('u', ['queued'], {
        core: { status: 'saving' },
        upload: { ...lease, owner: 'host:2:0' },
      });
      for (const status of ['active', 'queued'] as const) {
        expect(
          await images.transition('u', ['saving'], { core: { status }, ifUploadOwner: lease.owner }),
        ).toBeNull();
      }
      expect((await images.get('u'))?.status).toBe('saving');
      expect(
        await images.transition('u', ['saving'], { core: { status: 'active' }, ifUploadOwner: 'host:2:0' }),
      ).toMatchObject({ status: 'active' });
    });

    it('recovers a saving image that has no lease (left by an older glance-ts)', async () => {
      await images.create({ id: 'old' });
      await images.transition('old', ['queued'], { core: { status: 'saving' } });
      expect(await images.uploadsInProgress()).toEqual([
        { imageId: 'old', owner: null, store: null, heartbeatAt: null },
      ]);
      expect(await images.recoverUpload('old', { owner: null, heartbeatAt: null })).toBe(true);
    });

    it('tells whether any image has a location on some data', async () => {
      await images.create({ id: 'a' });
      await images.update('a', { locations: [{ url: 'file:///srv/x', metadata: {}, status: 'active' }] });
      expect(await images.isDataReferenced('file:///srv/x')).toBe(true);
      expect(await images.isDataReferenced('file:///srv/y')).toBe(false);
    });
  });

  describe('list: scope and filters', () => {
    startEmpty();

    /** One image per case the scope rules distinguish, created a second apart (pub-1 first). */
    const FIXTURE: NewImage[] = [
      {
        id: 'pub-1',
        visibility: 'public',
        owner: 'p2',
        name: 'alpha',
        status: 'active',
        size: 100,
        diskFormat: 'qcow2',
        containerFormat: 'bare',
        tags: ['a', 'b'],
        properties: { os_distro: 'ubuntu', os_version: '24.04' },
      },
      {
        id: 'pub-2',
        visibility: 'public',
        owner: 'p1',
        name: 'beta',
        status: 'queued',
        diskFormat: 'raw',
        containerFormat: 'bare',
        tags: ['a'],
        properties: { os_distro: 'debian' },
      },
      {
        id: 'com-p2',
        visibility: 'community',
        owner: 'p2',
        name: 'gamma',
        size: 200,
        containerFormat: 'ovf',
      },
      { id: 'com-p1', visibility: 'community', owner: 'p1', name: 'delta', size: 300, protected: true },
      { id: 'priv-p1', visibility: 'private', owner: 'p1', name: 'alpha', tags: ['b'] },
      {
        id: 'priv-p2',
        visibility: 'private',
        owner: 'p2',
        name: 'epsilon',
        properties: { os_distro: 'ubuntu' },
      },
      { id: 'shared-p1', visibility: 'shared', owner: 'p1', status: 'active' },
      { id: 'shared-p2', visibility: 'shared', owner: 'p2' },
      { id: 'hidden-pub', visibility: 'public', owner: 'p2', osHidden: true },
      { id: 'private-orphan', visibility: 'private', owner: null },
    ];
    const CREATED = new Map(FIXTURE.map((image, index) => [image.id, new Date(T0 + index * 1000)]));
    const ALL_VISIBLE = FIXTURE.filter((image) => !image.osHidden).map((image) => image.id);

    beforeEach(async () => {
      for (const image of FIXTURE) {
        clock.set(CREATED.get(image.id)!.getTime());
        await images.create(image);
      }
    });

    const listIds = async (overrides: Partial<ImageListQuery>) =>
      sorted(ids(await images.list(query(overrides))));

    it.each<[string, ListScope, ImageListQuery['filters']['visibility'], string[]]>([
      ['admin, default', ADMIN, undefined, ALL_VISIBLE],
      ['admin, all', ADMIN, 'all', ALL_VISIBLE],
      ['admin, private', ADMIN, 'private', ['priv-p1', 'priv-p2', 'private-orphan']],
      ['admin, community', ADMIN, 'community', ['com-p1', 'com-p2']],
      ['project, default', P1, undefined, ['com-p1', 'priv-p1', 'pub-1', 'pub-2', 'shared-p1']],
      ['project, all', P1, 'all', ['com-p1', 'com-p2', 'priv-p1', 'pub-1', 'pub-2', 'shared-p1']],
      ['project, public', P1, 'public', ['pub-1', 'pub-2']],
      ['project, community', P1, 'community', ['com-p1', 'com-p2']],
      ['project, private', P1, 'private', ['priv-p1']],
      ['project, shared', P1, 'shared', ['shared-p1']],
      ['no project, default', NO_PROJECT, undefined, ['pub-1', 'pub-2']],
      ['no project, all', NO_PROJECT, 'all', ['com-p1', 'com-p2', 'pub-1', 'pub-2']],
      ['no project, private', NO_PROJECT, 'private', []],
    ])('scope: %s', async (_case, scope, visibility, expected) => {
      expect(await listIds({ scope, filters: { visibility } })).toEqual(sorted(expected));
    });

    it('leaves hidden images out unless asked for', async () => {
      expect(await listIds({ filters: { osHidden: true } })).toEqual(['hidden-pub']);
      expect(await listIds({ filters: { osHidden: false } })).toEqual(sorted(ALL_VISIBLE));
      expect(await listIds({ scope: P1, filters: { osHidden: true } })).toEqual(['hidden-pub']);
      expect(await listIds({ scope: P1, filters: { osHidden: true, visibility: 'private' } })).toEqual([]);
    });

    it.each<[string, ImageListQuery['filters'], string[]]>([
      ['name', { name: ['alpha'] }, ['priv-p1', 'pub-1']],
      ['names', { name: ['alpha', 'gamma'] }, ['com-p2', 'priv-p1', 'pub-1']],
      ['no names', { name: [] }, []],
      ['id', { id: ['pub-1', 'com-p1', 'nope'] }, ['com-p1', 'pub-1']],
      ['status', { status: ['active'] }, ['pub-1', 'shared-p1']],
      ['owner', { owner: 'p1' }, ['com-p1', 'priv-p1', 'pub-2', 'shared-p1']],
      ['one tag', { tags: ['a'] }, ['pub-1', 'pub-2']],
      ['every tag', { tags: ['a', 'b'] }, ['pub-1']],
      ['unknown tag', { tags: ['a', 'zzz'] }, []],
      ['size min', { sizeMin: 200 }, ['com-p1', 'com-p2']],
      ['size max', { sizeMax: 200 }, ['com-p2', 'pub-1']],
      ['size range', { sizeMin: 150, sizeMax: 250 }, ['com-p2']],
      ['disk format', { diskFormat: ['raw', 'vmdk'] }, ['pub-2']],
      ['container format', { containerFormat: ['bare'] }, ['pub-1', 'pub-2']],
      ['protected', { protected: true }, ['com-p1']],
      ['unprotected', { protected: false, owner: 'p1' }, ['priv-p1', 'pub-2', 'shared-p1']],
      ['property', { properties: { os_distro: 'ubuntu' } }, ['priv-p2', 'pub-1']],
      ['properties', { properties: { os_distro: 'ubuntu', os_version: '24.04' } }, ['pub-1']],
      ['property value', { properties: { os_distro: 'fedora' } }, []],
      ['several filters', { name: ['alpha'], tags: ['b'], owner: 'p1' }, ['priv-p1']],
      [
        'filters with the scope',
        { name: ['alpha', 'epsilon'], visibility: 'private' },
        ['priv-p1', 'priv-p2'],
      ],
    ])('filter: %s', async (_case, filters, expected) => {
      expect(await listIds({ filters })).toEqual(sorted(expected));
    });

    it('combines filters with a project scope', async () => {
      expect(await listIds({ scope: P1, filters: { name: ['alpha'] } })).toEqual(['priv-p1', 'pub-1']);
      expect(await listIds({ scope: P1, filters: { properties: { os_distro: 'ubuntu' } } })).toEqual([
        'pub-1',
      ]);
    });

    it.each<[string, 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq', string[]]>([
      ['gt', 'gt', ['priv-p2', 'private-orphan', 'shared-p1', 'shared-p2']],
      ['gte', 'gte', ['priv-p1', 'priv-p2', 'private-orphan', 'shared-p1', 'shared-p2']],
      ['lt', 'lt', ['com-p1', 'com-p2', 'pub-1', 'pub-2']],
      ['lte', 'lte', ['com-p1', 'com-p2', 'priv-p1', 'pub-1', 'pub-2']],
      ['eq', 'eq', ['priv-p1']],
      ['neq', 'neq', ALL_VISIBLE.filter((id) => id !== 'priv-p1')],
    ])('filter: created_at %s', async (_case, op, expected) => {
      const value = CREATED.get('priv-p1')!;
      expect(await listIds({ filters: { createdAt: { op, value } } })).toEqual(sorted(expected));
    });

    it('filters on updated_at', async () => {
      clock.set('2025-06-01T00:00:00.500Z');
      await images.update('pub-2', { core: { name: 'beta2' } });
      const value = new Date('2025-06-01T00:00:00.500Z');
      expect(await listIds({ filters: { updatedAt: { op: 'eq', value } } })).toEqual(['pub-2']);
      expect(await listIds({ filters: { updatedAt: { op: 'lt', value } } })).toEqual(
        sorted(ALL_VISIBLE.filter((id) => id !== 'pub-2')),
      );
    });

    it('returns every record with its properties, tags and locations', async () => {
      await images.addLocation('pub-1', LOCATION);
      const listed = await images.list(query());
      for (const id of ['pub-1', 'pub-2', 'priv-p2']) {
        expect(listed.find((record) => record.id === id)).toEqual(await images.get(id));
      }
      expect(listed.find((record) => record.id === 'pub-1')).toMatchObject({
        tags: ['a', 'b'],
        properties: { os_distro: 'ubuntu', os_version: '24.04' },
        locations: [LOCATION],
      });
    });

    it('orders by created_at then id, descending, by default', async () => {
      const expected = [...ALL_VISIBLE].reverse();
      expect(ids(await images.list(query()))).toEqual(expected);
      expect(ids(await images.list(query({ limit: 3 })))).toEqual(expected.slice(0, 3));
    });

    it('needs a marker the scope can see, even outside the filters', async () => {
      await expect(images.list(query({ scope: P1, marker: 'priv-p2' }))).rejects.toThrow(MarkerNotFoundError);
      await expect(images.list(query({ marker: 'missing' }))).rejects.toThrow(
        'Marker missing could not be found.',
      );
      await expect(images.list(query({ scope: NO_PROJECT, marker: 'priv-p1' }))).rejects.toThrow(
        MarkerNotFoundError,
      );
      // A community image is visible to every project (Glance's is_image_visible), though the
      // default listing leaves it out.
      const after = await images.list(query({ scope: P1, marker: 'com-p2' }));
      expect(ids(after)).toEqual(['pub-2', 'pub-1']);
      // The admin sees every image, hidden ones included.
      expect(ids(await images.list(query({ marker: 'hidden-pub', filters: { osHidden: false } })))).toEqual(
        [...ALL_VISIBLE].reverse().slice(1),
      );
    });
  });

  describe('list: order and pages', () => {
    const dataset = sortDataset();

    // Its tests only read: the data is loaded once.
    beforeAll(async () => {
      await removeEveryImage(images);
      for (const image of dataset) {
        clock.set(image.createdAt.getTime());
        await images.create(image.create);
      }
      // updated_at differs from created_at for some.
      for (const image of dataset.filter((_, index) => index % 4 === 0)) {
        clock.set(image.createdAt.getTime() + 7 * 86_400_000);
        await images.update(image.create.id, {});
      }
    });

    it.each(SORTS.map((sort) => [describeSort(sort), sort] as const))(
      'sorts by %s with NULLs as PostgreSQL does',
      async (_name, sort) => {
        const records = await listEveryImage(images);
        const expected = referenceOrder(
          records.filter((record) => !record.osHidden),
          sort,
        );
        expect(ids(await images.list(query({ sort })))).toEqual(expected);
      },
    );

    it.each(SORTS.map((sort) => [describeSort(sort), sort] as const))(
      'pages through %s without gaps or repeats',
      async (_name, sort) => {
        const all = ids(await images.list(query({ sort })));
        expect(all.length).toBeGreaterThan(20);
        for (const limit of [1, 4, 7]) {
          const seen: string[] = [];
          let marker: string | undefined;
          for (;;) {
            const page = ids(await images.list(query({ sort, limit, marker })));
            expect(page.length).toBeLessThanOrEqual(limit);
            seen.push(...page);
            if (page.length < limit) break;
            marker = page[page.length - 1];
          }
          expect(seen).toEqual(all);
        }
      },
    );

    it('pages through a filtered, scoped listing', async () => {
      const base = { scope: P1, filters: { sizeMax: 5000 }, sort: [{ key: 'size', dir: 'asc' } as SortSpec] };
      const all = ids(await images.list(query(base)));
      expect(all.length).toBeGreaterThan(5);
      const seen: string[] = [];
      let marker: string | undefined;
      for (;;) {
        const page = ids(await images.list(query({ ...base, limit: 2, marker })));
        seen.push(...page);
        if (page.length < 2) break;
        marker = page[page.length - 1];
      }
      expect(seen).toEqual(all);
    });

    it('continues after a marker with NULL sort values', async () => {
      const sort: SortSpec[] = [{ key: 'name', dir: 'asc' }];
      const all = ids(await images.list(query({ sort })));
      const nullNamed = (await images.list(query({ sort }))).findIndex((record) => record.name === null);
      expect(nullNamed).toBeGreaterThan(0);
      expect(ids(await images.list(query({ sort, marker: all[nullNamed] })))).toEqual(
        all.slice(nullNamed + 1),
      );
      const desc: SortSpec[] = [{ key: 'size', dir: 'desc' }];
      const bySize = await images.list(query({ sort: desc }));
      const lastNull = bySize.map((record) => record.size).lastIndexOf(null);
      expect(ids(await images.list(query({ sort: desc, marker: bySize[lastNull].id })))).toEqual(
        ids(bySize).slice(lastNull + 1),
      );
    });
  });
});

describe('both engines', () => {
  const clock = new TestClock();
  const databases: Partial<Record<DatabaseDialect, TestImageDatabase>> = {};

  beforeAll(async () => {
    for (const dialect of DIALECTS)
      databases[dialect] = await openTestImageDatabase(dialect, { clock: clock.now });
    for (const image of sortDataset())
      for (const dialect of DIALECTS) {
        clock.set(image.createdAt.getTime());
        await databases[dialect]!.database.images.create(image.create);
      }
  });
  afterAll(async () => {
    for (const dialect of DIALECTS) await databases[dialect]?.dispose();
  });

  it.each(SORTS.map((sort) => [describeSort(sort), sort] as const))(
    'list identically sorted by %s',
    async (_name, sort) => {
      const [sqlite, postgresql] = await Promise.all(
        DIALECTS.map(async (dialect) => ids(await databases[dialect]!.database.images.list(query({ sort })))),
      );
      expect(sqlite).toEqual(postgresql);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Sorting fixtures

function describeSort(sort: SortSpec[]): string {
  return sort.length === 0 ? '(default)' : sort.map((spec) => `${spec.key}:${spec.dir}`).join(',');
}

interface DatasetImage {
  create: NewImage;
  createdAt: Date;
}

/**
 * ~40 public images owned by p1 (plus a few others), with repeated values, NULLs in every nullable
 * sort column, shared creation times (so the id tie-breaker matters), and names whose byte order
 * differs from a locale's order (case, accents, digits).
 */
function sortDataset(): DatasetImage[] {
  const names = ['alpha', 'Zeta', 'Äther', 'ätna', '_under', '10', '9', null, 'alpha', 'beta', null];
  const sizes = [null, 0, 1, 5, 5, 2 ** 40, null, 300];
  const diskFormats = ['qcow2', 'raw', null, 'vmdk'];
  const containerFormats = ['bare', null, 'ovf'];
  const owners = ['p1', 'p1', 'p1', null, 'p2'];
  const visibilities = ['public', 'public', 'community', 'private', 'shared'] as const;
  const statuses = ['active', 'queued', 'saving'] as const;
  const images: DatasetImage[] = [];
  for (let index = 0; index < 40; index++) {
    images.push({
      createdAt: new Date(T0 + Math.floor(index / 3) * 60_000),
      create: {
        id: `img-${String((index * 17) % 40).padStart(2, '0')}`,
        name: names[index % names.length],
        size: sizes[index % sizes.length],
        virtualSize: index % 5 === 0 ? null : (index * 7) % 11,
        diskFormat: diskFormats[index % diskFormats.length],
        containerFormat: containerFormats[index % containerFormats.length],
        owner: owners[index % owners.length],
        visibility: visibilities[index % visibilities.length],
        status: statuses[index % statuses.length],
        minDisk: index % 3,
        minRam: (index * 5) % 4,
        protected: index % 6 === 0,
        osHidden: index === 13,
      },
    });
  }
  return images;
}

const RECORD_FIELDS: Record<SortKey, (record: ImageRecord) => string | number | boolean | null> = {
  name: (record) => record.name,
  status: (record) => record.status,
  container_format: (record) => record.containerFormat,
  disk_format: (record) => record.diskFormat,
  size: (record) => record.size,
  id: (record) => record.id,
  created_at: (record) => record.createdAt.getTime(),
  updated_at: (record) => record.updatedAt.getTime(),
  visibility: (record) => record.visibility,
  owner: (record) => record.owner,
  min_disk: (record) => record.minDisk,
  min_ram: (record) => record.minRam,
  virtual_size: (record) => record.virtualSize,
  protected: (record) => record.protected,
  os_hidden: (record) => record.osHidden,
};

/**
 * The order the repository must produce, computed independently: Glance's tie-breakers, NULL as the
 * largest value (PostgreSQL's default), strings in byte (UTF-8) order.
 */
function referenceOrder(records: ImageRecord[], sort: SortSpec[]): string[] {
  const complete: SortSpec[] = sort.length > 0 ? [...sort] : [{ key: 'created_at', dir: 'desc' }];
  for (const key of ['created_at', 'id'] as const)
    if (!complete.some((spec) => spec.key === key)) complete.push({ key, dir: complete[0].dir });
  const compareValues = (a: unknown, b: unknown): number => {
    if (a === b) return 0;
    if (a === null) return 1;
    if (b === null) return -1;
    if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
    return Number(a) < Number(b) ? -1 : 1;
  };
  return [...records]
    .sort((a, b) => {
      for (const { key, dir } of complete) {
        const order = compareValues(RECORD_FIELDS[key](a), RECORD_FIELDS[key](b));
        if (order !== 0) return dir === 'asc' ? order : -order;
      }
      return 0;
    })
    .map((record) => record.id);
}
