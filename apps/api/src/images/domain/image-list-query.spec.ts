import { urlencode } from '@glance-ts/pycompat';
import { ImageRequestError } from './image-errors';
import {
  buildListLinks,
  type ListQueryInput,
  parseImageListQuery,
  splitFilterOp,
  splitFilterValueForQuotes,
} from './image-list-query';

const SORT_KEYS = 'name, status, container_format, disk_format, size, id, created_at, updated_at';

function refusal(query: ListQueryInput): string {
  try {
    parseImageListQuery(query);
  } catch (error) {
    if (!(error instanceof ImageRequestError)) throw error;
    expect(error.status).toBe(400);
    return error.message;
  }
  throw new Error('expected a refusal');
}

describe('parseImageListQuery: defaults, limit, marker', () => {
  it('an empty query: 25 newest first, no filters', () => {
    expect(parseImageListQuery('')).toEqual({
      filters: {},
      sort: [{ key: 'created_at', dir: 'desc' }],
      limit: 25,
      memberStatus: 'accepted',
      unsupportedFilters: [],
    });
    expect(parseImageListQuery({})).toEqual(parseImageListQuery(''));
  });

  it.each<[string, number]>([
    ['limit=10', 10],
    ['limit=0', 0],
    ['limit=5000', 1000],
    ['limit=%20%2B7%20', 7],
    ['limit=1_0', 10],
    ['limit=%D9%A3', 3],
    ['limit=99999999999999999999999', 1000],
    ['limit=3&limit=4', 3],
  ])('%s → %d', (query, limit) => {
    expect(parseImageListQuery(query).limit).toBe(limit);
  });

  it('configurable default and maximum', () => {
    expect(parseImageListQuery('', { limitParamDefault: 10 }).limit).toBe(10);
    expect(parseImageListQuery('limit=70', { apiLimitMax: 50 }).limit).toBe(50);
  });

  it.each<[string, string]>([
    ['limit=abc', 'limit param must be an integer'],
    ['limit=', 'limit param must be an integer'],
    ['limit=1.5', 'limit param must be an integer'],
    ['limit=-1', 'limit param must be positive'],
    ['member_status=bogus', 'Invalid status: bogus'],
    ['visibility=bogus', 'Invalid visibility value: bogus'],
    ['visibility=public&visibility=bogus', 'Invalid visibility value: bogus'],
    ['changes-since=2024-01-01', 'The "changes-since" filter is no longer available on v2.'],
  ])('%s → %s', (query, message) => {
    expect(refusal(query)).toBe(message);
  });

  it('takes the first marker; extra limit/marker values become property filters, as in Glance', () => {
    const parsed = parseImageListQuery('marker=m1&marker=m2&limit=2&limit=3');
    expect(parsed.marker).toBe('m1');
    expect(parsed.filters.properties).toEqual({ marker: 'm2', limit: '3' });
  });

  it('validates in Glance order: visibility, member_status, limit, sorting, then os_hidden/protected, then filters', () => {
    expect(refusal('limit=x&visibility=x&member_status=x&sort_key=x')).toBe('Invalid visibility value: x');
    expect(refusal('limit=x&member_status=x&sort_key=x')).toBe('Invalid status: x');
    expect(refusal('sort_key=x&limit=x')).toBe('limit param must be an integer');
    expect(refusal('os_hidden=x&sort_key=x')).toBe(
      `Invalid sort key: x. It must be one of the following: ${SORT_KEYS}.`,
    );
    expect(refusal('size_min=x&protected=x&os_hidden=x')).toBe(
      "Invalid value 'x' for 'os_hidden' filter. Valid values are 'true' or 'false'.",
    );
    expect(refusal('created_at=x&size_min=x')).toBe(
      'Bad "created_at" query filter format. Use ISO 8601 DateTime notation.',
    );
    expect(refusal('size_min=x&created_at=x')).toBe('Unable to filter on a range with a non-numeric value.');
  });
});

