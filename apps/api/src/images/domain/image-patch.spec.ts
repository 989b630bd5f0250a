import type { ImageRecord } from '@glance-ts/db';
import { ImageRequestError } from './image-errors';
import {
  applyImagePatch,
  decodeJsonPointer,
  type ImagePatchOperation,
  type ImagePatchOptions,
  parseImagePatch,
} from './image-patch';

const V21 = 'application/openstack-images-v2.1-json-patch';
const V20 = 'application/openstack-images-v2.0-json-patch';

function image(overrides: Partial<ImageRecord> = {}): ImageRecord {
  return {
    id: '0b5a1c7e-9f6d-4b2a-8c3e-1d2f3a4b5c6d',
    name: 'cirros',
    status: 'queued',
    visibility: 'shared',
    size: null,
    virtualSize: null,
    diskFormat: null,
    containerFormat: null,
    checksum: null,
    osHashAlgo: null,
    osHashValue: null,
    owner: 'p1',
    minDisk: 0,
    minRam: 0,
    protected: false,
    osHidden: false,
    createdAt: new Date('2024-05-01T12:34:56.789Z'),
    updatedAt: new Date('2024-05-01T12:34:56.789Z'),
    properties: { hw_disk_bus: 'scsi', os_distro: 'cirros' },
    tags: ['a', 'b'],
    locations: [],
    ...overrides,
  };
}

function refusal(run: () => unknown): { status: number; message: string; headers?: object } {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ImageRequestError)) throw error;
    return Object.keys(error.headers).length > 0
      ? { status: error.status, message: error.message, headers: error.headers }
      : { status: error.status, message: error.message };
  }
  throw new Error('expected a refusal');
}

const parse = (body: unknown, contentType = V21) => parseImagePatch(contentType, body);
const patch = (body: unknown, record = image(), options: ImagePatchOptions = {}, contentType = V21) =>
  applyImagePatch(record, parseImagePatch(contentType, body), options);

describe('parseImagePatch: media types and body', () => {
  it('accepts both media types, with parameters after ";"', () => {
    expect(parse([{ op: 'replace', path: '/name', value: 'x' }], `${V21}; charset=UTF-8`)).toEqual([
      { op: 'replace', path: ['name'], value: 'x', jsonSchemaVersion: 10 },
    ]);
    expect(parse([{ replace: '/name', value: 'x' }], V20)).toEqual([
      { op: 'replace', path: ['name'], value: 'x', jsonSchemaVersion: 4 },
    ]);
  });

  it.each<[string | undefined, string]>([
    ['application/json', 'application/json'],
    [`${V21.toUpperCase()}`, V21.toUpperCase()],
    [` ${V21}`, ` ${V21}`],
    [`${V21} ; charset=utf-8`, `${V21} ; charset=utf-8`],
    [undefined, '${CONTENT_TYPE}'],
  ])('refuses %j with 415 and Accept-Patch', (contentType, shown) => {
    expect(refusal(() => parseImagePatch(contentType, []))).toEqual({
      status: 415,
      message: `The request media type ${shown} is not supported by this server.`,
      headers: { 'Accept-Patch': `${V20}, ${V21}` },
    });
  });

  it('checks the media type before the body', () => {
    expect(refusal(() => parseImagePatch('text/plain', undefined)).status).toBe(415);
  });

  it.each<[unknown, string]>([
    [undefined, 'Body expected in request.'],
    [null, 'Unexpected body type. Expected list/dict.'],
    ['x', 'Unexpected body type. Expected list/dict.'],
    [{ op: 'add' }, 'Request body must be a JSON array of operation objects.'],
    [['x'], 'Operations must be JSON objects.'],
    [[[]], 'Operations must be JSON objects.'],
  ])('refuses the body %j', (body, message) => {
    expect(refusal(() => parse(body))).toEqual({ status: 400, message });
  });

  it('accepts an empty list', () => {
    expect(parse([])).toEqual([]);
  });
});

