import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PyDict } from '@glance-ts/pycompat';
import { BASE_IMAGE_SCHEMA } from './base-image-schema';
import { CREATE_OMITTED_PROPERTIES, UPDATE_OMITTED_PROPERTIES } from './image-options';
import {
  isCoreProperty,
  mergeSchemaOptions,
  propertyType,
  readCachedImageSchema,
  schemaOptions,
  writeImageSchemaCache,
} from './image-schema';

describe('schemaOptions (glanceclient utils.schema_args)', () => {
  it("offers image-create glanceclient's options, in its (reversed schema) order", () => {
    expect(schemaOptions(BASE_IMAGE_SCHEMA, CREATE_OMITTED_PROPERTIES).map((option) => option.name)).toEqual([
      'architecture',
      'protected',
      'name',
      'instance-uuid',
      'min-disk',
      'visibility',
      'kernel-id',
      'tags',
      'os-version',
      'disk-format',
      'os-distro',
      'id',
      'owner',
      'ramdisk-id',
      'min-ram',
      'container-format',
    ]);
    const update = schemaOptions(BASE_IMAGE_SCHEMA, UPDATE_OMITTED_PROPERTIES).map((option) => option.name);
    expect(update).not.toContain('id');
    expect(update).not.toContain('tags');
  });

  it('types, metavars and help as glanceclient makes them', () => {
    const options = new Map(schemaOptions(BASE_IMAGE_SCHEMA, []).map((option) => [option.dest, option]));
    expect(options.get('min_disk')).toMatchObject({ metavar: '<MIN_DISK>', type: { name: 'int' } });
    expect(options.get('protected')).toMatchObject({
      metavar: '[True|False]',
      type: { name: 'bool_from_string' },
    });
    expect(options.get('tags')).toMatchObject({ nargs: '+', metavar: '<TAGS>', type: { name: 'str' } });
    expect(options.get('disk_format')?.help).toBe(
      'Format of the disk Valid values: None, ami, ari, aki, vhd, vhdx, vmdk, raw, qcow2, vdi, iso, ploop',
    );
  });

  it('reads ["null", "string"] as a string and knows every property, base or not', () => {
    expect(propertyType({ type: ['null', 'integer'] })).toBe('integer');
    expect(propertyType({})).toBe('string');
    expect(isCoreProperty(BASE_IMAGE_SCHEMA, 'os_distro')).toBe(true);
    expect(isCoreProperty(BASE_IMAGE_SCHEMA, 'custom')).toBe(false);
  });

  it("merges the server's options into the offline ones; the command's own names are reserved", () => {
    const offline = schemaOptions(BASE_IMAGE_SCHEMA, CREATE_OMITTED_PROPERTIES);
    const live = schemaOptions(
      {
        properties: {
          name: { type: 'string', description: 'Server name' },
          cpu_arch: { type: 'string' },
          store: {},
        },
      },
      [],
    );
    const merged = mergeSchemaOptions(offline, live, ['store']);
    expect(merged.find((option) => option.name === 'name')?.help).toBe('Server name');
    expect(merged.map((option) => option.name)).toContain('cpu-arch');
    expect(merged.map((option) => option.name)).toContain('architecture');
    expect(merged.map((option) => option.name)).not.toContain('store');
  });
});

describe('the ~/.glanceclient schema cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glance-schema-cache-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes json.dumps of the schema, creating the directory, and reads it back', () => {
    const path = join(dir, '.glanceclient', 'image_schema.json');
    const schema = new PyDict([
      ['name', 'image'],
      ['properties', new PyDict([['name', new PyDict([['type', 'string']])]])],
    ]);
    writeImageSchemaCache(schema, path);
    expect(readFileSync(path, 'utf8')).toBe('{"name": "image", "properties": {"name": {"type": "string"}}}');
    expect(readCachedImageSchema(path)).toEqual({ name: 'image', properties: { name: { type: 'string' } } });
  });

  it('ignores a missing or broken cache', () => {
    expect(readCachedImageSchema(join(dir, 'nope.json'))).toBeUndefined();
    writeFileSync(join(dir, 'broken.json'), '{"name": ');
    expect(readCachedImageSchema(join(dir, 'broken.json'))).toBeUndefined();
    writeFileSync(join(dir, 'other.json'), '[1, 2]');
    expect(readCachedImageSchema(join(dir, 'other.json'))).toBeUndefined();
  });

  it('gives up quietly when the cache cannot be written', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    expect(() =>
      writeImageSchemaCache(new PyDict(), join(file, '.glanceclient', 'image_schema.json')),
    ).not.toThrow();
    expect(() =>
      writeImageSchemaCache(new PyDict(), join(dir, 'no', 'such', 'image_schema.json')),
    ).not.toThrow();
  });
});
