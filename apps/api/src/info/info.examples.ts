import type { ImportInfoDto, StoresDetailDto, StoresDto } from '@glance-ts/contracts';

// Examples for the API reference. A test checks that the real responses for the reference
// configuration (the six stores of reference/captures) equal these, so the docs cannot drift.

export const STORES_EXAMPLE: StoresDto = {
  stores: [
    { id: 'fast', description: 'Fast RBD backend', default: 'true' },
    { id: 'cheap', description: 'Cheap file backend' },
    { id: 'web', description: 'Read-only HTTP backend', 'read-only': 'true' },
    { id: 'cinderstore', description: 'Cinder volume backend' },
    { id: 'objects', description: 'Swift object backend' },
    { id: 's3store', description: 'S3 object backend' },
  ],
};

export const STORES_DETAIL_EXAMPLE: StoresDetailDto = {
  stores: [
    {
      id: 'fast',
      description: 'Fast RBD backend',
      default: 'true',
      type: 'rbd',
      properties: { chunk_size: 8388608, pool: 'images', thin_provisioning: false, fsid: null },
      weight: 0,
    },
    {
      id: 'cheap',
      description: 'Cheap file backend',
      type: 'file',
      properties: { data_dir: '/var/lib/glance/images', chunk_size: 65536, thin_provisioning: false },
      weight: 0,
    },
    {
      id: 'web',
      description: 'Read-only HTTP backend',
      'read-only': 'true',
      type: 'http',
      properties: {},
      weight: 0,
    },
    {
      id: 'cinderstore',
      description: 'Cinder volume backend',
      type: 'cinder',
      properties: { volume_type: null, use_multipath: false },
      weight: 0,
    },
    {
      id: 'objects',
      description: 'Swift object backend',
      type: 'swift',
      properties: { container: 'glance', large_object_size: 5242880000, large_object_chunk_size: 204800000 },
      weight: 0,
    },
    {
      id: 's3store',
      description: 'S3 object backend',
      type: 's3',
      properties: {
        s3_store_large_object_size: 104857600,
        s3_store_large_object_chunk_size: 10485760,
        s3_store_thread_pools: 10,
      },
      weight: 0,
    },
  ],
};

export const IMPORT_INFO_EXAMPLE: ImportInfoDto = {
  'import-methods': {
    description: 'Import methods available.',
    type: 'array',
    value: [],
  },
};
