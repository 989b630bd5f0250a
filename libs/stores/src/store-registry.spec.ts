import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileStoreConfig, HttpStoreConfig, StoreConfig } from '@glance-ts/config';
import { FileStoreDriver } from './drivers/file.driver';
import { HttpStoreDriver } from './drivers/http.driver';
import { StoreRegistry } from './store-registry';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'glance-ts-registry-'));
});

afterEach(() => rm(root, { recursive: true, force: true }));

function fileStore(id: string, section = id): FileStoreConfig {
  return {
    id,
    type: 'file',
    description: null,
    weight: 0,
    section,
    dataDir: join(root, id),
    chunkSize: 65_536,
    thinProvisioning: false,
    fileMode: null,
  };
}

const httpStore = (id: string): HttpStoreConfig => ({
  id,
  type: 'http',
  description: null,
  weight: 0,
  section: id,
});

describe('StoreRegistry data stores', () => {
  it('uses the single store without enabled_backends, and never lists it', async () => {
    const single = fileStore('file', 'glance_store');
    const registry = new StoreRegistry({
      multiStore: false,
      stores: [],
      defaultBackend: null,
      singleStore: single,
    });

    expect(registry.stores).toEqual([]);
    expect(registry.list()).toEqual({ stores: [] });
    expect(registry.detail()).toEqual({ stores: [] });
    expect(registry.dataStores.map((driver) => driver.id)).toEqual(['file']);
    expect(registry.defaultDataStore()).toBeInstanceOf(FileStoreDriver);
    expect(registry.defaultDataStore()?.id).toBe('file');
    expect(registry.getDataStore('file')).toBe(registry.defaultDataStore());
    expect(registry.getDataStore('other')).toBeUndefined();
    expect(registry.get('file')).toBeUndefined();
    expect(registry.storeForLocation(`file://${single.dataDir}/abc`)).toBe(registry.defaultDataStore());
    expect(registry.storeForLocation('file:///elsewhere/abc')).toBeUndefined();
    expect(registry.storeForLocation('http://example.com/image')).toBeUndefined();

    // Started with the others: the file store creates its data dir.
    await registry.start();
    expect((await stat(single.dataDir)).isDirectory()).toBe(true);
    await registry.close();
  });

  it('has no data store when the config has no single store', () => {
    const registry = new StoreRegistry({ multiStore: false, stores: [], defaultBackend: null });
    expect(registry.dataStores).toEqual([]);
    expect(registry.defaultDataStore()).toBeUndefined();
    expect(registry.storeForLocation('file:///x')).toBeUndefined();
  });

  it('uses the enabled_backends stores with multi-store, default_backend first', async () => {
    const stores: StoreConfig[] = [fileStore('local'), fileStore('scratch'), httpStore('web')];
    const registry = new StoreRegistry({
      multiStore: true,
      stores,
      defaultBackend: 'scratch',
      // A multi-store config never has one; ignored if it did.
      singleStore: fileStore('file', 'glance_store'),
    });

    expect(registry.dataStores.map((driver) => driver.id)).toEqual(['local', 'scratch', 'web']);
    expect(registry.defaultDataStore()?.id).toBe('scratch');
    expect(registry.getDataStore('web')).toBeInstanceOf(HttpStoreDriver);
    expect(registry.getDataStore('file')).toBeUndefined();
    expect(registry.storeForLocation(`file://${join(root, 'local')}/img`)?.id).toBe('local');
    expect(registry.storeForLocation(`file://${join(root, 'scratch')}/img`)?.id).toBe('scratch');
    expect(registry.storeForLocation('https://example.com/img')?.id).toBe('web');
    expect(registry.storeForLocation('rbd://fsid/pool/img/snap')).toBeUndefined();
    expect(registry.list().stores.map((store) => store.id)).toEqual(['local', 'scratch', 'web']);
    await registry.start();
    await registry.close();
  });
});
