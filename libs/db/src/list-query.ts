import {
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type OrderByModifiers,
  type SelectQueryBuilder,
  sql,
  type SqlBool,
} from 'kysely';
import type { ImageRow, ImageSchema } from './schema';
import type { SqlDialect } from './sql-dialect';
import type { MemberStatus } from './member-repository';
import type { DateFilter, ImageListQuery, ListScope, SortKey, SortSpec } from './types';

/**
 * The pieces of the list query: which images a caller may see, the filters, the order and where a
 * page starts. Everything here is the same SQL on both engines.
 *
 * NULLs sort as PostgreSQL's default has them, as if larger than every value (last ascending, first
 * descending), spelled out as NULLS LAST / NULLS FIRST so that SQLite (whose default is the
 * opposite) gives the same order. The keyset condition for markers follows the same rule.
 */

type ImagesExpressionBuilder = ExpressionBuilder<ImageSchema, 'images'>;
type Condition = Expression<SqlBool>;

const NOTHING = sql<SqlBool>`1 = 0`;

/** Sort keys whose column may hold NULL; the others need no NULL handling (and keep index use simple). */
const NULLABLE_SORT_KEYS: ReadonlySet<SortKey> = new Set<SortKey>([
  'name',
  'size',
  'virtual_size',
  'disk_format',
  'container_format',
  'owner',
]);

/** Glance's default order when the caller gives none. */
const DEFAULT_SORT: SortSpec[] = [{ key: 'created_at', dir: 'desc' }];

/**
 * The caller's order completed as Glance completes it: `created_at` then `id` appended when absent,
 * in the first key's direction, so that the order is total (ids are unique) and markers work.
 */
export function completeSort(sort: readonly SortSpec[]): SortSpec[] {
  const complete = sort.length > 0 ? [...sort] : [...DEFAULT_SORT];
  const dir = complete[0].dir;
  for (const key of ['created_at', 'id'] as const)
    if (!complete.some((spec) => spec.key === key)) complete.push({ key, dir });
  return complete;
}

export function orderModifiers(spec: SortSpec): OrderByModifiers {
  if (!NULLABLE_SORT_KEYS.has(spec.key)) return spec.dir;
  return spec.dir === 'asc' ? (order) => order.asc().nullsLast() : (order) => order.desc().nullsFirst();
}

/**
 * Glance's `is_image_visible` for a listing marker: admins see everything; others see public and
 * community images, their project's own, and shared images their project is a member of (in any
 * status).
 */
export function visibleTo(eb: ImagesExpressionBuilder, scope: ListScope): Condition {
  if (scope.isAdmin) return eb.and([]);
  return eb.or([
    eb('visibility', 'in', ['public', 'community']),
    ...ownedBy(eb, scope),
    ...sharedWith(eb, scope, 'all'),
  ]);
}

/**
 * One part of a listing's visible set: images that satisfy `condition`, and, for `members`, of
 * which the project is a member with `status` (or any). The parts of one listing are disjoint.
 */
export type ScopePart =
  | { kind: 'images'; condition: (eb: ImagesExpressionBuilder) => Condition }
  | {
      kind: 'members';
      projectId: string;
      status: MemberStatus | 'all';
      condition: (eb: ImagesExpressionBuilder) => Condition;
    };

/**
 * The visible set of a listing, as Glance's image_get_all:
 * - admin: everything, narrowed to one visibility when `visibility` names one;
 * - otherwise, by `visibility`:
 *   - absent: public images, every image the project owns (its community images included), and
 *     shared images the project is a member of with `memberStatus`;
 *   - `all`: the same plus every community image;
 *   - `public` / `community`: all images of that visibility;
 *   - `private`: the project's own private images;
 *   - `shared`: the project's own shared images and those it is a member of with `memberStatus`.
 * `memberStatus` is Glance's `member_status` (default `accepted`; `all`: any status). Unlike
 * Glance, a caller without a project sees no shared image by membership.
 *
 * Given as disjoint parts (none when nothing is visible), each of which one index lists in the
 * default order: (visibility, created_at, id), (owner, created_at, id) and the membership index
 * (member, status, image_created_at, image_id). One OR of them all would make either engine
 * collect every visible image and sort it (SQLite: ~2,000 rows for a member of 1,000 shared
 * images, 1.1 ms), or scan the whole table in order for a project that sees few.
 */
