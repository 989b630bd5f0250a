/**
 * The listing against a model of Glance's rules, on both engines: random images (visibilities,
 * owners, NULL names and sizes, equal creation times, hidden ones) and memberships of every status,
 * then random listings (scope, visibility, member_status, order, page size) paged through with
 * markers. The listing is built from disjoint parts merged in SQL (list-query.ts, scopeParts), so
 * every page must be exactly the model's. Seeded: a failure names its seed and query.
 */
import type { MemberStatus } from './member-repository';
import type { DatabaseDialect } from './sql-dialect';
import { openTestImageDatabase, removeEveryImage, type TestImageDatabase } from './testing/databases';
import type { ImageListQuery, ImageVisibility, ListScope, SortSpec } from './types';

const DIALECTS: DatabaseDialect[] = ['sqlite', 'postgresql'];
const SEEDS = [1, 2, 3];
const IMAGES = 60;
const LISTINGS_PER_SEED = 40;
const T0 = Date.parse('2024-01-01T00:00:00.000Z');

/** mulberry32: a small seeded generator. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)];
  return { next, pick };
}

interface ModelImage {
  id: string;
  visibility: ImageVisibility;
  owner: string | null;
  name: string | null;
  size: number | null;
  createdAt: number;
  osHidden: boolean;
  /** member → status */
  members: Map<string, MemberStatus>;
}

const VISIBILITIES: ImageVisibility[] = ['public', 'private', 'shared', 'community'];
const PROJECTS = ['p1', 'p2', 'p3'];
const STATUSES: MemberStatus[] = ['pending', 'accepted', 'rejected'];
const SORTS: SortSpec[][] = [
  [],
  [{ key: 'created_at', dir: 'asc' }],
  [{ key: 'name', dir: 'asc' }],
  [
    { key: 'name', dir: 'desc' },
    { key: 'size', dir: 'asc' },
  ],
  [{ key: 'size', dir: 'desc' }],
  [{ key: 'id', dir: 'asc' }],
];

/** Glance's visible set (see scopeParts), hidden images left out as by default. */
function visible(image: ModelImage, query: ImageListQuery): boolean {
  if (image.osHidden) return false;
  const { scope } = query;
  const { visibility, memberStatus = 'accepted' } = query.filters;
  if (scope.isAdmin)
    return visibility === undefined || visibility === 'all' || image.visibility === visibility;
  const project = scope.projectId;
  const owns = project !== null && image.owner === project;
  const status = project === null ? undefined : image.members.get(project);
  const member =
    image.visibility === 'shared' &&
    status !== undefined &&
    (memberStatus === 'all' || status === memberStatus);
  switch (visibility) {
    case undefined:
      return image.visibility === 'public' || owns || member;
    case 'all':
      return image.visibility === 'public' || image.visibility === 'community' || owns || member;
    case 'public':
    case 'community':
      return image.visibility === visibility;
    case 'private':
      return image.visibility === 'private' && owns;
    case 'shared':
      return (image.visibility === 'shared' && owns) || member;
  }
}

/** The complete order (created_at, id appended in the first key's direction); NULL is the largest. */
function comparator(sort: readonly SortSpec[]) {
  const complete = sort.length > 0 ? [...sort] : [{ key: 'created_at', dir: 'desc' } as SortSpec];
  for (const key of ['created_at', 'id'] as const)
    if (!complete.some((spec) => spec.key === key)) complete.push({ key, dir: complete[0].dir });
  const value = (image: ModelImage, key: SortSpec['key']): string | number | null =>
    ({ created_at: image.createdAt, id: image.id, name: image.name, size: image.size })[
      key as 'created_at' | 'id' | 'name' | 'size'
    ];
  return (a: ModelImage, b: ModelImage): number => {
    for (const { key, dir } of complete) {
      const [x, y] = [value(a, key), value(b, key)];
      if (x === y) continue;
      const order = x === null ? 1 : y === null ? -1 : x < y ? -1 : 1;
      return dir === 'asc' ? order : -order;
    }
    return 0;
  };
}

describe.each(DIALECTS)('listing pages on %s are the model’s', (dialect) => {
  let time = T0;
  let test: TestImageDatabase | undefined;
  beforeAll(async () => {
    test = await openTestImageDatabase(dialect, { clock: () => new Date(time) });
  });
  afterAll(() => test?.dispose());

  it.each(SEEDS)(
    'seed %i',
    async (seed) => {
      const { images, members } = test!.database;
      await removeEveryImage(images);

      const random = generator(seed);
      const model: ModelImage[] = [];
      for (let i = 0; i < IMAGES; i++) {
        const image: ModelImage = {
          id: `img-${seed}-${String(i).padStart(3, '0')}`,
          visibility: random.pick(VISIBILITIES),
          owner: random.pick([...PROJECTS, null]),
          name: random.pick([null, 'a', 'b', 'c']),
          size: random.pick([null, 1, 2, 3]),
          // Ten instants for sixty images: many share a creation time, so the id decides.
          createdAt: T0 + Math.floor(random.next() * 10) * 1000,
          osHidden: random.next() < 0.1,
          members: new Map(),
        };
        time = image.createdAt;
        await images.create({
          id: image.id,
          visibility: image.visibility,
          owner: image.owner,
          name: image.name,
          size: image.size,
          osHidden: image.osHidden,
        });
        // Members of images of any visibility (a shared image made private keeps its members).
        for (const project of PROJECTS)
          if (random.next() < 0.4) {
            const status = random.pick(STATUSES);
            // Memberships are made later than their images, and in another order.
            time = T0 + 100_000 + Math.floor(random.next() * 10) * 1000;
            await members.add(image.id, project, -1);
            if (status !== 'pending') await members.setStatus(image.id, project, status);
            image.members.set(project, status);
          }
        model.push(image);
      }

      for (let listing = 0; listing < LISTINGS_PER_SEED; listing++) {
        const scope: ListScope = random.pick([
          { isAdmin: true, projectId: 'p1' },
          { isAdmin: false, projectId: 'p1' },
          { isAdmin: false, projectId: 'p2' },
          { isAdmin: false, projectId: null },
        ]);
        const query: ImageListQuery = {
          scope,
          filters: {
            visibility: random.pick([undefined, 'all', 'public', 'community', 'private', 'shared'] as const),
            memberStatus: random.pick([undefined, 'accepted', 'pending', 'rejected', 'all'] as const),
          },
          sort: random.pick(SORTS),
          limit: 1 + Math.floor(random.next() * 12),
        };
        const expected = model
          .filter((image) => visible(image, query))
          .sort(comparator(query.sort))
          .map((image) => image.id);
        const pages: string[][] = [];
        for (let marker: string | undefined; pages.length <= IMAGES;) {
          const page = (await images.list({ ...query, marker })).map((image) => image.id);
          if (page.length === 0) break;
          pages.push(page);
          marker = page.at(-1);
        }
        const context = `seed ${seed}, listing ${listing}: ${JSON.stringify(query)}`;
        expect({ context, ids: pages.flat() }).toEqual({ context, ids: expected });
        for (const [index, page] of pages.entries())
          expect({ context, index, page }).toEqual({
            context,
            index,
            page: expected.slice(index * query.limit, (index + 1) * query.limit),
          });
      }
    },
    120_000,
  );
});
