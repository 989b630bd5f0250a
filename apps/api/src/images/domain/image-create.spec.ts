import { parseCreateImageBody } from './image-create';
import { ImageRequestError } from './image-errors';

const UUID = '0b5a1c7e-9f6d-4b2a-8c3e-1d2f3a4b5c6d';

function refusal(body: unknown, quotas = {}): { status: number; message: string } {
  try {
    parseCreateImageBody(body, quotas);
  } catch (error) {
    if (!(error instanceof ImageRequestError)) throw error;
    return { status: error.status, message: error.message };
  }
  throw new Error('expected the body to be refused');
}

describe('parseCreateImageBody: accepted bodies', () => {
  it('splits columns, custom properties and tags; leaves defaults to the service', () => {
    expect(
      parseCreateImageBody({
        id: UUID,
        name: 'cirros',
        disk_format: 'qcow2',
        container_format: 'bare',
        visibility: 'public',
        protected: true,
        os_hidden: false,
        min_disk: 1,
        min_ram: 512,
        owner: 'other-project',
        hw_disk_bus: 'scsi',
        os_distro: 'cirros',
        tags: ['a', 'b', 'a'],
      }),
    ).toEqual({
      id: UUID,
      core: {
        name: 'cirros',
        diskFormat: 'qcow2',
        containerFormat: 'bare',
        visibility: 'public',
        protected: true,
        osHidden: false,
        minDisk: 1,
        minRam: 512,
        owner: 'other-project',
      },
      properties: { hw_disk_bus: 'scsi', os_distro: 'cirros' },
      tags: ['a', 'b'],
    });
  });

  it('an empty body is a valid request (everything defaults)', () => {
    expect(parseCreateImageBody({})).toEqual({ core: {}, properties: {}, tags: [] });
  });

  it('keeps nulls for nullable columns and the custom property order of the body', () => {
    const request = parseCreateImageBody({ z: '1', name: null, owner: null, a: '2', disk_format: null });
    expect(request.core).toEqual({ name: null, owner: null, diskFormat: null });
    expect(Object.keys(request.properties)).toEqual(['z', 'a']);
  });

  it('a null kernel_id / ramdisk_id (allowed by the schema) is left unset', () => {
    expect(parseCreateImageBody({ kernel_id: null, ramdisk_id: UUID }).properties).toEqual({
      ramdisk_id: UUID,
    });
  });

  it('a property named __proto__ is an ordinary property', () => {
    const request = parseCreateImageBody(JSON.parse('{"__proto__": "x"}'));
    expect(Object.getOwnPropertyNames(request.properties)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(request.properties)).toBe(Object.prototype);
  });

  it('accepts an upper-case UUID and a 255-character property name', () => {
    expect(parseCreateImageBody({ id: UUID.toUpperCase() }).id).toBe(UUID.toUpperCase());
    expect(Object.keys(parseCreateImageBody({ ['é'.repeat(255)]: 'v' }).properties)).toHaveLength(1);
  });
});