describe('parseImagePatch: operation objects', () => {
  it.each<[unknown, string]>([
    [
      { path: '/name', value: 'x' },
      'Unable to find `op` in JSON Schema change. It must be one of the following: add, remove, replace.',
    ],
    [
      { op: null, path: '/name' },
      'Unable to find `op` in JSON Schema change. It must be one of the following: add, remove, replace.',
    ],
    [
      { op: 'move', path: '/name' },
      'Invalid operation: `move`. It must be one of the following: add, remove, replace.',
    ],
    [
      { op: 5, path: '/name' },
      'Invalid operation: `5`. It must be one of the following: add, remove, replace.',
    ],
    [
      { op: ['add'], path: '/name' },
      "Invalid operation: `['add']`. It must be one of the following: add, remove, replace.",
    ],
    [{ op: 'add', value: 'x' }, "Unable to find 'path' in JSON Schema change"],
    [{ op: 'add', path: '/name' }, 'Operation "add" requires a member named "value".'],
    [{ op: 'replace', path: '/name' }, 'Operation "replace" requires a member named "value".'],
    [{ op: 'add', path: '/a/b', value: 'x' }, "Invalid JSON pointer for this resource: '/a/b'"],
    [
      { op: 'replace', path: '/locations/0', value: 'x' },
      "Invalid JSON pointer for this resource: '/locations/0'",
    ],
    [{ op: 'add', path: '/locations', value: [] }, "Invalid JSON pointer for this resource: '/locations'"],
    [{ op: 'add', path: '/a~1b/c', value: 'x' }, "Invalid JSON pointer for this resource: '/a/b/c'"],
  ])('v2.1 %j', (change, message) => {
    expect(refusal(() => parse([change]))).toEqual({ status: 400, message });
  });

  it.each<[unknown, string]>([
    [
      { add: '/a', replace: '/a', value: 'x' },
      'Operation objects must contain only one member named "add", "remove", or "replace".',
    ],
    [
      { op: 'add', path: '/a', value: 'x' },
      'Operation objects must contain exactly one member named "add", "remove", or "replace".',
    ],
    [{ add: '/a' }, 'Operation "add" requires a member named "value".'],
  ])('v2.0 %j', (change, message) => {
    expect(refusal(() => parse([change], V20))).toEqual({ status: 400, message });
  });

  it('checks operations in order, each completely before the next', () => {
    expect(
      refusal(() => parse([{ op: 'add', path: '/status', value: 'active' }, { op: 'bad' }])).status,
    ).toBe(403);
    expect(
      refusal(() => parse([{ op: 'bad' }, { op: 'add', path: '/status', value: 'active' }])).status,
    ).toBe(400);
  });

  it('read-only and reserved names are refused, whatever the operation', () => {
    for (const name of [
      'created_at',
      'updated_at',
      'status',
      'checksum',
      'size',
      'virtual_size',
      'direct_url',
      'self',
      'file',
      'schema',
      'id',
      'os_hash_algo',
      'os_hash_value',
    ]) {
      expect(refusal(() => parse([{ op: 'remove', path: `/${name}` }]))).toEqual({
        status: 403,
        message: `Attribute '${name}' is read-only.`,
      });
    }
    for (const name of ['location', 'deleted', 'deleted_at', 'os_glance_x', 'os_glance']) {
      expect(refusal(() => parse([{ op: 'add', path: `/${name}`, value: 'x' }]))).toEqual({
        status: 403,
        message: `Attribute '${name}' is reserved.`,
      });
    }
  });

  it('checks values against the image schema (a location as a one-element list)', () => {
    expect(refusal(() => parse([{ op: 'replace', path: '/visibility', value: 'everyone' }])).message).toMatch(
      /^Provided object does not match schema 'image': 'everyone' is not one of /,
    );
    expect(refusal(() => parse([{ op: 'add', path: '/foo', value: 5 }])).message).toMatch(
      /^Provided object does not match schema 'image': 5 is not of type 'string'/,
    );
    expect(refusal(() => parse([{ op: 'add', path: '/locations/0', value: { url: 5 } }])).message).toMatch(
      /'metadata' is a required property.*On instance\['locations'\]\[0\]:/s,
    );
    // remove carries no value to check
    expect(parse([{ op: 'remove', path: '/foo', value: 5 }])).toEqual([
      { op: 'remove', path: ['foo'], jsonSchemaVersion: 10 },
    ]);
  });
});

describe('decodeJsonPointer', () => {
  it.each<[string, string[]]>([
    ['/name', ['name']],
    ['/a~1b', ['a/b']],
    ['/a~0b', ['a~b']],
    ['/a~01', ['a~1']],
    ['/ name\t', ['name']],
    ['//name', ['name']],
    ['/locations/-', ['locations', '-']],
    ['/', ['']],
  ])('%j → %j', (pointer, path) => {
    expect(decodeJsonPointer(pointer)).toEqual(path);
  });

  it.each<[unknown, string]>([
    ['name', 'Pointer `name` does not start with "/".'],
    ['', 'Pointer `` does not start with "/".'],
    [5, 'Pointer `5` does not start with "/".'],
    [null, 'Pointer `None` does not start with "/".'],
    ['/a//b', 'Pointer `/a//b` contains adjacent "/".'],
    ['/a/ \u3000/b', 'Pointer `/a/ \u3000/b` contains adjacent "/".'],
    ['/a/', 'Pointer `/a/` end with "/".'],
    ['/ / ', 'Pointer `/ / ` does not contains valid token.'],
    ['/a~2', 'Pointer `/a~2` contains "~" not part of a recognized escape sequence.'],
    ['/a~', 'Pointer `/a~` contains "~" not part of a recognized escape sequence.'],
  ])('refuses %j', (pointer, message) => {
    expect(refusal(() => decodeJsonPointer(pointer))).toEqual({ status: 400, message });
  });
});

