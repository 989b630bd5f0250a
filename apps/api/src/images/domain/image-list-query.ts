import type {
  DateFilter,
  ImageListQuery,
  ImageStatus,
  ImageVisibility,
  MemberStatus as DbMemberStatus,
  SortKey,
  SortSpec,
} from '@glance-ts/db';
import { MEMBER_STATUSES as DB_MEMBER_STATUSES } from '@glance-ts/db';
import { IMAGE_STATUSES } from '@glance-ts/contracts';
import { parseIsoTime, parseWebobQueryString, pyInt, pyStrip, urlencode } from '@glance-ts/pycompat';
import { ImageRequestError } from './image-errors';

/**
 * GET /v2/images: the query as Glance reads it (RequestDeserializer.index and _get_sorting_params,
 * ImagesController.index, and the filter handling of the database layer's image_get_all), and the
 * `first` / `next` links of ResponseSerializer.index.
 *
 * The query comes either as the raw query string (preferred: parsed here the way webob does) or as
 * Fastify's parsed object, where a repeated key is an array. Glance reads a repeated key three
 * ways, reproduced here: `tag`, `sort_key` and `sort_dir` collect every value; `limit`, `marker`,
 * `member_status` and `sort` take the first, any further values then acting as custom-property
 * filters; every other filter takes the last.
 */

export type ListQueryInput = string | Readonly<Record<string, unknown>>;

/** Glance's `member_status` of a listing: which memberships list a shared image (`all`: any). */
export type MemberStatus = DbMemberStatus | 'all';

export interface ParsedImageListQuery extends Omit<ImageListQuery, 'scope'> {
  /**
   * Which shared images to include, by the caller's membership status (default `accepted`).
   * Validated as Glance does; without image members there is nothing it changes yet.
   */
  memberStatus: MemberStatus;
  /**
   * Filters Glance applies as comparisons on image columns that ImageListQuery cannot express
   * (`checksum`, `os_hash_value`, `min_ram`, `virtual_size_min`...): the service must refuse or
   * implement them rather than ignore them.
   */
  unsupportedFilters: string[];
}

export interface ListQueryOptions {
  /** Glance's `limit_param_default`. */
  limitParamDefault?: number;
  /** Glance's `api_limit_max`: larger limits are lowered to it. */
  apiLimitMax?: number;
}

export interface ImageListLinks {
  first: string;
  next?: string;
}

/** Glance's `_available_sort_keys`, in its order (the error message lists them). */
export const LIST_SORT_KEYS: readonly SortKey[] = [
  'name',
  'status',
  'container_format',
  'disk_format',
  'size',
  'id',
  'created_at',
  'updated_at',
];

const VISIBILITY_FILTERS = ['community', 'public', 'private', 'shared', 'all'] as const;
const MEMBER_STATUSES: readonly MemberStatus[] = [...DB_MEMBER_STATUSES, 'all'];
const DATE_OPERATORS: ReadonlyArray<DateFilter['op']> = ['gt', 'gte', 'lt', 'lte', 'neq', 'eq'];
const OPERATOR_FILTERS = ['name', 'id', 'status', 'container_format', 'disk_format'] as const;
/** Image columns Glance compares for equality (or, with _min/_max, by range) beyond what the repository supports. */
const UNSUPPORTED_COLUMN_FILTERS = new Set([
  'os_hash_algo',
  'size',
  'virtual_size',
  'min_disk',
  'min_ram',
  'deleted_at',
  'properties',
  'locations',
  'members',
  'tags',
]);
/** Set by Glance's controller whatever the query says (deleted=False), so a query value is ignored. */
const OVERRIDDEN_FILTERS = new Set(['deleted']);

const badRequest = (message: string) => new ImageRequestError(400, message);

/**
 * The query as webob's MultiDict: pairs in request order, with Glance's first-value `pop` and
 * last-value `get`.
 */
class QueryParams {
  private readonly pairs: Array<[string, string]>;

  constructor(pairs: ReadonlyArray<readonly [string, string]>) {
    this.pairs = pairs.map(([key, value]) => [key, value]);
  }

  has(key: string): boolean {
    return this.pairs.some(([name]) => name === key);
  }