describe('parseCreateImageBody: refusals, with Glance statuses and messages', () => {
  it.each<[string, unknown, number, string]>([
    ['no body', undefined, 400, 'Body expected in request.'],
    ['a JSON string', 'x', 400, 'Unexpected body type. Expected list/dict.'],
    ['JSON null', null, 400, 'Unexpected body type. Expected list/dict.'],
    ['a number', 5, 400, 'Unexpected body type. Expected list/dict.'],
    ['a list (a 500 in Glance)', [], 400, 'Request body must be a JSON object.'],
    ['self', { self: '/v2/images/x' }, 403, "Attribute 'self' is read-only."],
    ['file', { file: 'x' }, 403, "Attribute 'file' is read-only."],
    ['schema', { schema: 'x' }, 403, "Attribute 'schema' is read-only."],
    ['direct_url', { direct_url: 'x' }, 403, "Attribute 'direct_url' is read-only."],
    ['stores', { stores: 'a,b' }, 403, "Attribute 'stores' is read-only."],
    ['status', { status: 'active' }, 403, "Attribute 'status' is read-only."],
    ['size', { size: 5 }, 403, "Attribute 'size' is read-only."],
    ['virtual_size', { virtual_size: null }, 403, "Attribute 'virtual_size' is read-only."],
    ['checksum', { checksum: 'abc' }, 403, "Attribute 'checksum' is read-only."],
    ['created_at', { created_at: 'x' }, 403, "Attribute 'created_at' is read-only."],
    ['updated_at', { updated_at: 'x' }, 403, "Attribute 'updated_at' is read-only."],
    ['os_hash_algo', { os_hash_algo: 'sha512' }, 403, "Attribute 'os_hash_algo' is read-only."],
    ['os_hash_value', { os_hash_value: 'abc' }, 403, "Attribute 'os_hash_value' is read-only."],
    ['location', { location: 'http://x' }, 403, "Attribute 'location' is reserved."],
    ['deleted', { deleted: 'x' }, 403, "Attribute 'deleted' is reserved."],
    ['deleted_at', { deleted_at: 'x' }, 403, "Attribute 'deleted_at' is reserved."],
    [
      'os_glance namespace',
      { os_glance_import_task: 'x' },
      403,
      "Attribute 'os_glance_import_task' is reserved.",
    ],
    ['os_glance without underscore', { os_glancefoo: 'x' }, 403, "Attribute 'os_glancefoo' is reserved."],
    ['locations', { locations: [] }, 403, "Attribute 'locations' is reserved."],
    [
      'a long property name',
      { ['x'.repeat(256)]: 'v' },
      400,
      'Custom property should not be greater than 255 characters.',
    ],
    [
      'a negative min_disk',
      { min_disk: -1 },
      400,
      "Invalid value '-1' for parameter 'min_disk': Cannot be a negative value",
    ],
    [
      'a negative min_ram',
      { min_ram: -5 },
      400,
      "Invalid value '-5' for parameter 'min_ram': Cannot be a negative value",
    ],
    ['a huge min_ram', { min_ram: 2 ** 31 }, 400, "'min_ram' value out of range, must not exceed 2147483647"],
    ['a 4-byte character in the name', { name: 'a😀' }, 400, "Name can't contain 4 byte unicode characters."],
    [
      'a 4-byte character in a property',
      { os_distro: '😀' },
      400,
      "Os_Distro can't contain 4 byte unicode characters.",
    ],
    [
      'a 4-byte character in a property name',
      { 'a😀': 'x' },
      400,
      "Property names can't contain 4 byte unicode.",
    ],
    ['a 4-byte character in a tag', { tags: ['😀'] }, 400, "Param values can't contain 4 byte unicode."],
  ])('%s', (_case, body, status, message) => {
    expect(refusal(body)).toEqual({ status, message });
  });

  it('schema errors carry jsonschema text', () => {
    const { status, message } = refusal({ disk_format: 'foo' });
    expect(status).toBe(400);
    expect(message).toMatch(
      /^Provided object does not match schema 'image': 'foo' is not one of \[None, 'ami', .*\n\nFailed validating 'enum' in schema\['properties'\]\['disk_format'\]:\n/s,
    );
    expect(refusal({ id: 'not-a-uuid' }).message).toMatch(
      /^Provided object does not match schema 'image': 'not-a-uuid' does not match/,
    );
    expect(refusal({ hw_disk_bus: 5 }).message).toMatch(
      /^Provided object does not match schema 'image': 5 is not of type 'string'/,
    );
    expect(refusal({ tags: ['x'.repeat(256)] }).message).toMatch(/is too long\n/);
  });

  it('checks in Glance order: read-only links, then the schema, then names, then columns', () => {
    // `self` is refused before the schema looks at anything.
    expect(refusal({ name: 5, self: 'x' }).message).toBe("Attribute 'self' is read-only.");
    // The schema before the read-only columns and reserved names.
    expect(refusal({ status: 'bogus', location: 'x' }).status).toBe(400);
    // Custom names (reserved) before the read-only columns (the image factory).
    expect(refusal({ status: 'active', deleted: 'x' }).message).toBe("Attribute 'deleted' is reserved.");
    // Read-only columns in the factory's order, then `locations`.
    expect(refusal({ size: 1, status: 'active', locations: [] }).message).toBe(
      "Attribute 'status' is read-only.",
    );
    expect(refusal({ locations: [], min_disk: -1 }).message).toBe("Attribute 'locations' is reserved.");
    // Custom names in body order.
    expect(refusal({ os_glance_b: 'x', os_glance_a: 'x' }).message).toBe(
      "Attribute 'os_glance_b' is reserved.",
    );
  });

  it('enforces the tag quota on the list as given, and the property quota', () => {
    const tags = Array.from({ length: 129 }, () => 'same');
    expect(refusal({ tags })).toEqual({
      status: 413,
      message:
        'The limit has been exceeded on the number of allowed image tags. Attempted: 129, Maximum: 128',
    });
    expect(parseCreateImageBody({ tags }, { imageTagQuota: -1 }).tags).toEqual(['same']);
    const properties = Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`p${i}`, 'v']));
    expect(refusal(properties, { imagePropertyQuota: 2 })).toEqual({
      status: 413,
      message:
        'The limit has been exceeded on the number of allowed image properties. Attempted: 3, Maximum: 2',
    });
    // The tag quota is checked before the read-only columns, the property quota after.
    expect(refusal({ ...properties, status: 'active', tags: ['a', 'b'] }, { imageTagQuota: 1 }).status).toBe(
      413,
    );
    expect(refusal({ ...properties, status: 'active' }, { imagePropertyQuota: 2 }).status).toBe(403);
  });
});