describe('applyImagePatch', () => {
  it('replaces and adds columns and properties, reporting what was touched', () => {
    const result = patch([
      { op: 'replace', path: '/name', value: 'new' },
      { op: 'add', path: '/visibility', value: 'public' },
      { op: 'add', path: '/foo', value: 'bar' },
      { op: 'replace', path: '/hw_disk_bus', value: 'virtio' },
      { op: 'remove', path: '/os_distro' },
      { op: 'add', path: '/min_ram', value: 512 },
      { op: 'replace', path: '/protected', value: true },
      { op: 'add', path: '/os_hidden', value: true },
      { op: 'replace', path: '/name', value: 'newer' },
    ]);
    expect(result).toEqual({
      core: { name: 'newer', visibility: 'public', minRam: 512, protected: true, osHidden: true },
      properties: { hw_disk_bus: 'virtio', foo: 'bar' },
      tags: ['a', 'b'],
      changedKeys: [
        'name',
        'visibility',
        'foo',
        'hw_disk_bus',
        'os_distro',
        'min_ram',
        'protected',
        'os_hidden',
      ],
    });
    expect(Object.keys(result.properties)).toEqual(['hw_disk_bus', 'foo']);
  });

  it('reports a key even when the value does not change (Glance saves and checks policy anyway)', () => {
    expect(patch([{ op: 'replace', path: '/visibility', value: 'shared' }]).changedKeys).toEqual([
      'visibility',
    ]);
  });

  it('no operations, no change', () => {
    expect(patch([])).toEqual({
      core: {},
      properties: { hw_disk_bus: 'scsi', os_distro: 'cirros' },
      tags: ['a', 'b'],
      changedKeys: [],
    });
  });

  it('tags: replace or add sets the whole list, de-duplicated; remove is refused', () => {
    expect(patch([{ op: 'replace', path: '/tags', value: ['x', 'y', 'x'] }]).tags).toEqual(['x', 'y']);
    expect(patch([{ op: 'add', path: '/tags', value: [] }]).tags).toEqual([]);
    expect(refusal(() => patch([{ op: 'remove', path: '/tags' }]))).toEqual({
      status: 403,
      message: 'Property tags may not be removed.',
    });
  });

  it('v2.1 add on an existing property replaces it; v2.0 refuses it', () => {
    expect(patch([{ op: 'add', path: '/hw_disk_bus', value: 'ide' }]).properties.hw_disk_bus).toBe('ide');
    expect(refusal(() => patch([{ add: '/hw_disk_bus', value: 'ide' }], image(), {}, V20))).toEqual({
      status: 409,
      message: 'Property hw_disk_bus already present.',
    });
    expect(refusal(() => patch([{ add: '/name', value: 'x' }], image(), {}, V20))).toEqual({
      status: 409,
      message: 'Property name already present.',
    });
    expect(patch([{ add: '/new', value: 'x' }], image(), {}, V20).properties.new).toBe('x');
  });

  it.each<[unknown, number, string]>([
    [{ op: 'replace', path: '/nope', value: 'x' }, 409, 'Property nope does not exist.'],
    [{ op: 'remove', path: '/nope' }, 409, 'Property nope does not exist.'],
    [{ op: 'remove', path: '/name' }, 403, 'Property name may not be removed.'],
    [{ op: 'remove', path: '/visibility' }, 403, 'Property visibility may not be removed.'],
    [{ op: 'remove', path: '/owner' }, 403, 'Property owner may not be removed.'],
    [{ op: 'replace', path: '/owner', value: 'p2' }, 403, "Owner can't be updated by non admin."],
    [
      { op: 'replace', path: '/min_disk', value: -2 },
      400,
      "Invalid value '-2' for parameter 'min_disk': Cannot be a negative value",
    ],
    [
      { op: 'add', path: '/min_ram', value: 2 ** 31 },
      400,
      "'min_ram' value out of range, must not exceed 2147483647",
    ],
    [{ op: 'add', path: '/name', value: '😀' }, 400, "Name can't contain 4 byte unicode characters."],
    [{ op: 'add', path: '/hw_video', value: '😀' }, 400, "Hw_Video can't contain 4 byte unicode characters."],
    [{ op: 'add', path: '/tags', value: ['😀'] }, 400, "Param values can't contain 4 byte unicode."],
    [{ op: 'replace', path: '/locations', value: [] }, 403, 'Cannot set locations to empty list.'],
    [
      { op: 'replace', path: '/locations', value: [{ url: 'file:///x', metadata: {} }] },
      403,
      "It's not allowed to update locations if locations are invisible.",
    ],
    [
      { op: 'add', path: '/locations/-', value: { url: 'file:///x', metadata: {} } },
      403,
      "It's not allowed to add locations if locations are invisible.",
    ],
    [
      { op: 'remove', path: '/locations/0' },
      403,
      "It's not allowed to remove locations if locations are invisible.",
    ],
  ])('refuses %j', (change, status, message) => {
    expect(refusal(() => patch([change]))).toEqual({ status, message });
  });

  it('an admin may replace or add the owner; nobody else may do either (Glance lets anyone add it)', () => {
    expect(patch([{ op: 'replace', path: '/owner', value: 'p2' }], image(), { isAdmin: true }).core).toEqual({
      owner: 'p2',
    });
    expect(patch([{ op: 'add', path: '/owner', value: 'p2' }], image(), { isAdmin: true }).core).toEqual({
      owner: 'p2',
    });
    expect(refusal(() => patch([{ op: 'add', path: '/owner', value: 'p2' }]))).toEqual({
      status: 403,
      message: "Owner can't be updated by non admin.",
    });
  });

  it('disk and container formats change only while the image is queued or importing', () => {
    expect(
      patch([{ op: 'replace', path: '/disk_format', value: 'raw' }], image({ status: 'importing' })).core,
    ).toEqual({
      diskFormat: 'raw',
    });
    for (const name of ['disk_format', 'container_format']) {
      expect(
        refusal(() => patch([{ op: 'replace', path: `/${name}`, value: null }], image({ status: 'active' }))),
      ).toEqual({
        status: 403,
        message: `Attribute ${name} can be only replaced for a queued image.`,
      });
    }
  });

  it('applies in order: a later operation sees the earlier ones', () => {
    expect(
      patch([
        { op: 'add', path: '/x', value: '1' },
        { op: 'replace', path: '/x', value: '2' },
        { op: 'remove', path: '/x' },
      ]).properties,
    ).toEqual({ hw_disk_bus: 'scsi', os_distro: 'cirros' });
    expect(
      refusal(() =>
        patch([
          { op: 'remove', path: '/hw_disk_bus' },
          { op: 'remove', path: '/hw_disk_bus' },
        ]),
      ).status,
    ).toBe(409);
  });

  it('enforces the tag quota on the list given and the property quota only when properties are added', () => {
    expect(
      refusal(() =>
        patch([{ op: 'add', path: '/tags', value: ['a', 'a', 'a'] }], image(), { imageTagQuota: 2 }),
      ),
    ).toEqual({
      status: 413,
      message: 'The limit has been exceeded on the number of allowed image tags. Attempted: 3, Maximum: 2',
    });
    expect(
      refusal(() => patch([{ op: 'add', path: '/c', value: 'x' }], image(), { imagePropertyQuota: 2 })),
    ).toEqual({
      status: 413,
      message:
        'The limit has been exceeded on the number of allowed image properties. Attempted: 3, Maximum: 2',
    });
    // Already over the quota, but adding nothing new: allowed.
    expect(
      patch([{ op: 'replace', path: '/hw_disk_bus', value: 'x' }], image(), { imagePropertyQuota: 1 })
        .properties,
    ).toEqual({
      hw_disk_bus: 'x',
      os_distro: 'cirros',
    });
  });

  it('a null kernel_id leaves the property unset', () => {
    expect(patch([{ op: 'add', path: '/kernel_id', value: null }]).properties).toEqual({
      hw_disk_bus: 'scsi',
      os_distro: 'cirros',
    });
  });

  it('checks operations that did not come from parseImagePatch too', () => {
    const operations: ImagePatchOperation[] = [{ op: 'add', path: ['tags'], value: ['ok', 'x'.repeat(256)] }];
    expect(refusal(() => applyImagePatch(image(), operations)).message).toMatch(/is too long/);
    expect(
      refusal(() => applyImagePatch(image(), [{ op: 'replace', path: ['status'], value: 'active' }])),
    ).toEqual({
      status: 403,
      message: "Attribute 'status' is read-only.",
    });
    expect(applyImagePatch(image(), [{ op: 'add', path: ['tags'], value: ['a', 'b', 'c'] }]).tags).toEqual([
      'a',
      'b',
      'c',
    ]);
  });
});