  popFirst(key: string): string | undefined {
    const index = this.pairs.findIndex(([name]) => name === key);
    if (index < 0) return undefined;
    return this.pairs.splice(index, 1)[0][1];
  }

  popAll(key: string): string[] {
    const values: string[] = [];
    for (let value = this.popFirst(key); value !== undefined; value = this.popFirst(key)) values.push(value);
    return values;
  }

  getLast(key: string): string | undefined {
    for (let i = this.pairs.length - 1; i >= 0; i -= 1) if (this.pairs[i][0] === key) return this.pairs[i][1];
    return undefined;
  }

  /** `dict(multidict)`: keys in first-occurrence order, each with its last value. */
  toDict(): Map<string, string> {
    const dict = new Map<string, string>();
    // Map.set keeps a key where it was first inserted, as a Python dict does.
    for (const [key, value] of this.pairs) dict.set(key, value);
    return dict;
  }
}

/** Parses and validates the list query; throws ImageRequestError with Glance's message. */
export function parseImageListQuery(
  query: ListQueryInput,
  options: ListQueryOptions = {},
): ParsedImageListQuery {
  const { limitParamDefault = 25, apiLimitMax = 1000 } = options;
  const params = new QueryParams(queryPairs(query));

  // RequestDeserializer.index
  const limitText = params.popFirst('limit');
  const marker = params.popFirst('marker');
  const memberStatus = params.popFirst('member_status') ?? 'accepted';
  const tags = params.popAll('tag').map(pyStrip);

  const visibility = params.getLast('visibility');
  if (visibility && !(VISIBILITY_FILTERS as readonly string[]).includes(visibility)) {
    throw badRequest(`Invalid visibility value: ${visibility}`);
  }
  // Glance refuses any non-empty value here and fails with a 500 on an empty one.
  if (params.has('changes-since')) {
    throw badRequest('The "changes-since" filter is no longer available on v2.');
  }
  if (!(MEMBER_STATUSES as readonly string[]).includes(memberStatus)) {
    throw badRequest(`Invalid status: ${memberStatus}`);
  }
  let limit = limitParamDefault;
  if (limitText !== undefined) {
    const parsed = pyInt(limitText);
    if (parsed === undefined) throw badRequest('limit param must be an integer');
    if (parsed < 0) throw badRequest('limit param must be positive');
    limit = parsed;
  }
  const sort = sortingParams(params);

  // ImagesController.index
  const filters: ParsedImageListQuery['filters'] = {};
  const osHidden = params.getLast('os_hidden');
  if (osHidden !== undefined) {
    const lowered = osHidden.toLowerCase();
    if (lowered !== 'true' && lowered !== 'false') {
      throw badRequest(
        `Invalid value '${lowered}' for 'os_hidden' filter. Valid values are 'true' or 'false'.`,
      );
    }
    filters.osHidden = lowered === 'true';
  }
  const protectedFilter = params.getLast('protected');
  if (protectedFilter !== undefined) {
    if (protectedFilter !== 'true' && protectedFilter !== 'false') {
      throw badRequest(
        `Invalid value '${protectedFilter}' for 'protected' filter. Valid values are 'true' or 'false'.`,
      );
    }
    filters.protected = protectedFilter === 'true';
  }
  limit = Math.min(apiLimitMax, limit);

  if (visibility !== undefined) {
    if (visibility === '') {
      // Glance filters on visibility == '', which no image has: an empty id set says the same.
      filters.id = [];
    } else {
      filters.visibility = visibility as ImageVisibility | 'all';
    }
  }
  if (tags.length > 0) filters.tags = tags;

  const unsupportedFilters = applyDatabaseFilters(params, filters);
  const result: ParsedImageListQuery = {
    filters,
    sort,
    limit,
    memberStatus: memberStatus as MemberStatus,
    unsupportedFilters,
  };
  if (marker !== undefined) result.marker = marker;
  return result;
}