export function scopeParts(
  scope: ListScope,
  visibility: ImageListQuery['filters']['visibility'],
  memberStatus: MemberStatus | 'all' = 'accepted',
): ScopePart[] {
  const images = (condition: ScopePart['condition']): ScopePart => ({ kind: 'images', condition });
  const ofVisibility = (value: string) => images((eb) => eb('visibility', '=', value));
  if (scope.isAdmin)
    return [
      visibility === undefined || visibility === 'all'
        ? images((eb) => eb.and([]))
        : ofVisibility(visibility),
    ];
  const project = scope.projectId;
  // The project's own images of other visibilities than those listed whole, and the shared images
  // it is a member of but does not own (those it owns are in the first part already).
  const owned = (excluded: readonly string[]): ScopePart[] =>
    project === null
      ? []
      : [
          images((eb) =>
            eb.and([eb('owner', '=', project), ...excluded.map((value) => eb('visibility', '<>', value))]),
          ),
        ];
  const shared = (): ScopePart[] =>
    project === null
      ? []
      : [
          {
            kind: 'members',
            projectId: project,
            status: memberStatus,
            condition: (eb) =>
              eb.and([
                eb('visibility', '=', 'shared'),
                eb.or([eb('owner', 'is', null), eb('owner', '<>', project)]),
              ]),
          },
        ];
  switch (visibility) {
    case undefined:
      return [ofVisibility('public'), ...owned(['public']), ...shared()];
    case 'all':
      return [
        ofVisibility('public'),
        ofVisibility('community'),
        ...owned(['public', 'community']),
        ...shared(),
      ];
    case 'public':
    case 'community':
      return [ofVisibility(visibility)];
    case 'private':
      return project === null
        ? []
        : [images((eb) => eb.and([eb('visibility', '=', 'private'), eb('owner', '=', project)]))];
    case 'shared':
      return project === null
        ? []
        : [images((eb) => eb.and([eb('visibility', '=', 'shared'), eb('owner', '=', project)])), ...shared()];
  }
}

function ownedBy(eb: ImagesExpressionBuilder, scope: ListScope): Condition[] {
  return scope.projectId === null ? [] : [eb('owner', '=', scope.projectId)];
}

/**
 * Shared images the project is a member of (with `status`, or any): a semi-join the
 * (member, status, ...) index answers from the member's side.
 */
function sharedWith(
  eb: ImagesExpressionBuilder,
  scope: ListScope,
  status: MemberStatus | 'all',
): Condition[] {
  if (scope.projectId === null) return [];
  return [eb.and([eb('visibility', '=', 'shared'), memberOf(eb, scope.projectId, status)])];
}

/** The image is one the project is a member of (with `status`, or any). */
function memberOf(eb: ImagesExpressionBuilder, projectId: string, status: MemberStatus | 'all'): Condition {
  // Uncorrelated: built as any query is (the expression builder's selectFrom is Kysely's).
  const creator = eb as unknown as Pick<Kysely<ImageSchema>, 'selectFrom'>;
  return eb('id', 'in', memberships(creator, projectId, status).select('image_members.image_id'));
}

/** The project's memberships (with `status`, or any), as the (member, status, ...) index holds them. */
function memberships(
  creator: Pick<Kysely<ImageSchema>, 'selectFrom'>,
  projectId: string,
  status: MemberStatus | 'all',
) {
  const query = creator.selectFrom('image_members').where('image_members.member', '=', projectId);
  return status === 'all' ? query : query.where('image_members.status', '=', status);
}

/** The order is created_at then id in one direction: the order of the indexes of the scope parts. */
function inIndexOrder(sort: readonly SortSpec[]): boolean {
  return (
    sort.length === 2 && sort[0].key === 'created_at' && sort[1].key === 'id' && sort[0].dir === sort[1].dir
  );
}

/**
 * Filters that leave a listing's plan alone: visibility and member_status choose the scope parts
 * (fixed SQL, no values), os_hidden filters rows that no index serves.
 */
const VALUE_INDEPENDENT_FILTERS: ReadonlySet<string> = new Set<keyof ImageListQuery['filters']>([
  'visibility',
  'memberStatus',
  'osHidden',
]);

