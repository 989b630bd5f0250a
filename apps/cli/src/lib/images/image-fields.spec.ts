import { CliError } from '../errors';
import { BASE_IMAGE_SCHEMA } from './base-image-schema';
import { imageFields, imagePatch, validateImageFields } from './image-fields';

describe('imageFields (do_image_create / do_image_update)', () => {
  it('keeps given values the schema knows, then --property pairs, which may override them', () => {
    const fields = imageFields(
      {
        name: 'n',
        min_disk: 5,
        owner: undefined,
        os_hidden: false,
        store: 'x',
        property: ['a=1=2', 'name=m'],
      },
      ['name', 'min_disk', 'owner', 'os_hidden', 'store'],
      BASE_IMAGE_SCHEMA,
    );
    expect([...fields]).toEqual([
      ['name', 'm'],
      ['min_disk', 5],
      ['os_hidden', false],
      ['a', '1=2'],
    ]);
  });

  it("fails like glanceclient's tuple unpacking on a --property without '='", () => {
    expect(() => imageFields({ property: ['oops'] }, [], BASE_IMAGE_SCHEMA)).toThrow(
      new CliError('not enough values to unpack (expected 2, got 1)'),
    );
  });

  it("stops at the first value the schema refuses, with warlock's message", () => {
    const fields = new Map<string, unknown>([
      ['name', 'ok'],
      ['visibility', 'everyone'],
      ['disk_format', 'foo'],
    ]);
    expect(() => validateImageFields(BASE_IMAGE_SCHEMA, fields)).toThrow(
      /^Unable to set 'visibility' to 'everyone'\. Reason: 'everyone' is not one of \['public', 'private', 'community', 'shared'\]\n\nFailed validating 'enum' in schema\['properties'\]\['visibility'\]:\n/,
    );
  });
});

describe('imagePatch (the update glanceclient sends)', () => {
  const current = { id: 'i', name: 'old', min_ram: 0, os_distro: 'debian', extra: 'x', 'a/b~c': 'y' };

  it('replaces changed values and sends nothing for unchanged ones', () => {
    const fields = new Map<string, unknown>([
      ['name', 'new'],
      ['min_ram', 0],
    ]);
    expect(imagePatch(current, fields, [], BASE_IMAGE_SCHEMA)).toEqual([
      { op: 'replace', path: '/name', value: 'new' },
    ]);
  });

  it('replaces a base property the image lacks, adds anything else new', () => {
    const fields = new Map<string, unknown>([
      ['min_disk', 3],
      ['architecture', 'x86_64'],
      ['custom', 'c'],
    ]);
    expect(imagePatch(current, fields, [], BASE_IMAGE_SCHEMA)).toEqual([
      { op: 'replace', path: '/min_disk', value: 3 },
      { op: 'add', path: '/architecture', value: 'x86_64' },
      { op: 'add', path: '/custom', value: 'c' },
    ]);
  });

  it('removes only keys the image has and that are not being set; escapes JSON pointers', () => {
    const fields = new Map<string, unknown>([['extra', 'kept']]);
    expect(imagePatch(current, fields, ['extra', 'absent', 'a/b~c', 'os_distro'], BASE_IMAGE_SCHEMA)).toEqual(
      [
        { op: 'replace', path: '/extra', value: 'kept' },
        { op: 'remove', path: '/a~1b~0c' },
        { op: 'remove', path: '/os_distro' },
      ],
    );
  });
});