/** The database layer's `_make_conditions_from_filters`: what is left of the query, in order. */
function applyDatabaseFilters(params: QueryParams, filters: ParsedImageListQuery['filters']): string[] {
  const unsupported: string[] = [];
  const remaining = params.toDict();
  for (const consumed of ['visibility', 'os_hidden', 'protected', ...OVERRIDDEN_FILTERS])
    remaining.delete(consumed);
  // `tag` fills the tags filter; a `tags` key is only used when there is no `tag`.
  if (filters.tags) remaining.delete('tags');

  // Range, date and operator filters first (they can fail), in query order.
  for (const [key, value] of remaining) {
    if (key.endsWith('_min') || key.endsWith('_max')) {
      remaining.delete(key);
      const bound = pyInt(value);
      if (bound === undefined) throw badRequest('Unable to filter on a range with a non-numeric value.');
      if (key === 'size_min') filters.sizeMin = bound;
      else if (key === 'size_max') filters.sizeMax = bound;
      else unsupported.push(key);
    } else if (key === 'created_at' || key === 'updated_at') {
      remaining.delete(key);
      const dateFilter = parseDateFilter(key, value);
      if (key === 'created_at') filters.createdAt = dateFilter;
      else filters.updatedAt = dateFilter;
    } else if ((OPERATOR_FILTERS as readonly string[]).includes(key)) {
      remaining.delete(key);
      applyOperatorFilter(key as (typeof OPERATOR_FILTERS)[number], value, filters);
    }
  }

  // Everything else: the owner column, columns the repository cannot compare, custom properties.
  for (const [key, value] of remaining) {
    if (key === 'owner') filters.owner = value;
    else if (key === 'checksum') filters.checksum = [value];
    else if (key === 'os_hash_value') filters.osHashValue = [value];
    else if (UNSUPPORTED_COLUMN_FILTERS.has(key)) unsupported.push(key);
    else (filters.properties ??= {})[key] = value;
  }
  return unsupported;
}

function parseDateFilter(key: string, expression: string): DateFilter {
  const [op, threshold] = splitFilterOp(expression);
  const parsed = parseIsoTime(threshold);
  // An instant outside datetime's range once in UTC is a 500 in Glance (OverflowError); a 400 here.
  if (!parsed?.date) throw badRequest(`Bad "${key}" query filter format. Use ISO 8601 DateTime notation.`);
  if (!(DATE_OPERATORS as readonly string[]).includes(op)) {
    throw badRequest('Unable to filter on a unknown operator.');
  }
  return { op: op as DateFilter['op'], value: parsed.date };
}

function applyOperatorFilter(
  key: (typeof OPERATOR_FILTERS)[number],
  expression: string,
  filters: ParsedImageListQuery['filters'],
): void {
  const [op, operand] = splitFilterOp(expression);
  let values: string[];
  if (op === 'in') values = splitFilterValueForQuotes(operand);
  else if (op === 'eq') values = [operand];
  else throw badRequest(`Unable to filter by unknown operator '${op}'.`);
  switch (key) {
    case 'name':
      filters.name = values;
      break;
    case 'id':
      // An empty visibility already emptied the id set; keep it empty.
      filters.id = filters.id?.length === 0 ? [] : values;
      break;
    case 'status':
      // A status no image can have matches nothing; an empty set says so.
      filters.status = values.filter((value): value is ImageStatus =>
        (IMAGE_STATUSES as readonly string[]).includes(value),
      );
      break;
    case 'container_format':
      filters.containerFormat = values;
      break;
    case 'disk_format':
      filters.diskFormat = values;
      break;
  }
}

/**
 * Glance's `split_filter_op`: `op:value`, or `eq` for a plain value — and for a value that is an
 * ISO 8601 time as a whole, colons and all (`2024-01-01T10:00:00Z`).
 */
export function splitFilterOp(expression: string): [string, string] {
  const separator = expression.indexOf(':');
  if (separator < 0) return ['eq', expression];
  if (parseIsoTime(expression)) return ['eq', expression];
  return [expression.slice(0, separator), expression.slice(separator + 1)];
}

/**
 * Glance's `split_filter_value_for_quotes` (with `validate_quotes`): the `in:` list, split on
 * commas, where a double-quoted item may hold commas (`in:a,"b,c"` → a, b,c). Backslash escapes
 * inside quotes are kept as written, as Glance keeps them.
 */
