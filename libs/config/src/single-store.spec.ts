import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseConfig } from './config';
import type { FileStoreConfig, GlanceConfig, RbdStoreConfig } from './config-types';
import { ConfigError } from './errors';
import { GLANCE_DEFAULT_FILE_DATADIR } from './schema';

/**
 * Glance without `[DEFAULT] enabled_backends`: one store, of type `[glance_store] default_store`,
 * configured in [glance_store] itself.
 */

let dir: string;
let shown: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'glance-ts-single-store-'));
  shown = relative(process.cwd(), join(dir, 'glance-api.conf'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const NOAUTH = '[auth]\nstrategy = noauth\n';
const parse = (text: string): GlanceConfig => parseConfig(NOAUTH + text, shown);

function errorOf(text: string): ConfigError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('single-store configuration', () => {
  it("is a file store with Glance's defaults when nothing is configured", () => {
    const config = parse('');
    expect(config.multiStore).toBe(false);
    expect(config.stores).toEqual([]);
    expect(config.singleStore).toEqual<FileStoreConfig>({
      id: 'file',
      type: 'file',
      description: null,
      weight: 0,
      section: 'glance_store',
      dataDir: GLANCE_DEFAULT_FILE_DATADIR,
      chunkSize: 65_536,
      thinProvisioning: false,
      fileMode: null,
    });
    expect(GLANCE_DEFAULT_FILE_DATADIR).toBe('/var/lib/glance/images/');
    expect(config.warnings).toEqual([]);
  });

  it('reads the store options from [glance_store], relative paths against the config dir', () => {
    const config = parse(
      '[glance_store]\ndefault_store = file\nfilesystem_store_datadir = images\nfilesystem_store_chunk_size = 4096\nfilesystem_thin_provisioning = true\nfilesystem_store_file_perm = 640\n',
    );
    expect(config.singleStore).toMatchObject({
      id: 'file',
      dataDir: join(dir, 'images'),
      chunkSize: 4096,
      thinProvisioning: true,
      fileMode: 0o640,
    });
    expect(config.warnings).toEqual([]);
  });

  it('takes any store type, by name or by Glance scheme alias', () => {
    const rbd = parse(
      '[glance_store]\ndefault_store = rbd\nrbd_store_pool = glance-images\nrbd_store_chunk_size = 4\n',
    );
    expect(rbd.singleStore).toMatchObject<Partial<RbdStoreConfig>>({
      id: 'rbd',
      type: 'rbd',
      section: 'glance_store',
      pool: 'glance-images',
      chunkSizeMiB: 4,
    });
    expect(parse('[glance_store]\ndefault_store = filesystem\n').singleStore).toMatchObject({
      id: 'file',
      type: 'file',
    });
    expect(parse('[glance_store]\ndefault_store = https\n').singleStore).toEqual({
      id: 'http',
      type: 'http',
      description: null,
      weight: 0,
      section: 'glance_store',
    });
    expect(parse('[glance_store]\ndefault_store = swift+https\n').singleStore).toMatchObject({
      type: 'swift',
    });
  });

  it('does not warn about store options of any type in [glance_store], but still about unknown keys', () => {
    const config = parse(
      '[glance_store]\nfilesystem_store_datadir = /srv/images\nrbd_store_pool = other\nswift_store_container = c\nfilesystem_store_datadri = typo\n',
    );
    expect(config.warnings).toEqual([
      '[glance_store] filesystem_store_datadri: unknown option, ignored (line 7)',
    ]);
  });

  it('refuses an unknown or unsupported default_store, and bad store options, naming [glance_store]', () => {
    expect(errorOf('[glance_store]\ndefault_store = tape\n').message).toBe(
      `${shown}:4: [glance_store] default_store: unknown value "tape" (known: file, filesystem, http, https, swift, swift+http, swift+https, swift+config, rbd, cinder, vsphere, s3)`,
    );
    expect(errorOf('[glance_store]\ndefault_store = vsphere\n').message).toBe(
      `${shown}:4: [glance_store] default_store: store type "vsphere" is not supported by glance-ts (known: rbd, file, http, cinder, swift, s3)`,
    );
    expect(errorOf('[glance_store]\nfilesystem_store_datadir =\n').message).toBe(
      `${shown}:4: [glance_store] filesystem_store_datadir: must not be empty (the directory of the image files)`,
    );
    expect(errorOf('[glance_store]\ndefault_store = s3\n').message).toBe(
      `${shown}: [glance_store] s3_store_host: required for s3 stores`,
    );
    expect(errorOf('[glance_store]\nfilesystem_store_chunk_size = big\n').key).toBe(
      'filesystem_store_chunk_size',
    );
  });

  it('warns that the legacy stores list is ignored', () => {
    const config = parse('[glance_store]\nstores = file, http, rbd\n');
    expect(config.singleStore).toMatchObject({ id: 'file' });
    expect(config.warnings).toEqual([
      '[glance_store] stores: ignored (deprecated in Glance; glance-ts loads only default_store) (line 4)',
    ]);
  });

  it('is null with enabled_backends, where default_store, stores and store options in [glance_store] are ignored', () => {
    const config = parse(
      '[DEFAULT]\nenabled_backends = local:file\n[glance_store]\ndefault_backend = local\ndefault_store = rbd\nstores = file\nfilesystem_store_datadir = /x\n[local]\nfilesystem_store_datadir = /srv/local\n',
    );
    expect(config.multiStore).toBe(true);
    expect(config.singleStore).toBeNull();
    expect(config.stores.map((store) => store.id)).toEqual(['local']);
    expect(config.warnings).toEqual([
      '[glance_store] stores: ignored (deprecated in Glance; stores come from [DEFAULT] enabled_backends) (line 8)',
      '[glance_store] default_store: ignored, [DEFAULT] enabled_backends is set (use default_backend) (line 7)',
      '[glance_store] filesystem_store_datadir: unknown option, ignored (line 9)',
    ]);
  });

  it('keeps requiring filesystem_store_datadir for the stores of enabled_backends', () => {
    expect(
      errorOf('[DEFAULT]\nenabled_backends = local:file\n[glance_store]\ndefault_backend = local\n').message,
    ).toBe(
      `${shown}: [local] filesystem_store_datadir: required for file stores (glance-ts does not assume /var/lib/glance/images)`,
    );
  });
});