describe('applyImagePatch: /locations with show_multiple_locations', () => {
  const VISIBLE: ImagePatchOptions = { locations: { hashingAlgorithm: 'sha512' } };
  const at = (url: string) => ({ url, metadata: {}, status: 'active' as const });
  const active = image({ status: 'active', locations: [at('file:///a'), at('file:///b')] });
  const add = (path: string, value: object) => ({ op: 'add', path, value });

  it('inserts at a position or the end, and lists what it added', () => {
    const result = patch(
      [add('/locations/0', { url: 'file:///c', metadata: {} })],
      active,
      VISIBLE,
    ).locations!;
    expect(result.locations.map((location) => location.url)).toEqual(['file:///c', 'file:///a', 'file:///b']);
    expect(result.added).toEqual([{ url: 'file:///c', metadata: {} }]);
    expect(result.activate).toBe(false);
  });

  it('removes by position and lists what it removed; an image needs one location left', () => {
    const result = patch([{ op: 'remove', path: '/locations/1' }], active, VISIBLE).locations!;
    expect(result.removed).toEqual([{ url: 'file:///b', metadata: {} }]);
    expect(
      refusal(() =>
        patch(
          [{ op: 'remove', path: '/locations/0' }],
          image({ status: 'active', locations: [at('file:///a')] }),
          VISIBLE,
        ),
      ),
    ).toEqual({ status: 403, message: 'Cannot remove last location in the image.' });
  });

  it('activates a queued image, taking its validation_data', () => {
    const hash = 'ab'.repeat(64);
    const result = patch(
      [
        add('/locations/-', {
          url: 'file:///c',
          metadata: {},
          validation_data: { os_hash_algo: 'sha512', os_hash_value: hash },
        }),
      ],
      image(),
      VISIBLE,
    ).locations!;
    expect(result).toMatchObject({
      activate: true,
      validation: { os_hash_algo: 'sha512', os_hash_value: hash },
    });
  });

  it.each<[string, unknown[], ImageRecord, number, string]>([
    [
      'a position that is no number',
      [add('/locations/x', { url: 'file:///c', metadata: {} })],
      active,
      400,
      'Invalid position for adding a location.',
    ],
    [
      'a remove while queued',
      [{ op: 'remove', path: '/locations/0' }],
      image(),
      409,
      "It's not allowed to remove locations if image status is queued.",
    ],
    [
      'an add while saving',
      [add('/locations/-', { url: 'file:///c', metadata: {} })],
      image({ status: 'saving' }),
      409,
      "It's not allowed to add locations if image status is saving.",
    ],
    [
      'a duplicate',
      [add('/locations/-', { url: 'file:///a', metadata: {} })],
      active,
      400,
      'The location file:///a already exists',
    ],
    [
      'conflicting validation data',
      [
        {
          op: 'replace',
          path: '/locations',
          value: [
            {
              url: 'file:///c',
              metadata: {},
              validation_data: { os_hash_algo: 'sha512', os_hash_value: 'ab'.repeat(64) },
            },
            {
              url: 'file:///d',
              metadata: {},
              validation_data: { os_hash_algo: 'sha512', os_hash_value: 'cd'.repeat(64) },
            },
          ],
        },
      ],
      image(),
      409,
      'Conflicting values for os_hash_value',
    ],
    [
      'a checksum that is not md5',
      [
        add('/locations/-', {
          url: 'file:///c',
          metadata: {},
          validation_data: {
            checksum: 'z'.repeat(32),
            os_hash_algo: 'sha512',
            os_hash_value: 'ab'.repeat(64),
          },
        }),
      ],
      image(),
      409,
      `checksum (${'z'.repeat(32)}) is not a valid hexadecimal value`,
    ],
    [
      'new hash values on an active image',
      [
        add('/locations/-', {
          url: 'file:///c',
          metadata: {},
          validation_data: { os_hash_algo: 'sha512', os_hash_value: 'ab'.repeat(64) },
        }),
      ],
      active,
      409,
      "New value(s) for os_hash_algo, os_hash_value may only be provided when image status is 'queued'",
    ],
  ])('refuses %s as Glance does', (_name, operations, record, status, message) => {
    expect(refusal(() => patch(operations, record, VISIBLE))).toEqual({ status, message });
  });
});