describe('parseImageListQuery: sorting', () => {
  it.each<[string, Array<[string, string]>]>([
    ['sort_key=name', [['name', 'desc']]],
    ['sort_dir=asc', [['created_at', 'asc']]],
    [
      'sort_key=name&sort_key=size&sort_dir=asc',
      [
        ['name', 'asc'],
        ['size', 'asc'],
      ],
    ],
    [
      'sort_key=name&sort_dir=asc&sort_key=size&sort_dir=desc',
      [
        ['name', 'asc'],
        ['size', 'desc'],
      ],
    ],
    ['sort_key=%20name%20', [['name', 'desc']]],
    [
      'sort=name:asc,size',
      [
        ['name', 'asc'],
        ['size', 'desc'],
      ],
    ],
    [
      'sort=%20name%20:%20asc%20,%20id%20',
      [
        ['name', 'asc'],
        ['id', 'desc'],
      ],
    ],
    ['sort=updated_at', [['updated_at', 'desc']]],
  ])('%s', (query, expected) => {
    expect(parseImageListQuery(query).sort).toEqual(expected.map(([key, dir]) => ({ key, dir })));
  });

  it.each<[string, string]>([
    ['sort_key=owner', `Invalid sort key: owner. It must be one of the following: ${SORT_KEYS}.`],
    ['sort_key=', `Invalid sort key: . It must be one of the following: ${SORT_KEYS}.`],
    ['sort_dir=up', 'Invalid sort direction: up'],
    [
      'sort_key=name&sort_key=id&sort_key=size&sort_dir=asc&sort_dir=asc',
      'Number of sort dirs does not match the number of sort keys',
    ],
    ['sort_dir=asc&sort_dir=desc', 'Number of sort dirs does not match the number of sort keys'],
    ['sort=name&sort_key=name', 'Old and new sorting syntax cannot be combined'],
    ['sort=name&sort_dir=asc', 'Old and new sorting syntax cannot be combined'],
    ['sort=', `Invalid sort key: . It must be one of the following: ${SORT_KEYS}.`],
    ['sort=name:up', 'Invalid sort direction: up'],
    // The whole value is stripped first: `sort=name:%20` is just `name:` (descending).
    ['sort=name:%20,id', 'Invalid sort direction: '],
    ['sort=name:asc:x', 'Invalid sort direction: asc:x'],
    ['sort=bogus:up', `Invalid sort key: bogus. It must be one of the following: ${SORT_KEYS}.`],
    ['sort_key=x&sort_dir=y', `Invalid sort key: x. It must be one of the following: ${SORT_KEYS}.`],
  ])('%s → %s', (query, message) => {
    expect(refusal(query)).toBe(message);
  });
});

describe('parseImageListQuery: filters', () => {
  it('column filters, tags and custom properties', () => {
    expect(
      parseImageListQuery(
        'name=cirros&status=active&visibility=community&owner=p1&tag=a&tag=%20b%20&size_min=10&size_max=20' +
          '&disk_format=qcow2&container_format=bare&protected=true&os_hidden=TRUE&member_status=all&hw_disk_bus=scsi&x=1&x=2',
      ),
    ).toEqual({
      filters: {
        name: ['cirros'],
        status: ['active'],
        visibility: 'community',
        owner: 'p1',
        tags: ['a', 'b'],
        sizeMin: 10,
        sizeMax: 20,
        diskFormat: ['qcow2'],
        containerFormat: ['bare'],
        protected: true,
        osHidden: true,
        properties: { hw_disk_bus: 'scsi', x: '2' },
      },
      sort: [{ key: 'created_at', dir: 'desc' }],
      limit: 25,
      memberStatus: 'all',
      unsupportedFilters: [],
    });
  });

  it('the in: operator and explicit eq:', () => {
    const { filters } = parseImageListQuery(
      'id=in:a,b&name=in:x,"y,z",,&status=in:active,bogus&disk_format=eq:raw&container_format=in:bare',
    );
    expect(filters).toEqual({
      id: ['a', 'b'],
      name: ['x', 'y,z', ''],
      status: ['active'],
      diskFormat: ['raw'],
      containerFormat: ['bare'],
    });
    expect(parseImageListQuery('name=eq:a:b').filters.name).toEqual(['a:b']);
    // Only unknown statuses: nothing can match, said with an empty set.
    expect(parseImageListQuery('status=bogus').filters.status).toEqual([]);
    expect(parseImageListQuery('name=in:').filters.name).toEqual([]);
  });

  it('a value that is an ISO 8601 time as a whole is an eq: value, colons and all', () => {
    expect(parseImageListQuery('name=2024-01-01T10:00:00Z').filters.name).toEqual(['2024-01-01T10:00:00Z']);
    expect(refusal('name=foo:bar')).toBe("Unable to filter by unknown operator 'foo'.");
    expect(refusal('id=gt:5')).toBe("Unable to filter by unknown operator 'gt'.");
  });

  it.each<[string, string]>([
    ['name=in:a"b', 'Invalid filter value a"b. There is no comma before opening quotation mark.'],
    ['name=in:"a"b', 'Invalid filter value "a"b. There is no comma after closing quotation mark.'],
    ['name=in:"a', 'Invalid filter value "a. The quote is not closed.'],
  ])('%s → %s', (query, message) => {
    expect(refusal(query)).toBe(message);
  });

  it('date filters', () => {
    expect(parseImageListQuery('created_at=gt:2024-01-01T10:00:00%2B01:00').filters.createdAt).toEqual({
      op: 'gt',
      value: new Date('2024-01-01T09:00:00Z'),
    });
    expect(parseImageListQuery('updated_at=2024-01-01').filters.updatedAt).toEqual({
      op: 'eq',
      value: new Date('2024-01-01T00:00:00Z'),
    });
    expect(parseImageListQuery('updated_at=neq:2024-02-29T23:59:59.999999Z').filters.updatedAt).toEqual({
      op: 'neq',
      value: new Date('2024-02-29T23:59:59.999Z'),
    });
  });

  it.each<[string, string]>([
    ['created_at=gt:yesterday', 'Bad "created_at" query filter format. Use ISO 8601 DateTime notation.'],
    ['updated_at=gt:2023-02-29', 'Bad "updated_at" query filter format. Use ISO 8601 DateTime notation.'],
    [
      'created_at=gt:0001-01-01T00:00:00%2B01:00',
      'Bad "created_at" query filter format. Use ISO 8601 DateTime notation.',
    ],
    ['created_at=after:2024-01-01', 'Unable to filter on a unknown operator.'],
    ['created_at=in:2024-01-01', 'Unable to filter on a unknown operator.'],
    ['size_max=ten', 'Unable to filter on a range with a non-numeric value.'],
    ['foo_min=x', 'Unable to filter on a range with a non-numeric value.'],
    ['os_hidden=yes', "Invalid value 'yes' for 'os_hidden' filter. Valid values are 'true' or 'false'."],
    ['os_hidden=YES', "Invalid value 'yes' for 'os_hidden' filter. Valid values are 'true' or 'false'."],
    ['protected=True', "Invalid value 'True' for 'protected' filter. Valid values are 'true' or 'false'."],
  ])('%s → %s', (query, message) => {
    expect(refusal(query)).toBe(message);
  });

  it('os_hidden is case-insensitive; protected is not', () => {
    expect(parseImageListQuery('os_hidden=False').filters.osHidden).toBe(false);
    expect(parseImageListQuery('protected=false').filters.protected).toBe(false);
  });

  it('the last value of a repeated filter wins', () => {
    expect(parseImageListQuery('name=a&name=b&visibility=private&visibility=all').filters).toEqual({
      name: ['b'],
      visibility: 'all',
    });
  });

  it('an empty visibility matches nothing, as Glance filters on visibility == ""', () => {
    expect(parseImageListQuery('visibility=&id=x').filters).toEqual({ id: [] });
  });

  it('reports column comparisons the repository cannot make; ignores deleted', () => {
    const parsed = parseImageListQuery(
      'checksum=abc&min_ram=5&virtual_size_min=1&os_hash_value=x&deleted=true&tags=ab',
    );
    expect(parsed.unsupportedFilters).toEqual(['virtual_size_min', 'min_ram', 'tags']);
    expect(parsed.filters).toEqual({ checksum: ['abc'], osHashValue: ['x'] });
  });

  it('accepts Fastify query objects (repeated keys as arrays)', () => {
    expect(
      parseImageListQuery({ tag: ['a', 'b'], limit: '5', sort_key: ['name', 'size'], sort_dir: 'asc' }),
    ).toMatchObject({
      filters: { tags: ['a', 'b'] },
      limit: 5,
      sort: [
        { key: 'name', dir: 'asc' },
        { key: 'size', dir: 'asc' },
      ],
    });
  });
});