/**
 * Whether the plan of a listing page is the same whatever its values: no filter but the scope's
 * (visibility, member_status) and os_hidden, in the index order. Each part is then one backward
 * (or forward) scan of its own index that stops after a page, for a project that sees one image or
 * a million, so a plan made once serves every caller. With a filter (a rare `status`, a common
 * `name`) or another order, the best plan depends on the values and is made for each request.
 */
export function listPlanIsValueIndependent(query: ImageListQuery, sort: readonly SortSpec[]): boolean {
  return (
    inIndexOrder(sort) &&
    Object.entries(query.filters).every(
      ([key, value]) => value === undefined || VALUE_INDEPENDENT_FILTERS.has(key),
    )
  );
}

/**
 * The SELECT of one page of a listing: each scope part's first `limit` rows after the marker in
 * the order `sort` (complete, see completeSort), merged and cut to `limit`. The parts are disjoint,
 * so the page is exactly the first `limit` rows of their union.
 */
export function selectListPage(
  db: Kysely<ImageSchema>,
  query: ImageListQuery,
  sort: readonly SortSpec[],
  marker: ImageRow | undefined,
  dialect: SqlDialect,
) {
  const where = (eb: ImagesExpressionBuilder, part: ScopePart) =>
    eb.and([
      part.condition(eb),
      ...filterConditions(eb, query.filters, dialect),
      ...(marker === undefined ? [] : [afterMarker(eb, sort, marker)]),
    ]);
  // Column names, not table-qualified: the same for the images table and the merged page.
  const firstRows = <DB, TB extends keyof DB, O>(select: SelectQueryBuilder<DB, TB, O>) => {
    let ordered = select;
    for (const spec of sort) ordered = ordered.orderBy(sql.ref(spec.key), orderModifiers(spec));
    return ordered.limit(query.limit);
  };
  const partRows = (part: ScopePart) => {
    if (part.kind === 'members' && inIndexOrder(sort))
      return membersInIndexOrder(db, part, sort[0].dir, marker, query.limit, where);
    return firstRows(
      db
        .selectFrom('images')
        .selectAll()
        .where((eb) =>
          part.kind === 'members'
            ? eb.and([where(eb, part), memberOf(eb, part.projectId, part.status)])
            : where(eb, part),
        ),
    );
  };
  const parts = scopeParts(query.scope, query.filters.visibility, query.filters.memberStatus);
  if (parts.length === 0) return db.selectFrom('images').selectAll().where(NOTHING).limit(query.limit);
  if (parts.length === 1) return partRows(parts[0]);
  const [first, ...rest] = parts.map((part, index) =>
    db.selectFrom(partRows(part).as(`part${index}`)).selectAll(),
  );
  let union = first;
  for (const next of rest) union = union.unionAll(next);
  return firstRows(db.selectFrom(union.as('page')).selectAll());
}

/**
 * The first rows of a `members` part in the index order (created_at then id, direction `dir`):
 * the membership index gives them in order through its copy of the image's created_at, the
 * marker included as a range on it.
 */
function membersInIndexOrder(
  db: Kysely<ImageSchema>,
  part: Extract<ScopePart, { kind: 'members' }>,
  dir: SortSpec['dir'],
  marker: ImageRow | undefined,
  limit: number,
  where: (eb: ImagesExpressionBuilder, part: ScopePart) => Condition,
) {
  // Only the membership's own columns are exposed, so that every other column name is the image's.
  let owned = memberships(db, part.projectId, part.status).select([
    'image_members.image_id',
    'image_members.image_created_at',
  ]);
  if (marker !== undefined) {
    const after = dir === 'asc' ? '>' : '<';
    owned = owned.where((eb) =>
      eb.or([
        eb('image_members.image_created_at', after, marker.created_at),
        eb.and([
          eb('image_members.image_created_at', '=', marker.created_at),
          eb('image_members.image_id', after, marker.id),
        ]),
      ]),
    );
  }
  return db
    .selectFrom(owned.as('membership'))
    .innerJoin('images', 'images.id', 'membership.image_id')
    .selectAll('images')
    .where((eb) => where(eb as unknown as ImagesExpressionBuilder, part))
    .orderBy('membership.image_created_at', dir)
    .orderBy('membership.image_id', dir)
    .limit(limit);
}

const DATE_OPERATORS = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=', neq: '<>' } as const;

