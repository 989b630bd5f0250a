import type { ImageRecord } from '@glance-ts/db';
import { imagesView, imageView, isotime } from './image-view';

const ID = '0b5a1c7e-9f6d-4b2a-8c3e-1d2f3a4b5c6d';

function image(overrides: Partial<ImageRecord> = {}): ImageRecord {
  return {
    id: ID,
    name: 'cirros',
    status: 'active',
    visibility: 'public',
    size: 12345,
    virtualSize: null,
    diskFormat: 'qcow2',
    containerFormat: 'bare',
    checksum: 'c2e5db72bd7fd153f53ede5da5a06de3',
    osHashAlgo: 'sha512',
    osHashValue: 'abc',
    owner: 'p1',
    minDisk: 1,
    minRam: 512,
    protected: false,
    osHidden: false,
    createdAt: new Date('2024-05-01T12:34:56.789Z'),
    updatedAt: new Date('2024-05-02T00:00:00.001Z'),
    properties: { os_distro: 'cirros', hw_disk_bus: 'scsi' },
    tags: ['b', 'a'],
    locations: [
      { url: 'file:///a', metadata: { store: 'fast' }, status: 'active' },
      { url: 'file:///b', metadata: {}, status: 'active' },
      { url: 'file:///c', metadata: { store: 'gone' }, status: 'pending_delete' },
      { url: 'file:///d', metadata: { store: 'cheap' }, status: 'active' },
    ],
    ...overrides,
  };
}

describe('imageView', () => {
  it("is Glance's _format_image, key for key and in order", () => {
    const view = imageView(image(), { multiStore: true });
    expect(Object.entries(view)).toEqual([
      ['os_distro', 'cirros'],
      ['hw_disk_bus', 'scsi'],
      ['name', 'cirros'],
      ['disk_format', 'qcow2'],
      ['container_format', 'bare'],
      ['visibility', 'public'],
      ['size', 12345],
      ['virtual_size', null],
      ['status', 'active'],
      ['checksum', 'c2e5db72bd7fd153f53ede5da5a06de3'],
      ['protected', false],
      ['min_ram', 512],
      ['min_disk', 1],
      ['owner', 'p1'],
      ['os_hidden', false],
      ['os_hash_algo', 'sha512'],
      ['os_hash_value', 'abc'],
      ['id', ID],
      ['created_at', '2024-05-01T12:34:56Z'],
      ['updated_at', '2024-05-02T00:00:00Z'],
      ['tags', ['b', 'a']],
      ['self', `/v2/images/${ID}`],
      ['file', `/v2/images/${ID}/file`],
      ['schema', '/v2/schemas/image'],
      ['stores', 'fast,cheap'],
    ]);
  });

  it('has no stores without multiple stores, or without a location in one', () => {
    expect(imageView(image(), { multiStore: false })).not.toHaveProperty('stores');
    expect(imageView(image({ locations: [] }), { multiStore: true })).not.toHaveProperty('stores');
    expect(
      imageView(image({ locations: [{ url: 'file:///b', metadata: {}, status: 'active' }] }), {
        multiStore: true,
      }),
    ).not.toHaveProperty('stores');
  });

  it('never shows locations, direct_url or the staging host', () => {
    const view = imageView(image({ properties: { os_glance_stage_host: 'http://w1', a: 'b' } }), {
      multiStore: false,
    });
    expect(view).not.toHaveProperty('locations');
    expect(view).not.toHaveProperty('direct_url');
    expect(view).not.toHaveProperty('os_glance_stage_host');
    expect(view.a).toBe('b');
  });

  it('a custom property named like a column keeps its place and takes the column value, as in a Python dict', () => {
    const view = imageView(image({ properties: { a: '1', name: 'legacy' } }), { multiStore: false });
    expect(Object.keys(view).slice(0, 3)).toEqual(['a', 'name', 'disk_format']);
    expect(view.name).toBe('cirros');
  });

  it("shows a null custom property (left by Glance's v1 API) as '' unless the schema declares it", () => {
    const legacy = { a: null, kernel_id: null } as unknown as Record<string, string>;
    const view = imageView(image({ properties: legacy }), { multiStore: false });
    expect(view.a).toBe('');
    expect(view.kernel_id).toBeNull();
  });

  it('a property named __proto__ is an ordinary key', () => {
    const view = imageView(image({ properties: JSON.parse('{"__proto__": "x"}') }), { multiStore: false });
    expect(Object.keys(view)[0]).toBe('__proto__');
    expect(Object.getPrototypeOf(view)).toBe(Object.prototype);
  });

  it('copies tags rather than sharing them', () => {
    const record = image();
    (imageView(record, { multiStore: false }).tags as string[]).push('c');
    expect(record.tags).toEqual(['b', 'a']);
  });
});

describe('imagesView', () => {
  it('orders images, first, schema, next', () => {
    expect(
      Object.keys(
        imagesView([{ id: 'x' }], { first: '/v2/images?limit=1', next: '/v2/images?limit=1&marker=x' }),
      ),
    ).toEqual(['images', 'first', 'schema', 'next']);
    expect(imagesView([], { first: '/v2/images' })).toEqual({
      images: [],
      first: '/v2/images',
      schema: '/v2/schemas/images',
    });
  });
});

describe('isotime', () => {
  it('whole seconds, Z', () => {
    expect(isotime(new Date('2024-05-01T12:34:56.999Z'))).toBe('2024-05-01T12:34:56Z');
    expect(isotime(new Date('0999-01-02T03:04:05Z'))).toBe('999-01-02T03:04:05Z');
  });
});