describe('splitFilterOp and splitFilterValueForQuotes', () => {
  it.each<[string, [string, string]]>([
    ['abc', ['eq', 'abc']],
    ['in:a,b', ['in', 'a,b']],
    ['gt:2024-01-01T00:00:00Z', ['gt', '2024-01-01T00:00:00Z']],
    ['2024-01-01T00:00:00Z', ['eq', '2024-01-01T00:00:00Z']],
    [':x', ['', 'x']],
  ])('%s', (expression, expected) => {
    expect(splitFilterOp(expression)).toEqual(expected);
  });

  it.each<[string, string[]]>([
    ['a,b,c', ['a', 'b', 'c']],
    ['"a,b",c', ['a,b', 'c']],
    ['a,,b', ['a', '', 'b']],
    ['a,', ['a']],
    [',a', ['', 'a']],
    ['"a\\"b",c', ['a\\"b', 'c']],
    ['a\\"b', ['a\\"b']],
    ['""', ['']],
    ['a,,', ['a', '']],
    [',,', ['', '']],
    ['', []],
  ])('%j', (value, expected) => {
    expect(splitFilterValueForQuotes(value)).toEqual(expected);
  });
});

describe('buildListLinks', () => {
  it('first has every parameter but marker (last value of each, in first-seen order)', () => {
    expect(buildListLinks('', null)).toEqual({ first: '/v2/images' });
    expect(buildListLinks('marker=abc', undefined)).toEqual({ first: '/v2/images' });
    expect(buildListLinks('limit=2&tag=a&name=x%20y&tag=b&marker=m', null)).toEqual({
      first: '/v2/images?limit=2&tag=b&name=x+y',
    });
  });

  it('next appends the marker after the other parameters', () => {
    expect(buildListLinks('marker=old&limit=2&sort=name:asc', 'last-id')).toEqual({
      first: '/v2/images?limit=2&sort=name%3Aasc',
      next: '/v2/images?limit=2&sort=name%3Aasc&marker=last-id',
    });
    expect(buildListLinks('', 'id')).toEqual({ first: '/v2/images', next: '/v2/images?marker=id' });
  });

  it('encodes as urllib.parse.urlencode: quote_plus, UTF-8, upper-case hex', () => {
    expect(urlencode([['k y', 'é/~_.-*+"\'']])).toBe('k+y=%C3%A9%2F~_.-%2A%2B%22%27');
    expect(buildListLinks({ name: 'é', 'a b': ['1', '2'] }, null)).toEqual({
      first: '/v2/images?name=%C3%A9&a+b=2',
    });
  });
});