/** Every filter of the query, ANDed (visibility is the scope's business, see scopeParts). */
export function filterConditions(
  eb: ImagesExpressionBuilder,
  filters: ImageListQuery['filters'],
  dialect: SqlDialect,
): Condition[] {
  const conditions: Condition[] = [];
  const oneOf = (
    column: 'name' | 'id' | 'status' | 'disk_format' | 'container_format' | 'checksum' | 'os_hash_value',
    values?: readonly string[],
  ) => {
    if (values === undefined) return;
    // `IN ()` is not valid SQL; no value to match means no image matches.
    conditions.push(values.length === 0 ? NOTHING : eb(column, 'in', values));
  };
  const date = (column: 'created_at' | 'updated_at', filter?: DateFilter) => {
    if (filter) conditions.push(eb(column, DATE_OPERATORS[filter.op], dialect.toSqlTimestamp(filter.value)));
  };

  oneOf('name', filters.name);
  oneOf('id', filters.id);
  oneOf('status', filters.status);
  oneOf('disk_format', filters.diskFormat);
  oneOf('container_format', filters.containerFormat);
  oneOf('checksum', filters.checksum);
  oneOf('os_hash_value', filters.osHashValue);
  if (filters.owner !== undefined) conditions.push(eb('owner', '=', filters.owner));
  if (filters.sizeMin !== undefined) conditions.push(eb('size', '>=', filters.sizeMin));
  if (filters.sizeMax !== undefined) conditions.push(eb('size', '<=', filters.sizeMax));
  if (filters.protected !== undefined)
    conditions.push(eb('protected', '=', dialect.toSqlBoolean(filters.protected)));
  // Glance leaves hidden images out unless os_hidden is asked for.
  conditions.push(eb('os_hidden', '=', dialect.toSqlBoolean(filters.osHidden ?? false)));
  date('created_at', filters.createdAt);
  date('updated_at', filters.updatedAt);
  for (const tag of filters.tags ?? [])
    conditions.push(
      eb.exists(
        eb
          .selectFrom('image_tags')
          .select('image_tags.id')
          .whereRef('image_tags.image_id', '=', 'images.id')
          .where('image_tags.value', '=', tag),
      ),
    );
  for (const [name, value] of Object.entries(filters.properties ?? {}))
    conditions.push(
      eb.exists(
        eb
          .selectFrom('image_properties')
          .select('image_properties.name')
          .whereRef('image_properties.image_id', '=', 'images.id')
          .where('image_properties.name', '=', name)
          .where('image_properties.value', '=', value),
      ),
    );
  return conditions;
}

/**
 * Rows strictly after `marker` in the complete order `sort` (keyset pagination): for some key k,
 * every earlier key equals the marker's value and k comes after it. With NULL as the largest value:
 *   ascending,  marker value v: k > v OR k IS NULL;   marker NULL: nothing comes after;
 *   descending, marker value v: k < v;                marker NULL: k IS NOT NULL.
 * The order ends with the unique id, so exactly the rows after the marker qualify.
 */
export function afterMarker(
  eb: ImagesExpressionBuilder,
  sort: readonly SortSpec[],
  marker: ImageRow,
): Condition {
  const alternatives: Condition[] = [];
  const equalSoFar: Condition[] = [];
  for (const { key, dir } of sort) {
    const value = marker[key];
    const nullable = NULLABLE_SORT_KEYS.has(key);
    const after = comesAfter(eb, key, dir, value, nullable);
    if (after !== null) alternatives.push(eb.and([...equalSoFar, after]));
    equalSoFar.push(value === null ? eb(key, 'is', null) : eb(key, '=', value));
    // The order is total at the id: later keys can never break a tie.
    if (key === 'id') break;
  }
  return alternatives.length > 0 ? eb.or(alternatives) : NOTHING;
}

function comesAfter(
  eb: ImagesExpressionBuilder,
  key: SortKey,
  dir: SortSpec['dir'],
  value: ImageRow[SortKey],
  nullable: boolean,
): Condition | null {
  if (dir === 'asc') {
    if (value === null) return null;
    return nullable ? eb.or([eb(key, '>', value), eb(key, 'is', null)]) : eb(key, '>', value);
  }
  return value === null ? eb(key, 'is not', null) : eb(key, '<', value);
}
