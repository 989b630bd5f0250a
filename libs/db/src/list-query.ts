import { type Expression, type ExpressionBuilder, type OrderByModifiers, sql, type SqlBool } from 'kysely';
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
 */
export function listScope(
  eb: ImagesExpressionBuilder,
  scope: ListScope,
  visibility: ImageListQuery['filters']['visibility'],
  memberStatus: MemberStatus | 'all' = 'accepted',
): Condition {
  if (scope.isAdmin)
    return visibility === undefined || visibility === 'all' ? eb.and([]) : eb('visibility', '=', visibility);
  switch (visibility) {
    case undefined:
      return eb.or([
        eb('visibility', '=', 'public'),
        ...ownedBy(eb, scope),
        ...sharedWith(eb, scope, memberStatus),
      ]);
    case 'all':
      return eb.or([
        eb('visibility', 'in', ['public', 'community']),
        ...ownedBy(eb, scope),
        ...sharedWith(eb, scope, memberStatus),
      ]);
    case 'public':
    case 'community':
      return eb('visibility', '=', visibility);
    case 'private':
      return eb.and([
        eb('visibility', '=', visibility),
        ...(scope.projectId === null ? [NOTHING] : ownedBy(eb, scope)),
      ]);
    case 'shared':
      return scope.projectId === null
        ? NOTHING
        : eb.or([
            eb.and([eb('visibility', '=', 'shared'), ...ownedBy(eb, scope)]),
            ...sharedWith(eb, scope, memberStatus),
          ]);
  }
}

function ownedBy(eb: ImagesExpressionBuilder, scope: ListScope): Condition[] {
  return scope.projectId === null ? [] : [eb('owner', '=', scope.projectId)];
}

/**
 * Shared images the project is a member of (with `status`, or any): a semi-join the
 * (member, status, image_id) index answers from the member's side.
 */
function sharedWith(
  eb: ImagesExpressionBuilder,
  scope: ListScope,
  status: MemberStatus | 'all',
): Condition[] {
  if (scope.projectId === null) return [];
  let memberships = eb
    .selectFrom('image_members')
    .select('image_members.image_id')
    .where('image_members.member', '=', scope.projectId);
  if (status !== 'all') memberships = memberships.where('image_members.status', '=', status);
  return [eb.and([eb('visibility', '=', 'shared'), eb('id', 'in', memberships)])];
}

const DATE_OPERATORS = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=', neq: '<>' } as const;

/** Every filter of the query, ANDed (visibility is the scope's business, see listScope). */
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
