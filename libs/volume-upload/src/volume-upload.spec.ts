import { imageApiError, parseImageUrl, type StoreDiscovery } from '@glance-ts/image-client';
import { formatRbdLocation } from '@glance-ts/stores';
import { choosePath, pickStore, VolumeUploadError } from './upload';

// Pure parts; the whole upload runs against a real Ceph cluster in apps/api/test/volume-upload.ceph.spec.ts.
const FSID = '11111111-2222-3333-4444-555555555555';
const OTHER = '99999999-2222-3333-4444-555555555555';
const discovery: StoreDiscovery = {
  multiStore: true,
  stores: [
    {
      id: 'ceph',
      type: 'rbd',
      default: 'true',
      properties: { pool: 'images', chunk_size: 4194304, fsid: FSID },
    },
    { id: 'far', type: 'rbd', properties: { pool: 'images', chunk_size: 4194304, fsid: OTHER } },
    { id: 'down', type: 'rbd', properties: { pool: 'images', chunk_size: 4194304, fsid: null } },
    { id: 'local', type: 'file', properties: {} },
  ],
};

describe('volume-upload decisions', () => {
  it('picks the requested store, else the default one', () => {
    expect(pickStore(discovery, undefined)?.id).toBe('ceph');
    expect(pickStore(discovery, 'local')?.id).toBe('local');
    expect(() => pickStore(discovery, 'nope')).toThrow(
      new VolumeUploadError("Store nope is not one of the image service's stores (ceph, far, down, local)"),
    );
    const single: StoreDiscovery = {
      multiStore: false,
      message: 'Multi backend is not supported at this site.',
    };
    expect(pickStore(single, undefined)).toBeNull();
    expect(() => pickStore(single, 'ceph')).toThrow(/no multiple stores/);
  });

  it('takes the clone only when everything allows it, and says why not', () => {
    const store = (id: string) => pickStore(discovery, id);
    expect(choosePath(false, discovery, store('ceph'), 'raw', FSID)).toEqual({
      path: 'generic',
      reason: 'clone optimization is off',
    });
    expect(choosePath(true, discovery, store('ceph'), 'raw', FSID)).toEqual({
      path: 'cow',
      reason: 'copy-on-write clone',
    });
    expect(choosePath(true, discovery, store('far'), 'raw', FSID).reason).toBe(
      `store far is on cluster ${OTHER}, the volume on ${FSID}`,
    );
    expect(choosePath(true, discovery, store('local'), 'raw', FSID).reason).toBe(
      'store local is file, not rbd',
    );
    expect(choosePath(true, discovery, store('ceph'), 'qcow2', FSID).reason).toBe(
      'disk format qcow2 is not raw',
    );
    expect(choosePath(true, discovery, store('down'), 'raw', FSID).reason).toMatch(/reports no fsid/);
    expect(
      choosePath(
        true,
        { multiStore: false, message: 'Multi backend is not supported at this site.' },
        null,
        'raw',
        FSID,
      ).reason,
    ).toBe('the image service does not expose store details (Multi backend is not supported at this site.)');
  });

  it('builds rbd locations with encoded parts and finds the API base', () => {
    expect(formatRbdLocation({ fsid: FSID, pool: 'images', image: 'abc', snapshot: 'snap' })).toBe(
      `rbd://${FSID}/images/abc/snap`,
    );
    expect(formatRbdLocation({ fsid: FSID, pool: 'my pool', image: 'a/b', snapshot: 'snap' })).toBe(
      `rbd://${FSID}/my%20pool/a%2Fb/snap`,
    );
    expect(parseImageUrl('http://h:9292/v2/').base).toBe('http://h:9292');
    expect(parseImageUrl('https://h/image').base).toBe('https://h/image');
  });

  it("reads Glance's error bodies", () => {
    expect(
      imageApiError(
        400,
        'application/json',
        JSON.stringify({ message: 'Nope<br /><br />\n\n\n', code: '400 Bad Request', title: 'Bad Request' }),
      ).explanation,
    ).toBe('Nope');
    expect(
      imageApiError(403, 'text/plain', '403 Forbidden\n\nAccess was denied to this resource.\n\n   ')
        .explanation,
    ).toBe('Access was denied to this resource.');
  });
});