export function splitFilterValueForQuotes(value: string): string[] {
  let openQuotes = true;
  for (let i = 0; i < value.length; i += 1) {
    if (value[i] !== '"') continue;
    if (i > 0 && value[i - 1] === '\\') continue;
    if (openQuotes) {
      if (i > 0 && value[i - 1] !== ',') {
        throw badRequest(`Invalid filter value ${value}. There is no comma before opening quotation mark.`);
      }
    } else if (i + 1 !== value.length && value[i + 1] !== ',') {
      throw badRequest(`Invalid filter value ${value}. There is no comma after closing quotation mark.`);
    }
    openQuotes = !openQuotes;
  }
  if (!openQuotes) throw badRequest(`Invalid filter value ${value}. The quote is not closed.`);
  // Python's `.` stops only at \n, where JavaScript's also stops at \r, U+2028 and U+2029.
  const item = /"([^"\\]*(?:\\[^\n][^"\\]*)*)",?|([^,]+),?|,/g;
  return [...value.matchAll(item)].map((match) => match[1] || match[2] || '');
}

/** `_get_sorting_params`: the classic `sort_key`/`sort_dir` pairs or the newer `sort=k:dir,...`. */
function sortingParams(params: QueryParams): SortSpec[] {
  const keys: SortKey[] = [];
  const dirs: Array<SortSpec['dir']> = [];
  if (params.has('sort')) {
    if (params.has('sort_key') || params.has('sort_dir')) {
      throw badRequest('Old and new sorting syntax cannot be combined');
    }
    for (const item of pyStrip(params.popFirst('sort') as string).split(',')) {
      const colon = item.indexOf(':');
      const key = colon < 0 ? item : item.slice(0, colon);
      const dir = colon < 0 ? '' : item.slice(colon + 1);
      keys.push(validateSortKey(pyStrip(key)));
      dirs.push(validateSortDir(pyStrip(dir || 'desc')));
    }
  } else {
    for (const key of params.popAll('sort_key')) keys.push(validateSortKey(pyStrip(key)));
    for (const dir of params.popAll('sort_dir')) dirs.push(validateSortDir(pyStrip(dir)));
    if (dirs.length > 1 && dirs.length !== keys.length) {
      throw badRequest('Number of sort dirs does not match the number of sort keys');
    }
  }
  if (keys.length === 0) keys.push('created_at');
  // One direction applies to every key; none means descending (the database layer's rule).
  return keys.map((key, index) => ({ key, dir: dirs.length > 1 ? dirs[index] : (dirs[0] ?? 'desc') }));
}

function validateSortKey(key: string): SortKey {
  if (!(LIST_SORT_KEYS as readonly string[]).includes(key)) {
    throw badRequest(
      `Invalid sort key: ${key}. It must be one of the following: ${LIST_SORT_KEYS.join(', ')}.`,
    );
  }
  return key as SortKey;
}

function validateSortDir(dir: string): SortSpec['dir'] {
  if (dir !== 'asc' && dir !== 'desc') throw badRequest(`Invalid sort direction: ${dir}`);
  return dir;
}

/**
 * ResponseSerializer.index's links: `first` is `/v2/images` with the request's parameters but
 * `marker` (`dict(request.params)`: one value per key, the last, in first-seen order, urlencoded);
 * `next`, when the page came back full, adds `marker=<last id>` at the end.
 */
export function buildListLinks(query: ListQueryInput, nextMarker?: string | null): ImageListLinks {
  const params = new QueryParams(queryPairs(query)).toDict();
  params.delete('marker');
  const encoded = urlencode([...params]);
  const links: ImageListLinks = { first: encoded ? `/v2/images?${encoded}` : '/v2/images' };
  if (nextMarker !== undefined && nextMarker !== null) {
    params.set('marker', nextMarker);
    links.next = `/v2/images?${urlencode([...params])}`;
  }
  return links;
}

/** The query as ordered key/value pairs, from the raw string (webob's way) or Fastify's object. */
export function queryPairs(query: ListQueryInput): Array<[string, string]> {
  if (typeof query === 'string') return parseWebobQueryString(query);
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) pairs.push([key, String(item)]);
  }
  return pairs;
}
