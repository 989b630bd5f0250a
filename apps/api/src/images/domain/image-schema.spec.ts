import { bestMatch, describeValidationError, findSchemaError, iterSchemaErrors } from '@glance-ts/pycompat';
import { ImageRequestError } from './image-errors';
import { IMAGE_VALIDATION_SCHEMA, validateImageSchema } from './image-schema';

const PREFIX = "Provided object does not match schema 'image': ";
const UUID_PATTERN =
  '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';

function messageFor(instance: unknown): string {
  try {
    validateImageSchema(instance);
  } catch (error) {
    expect(error).toBeInstanceOf(ImageRequestError);
    expect((error as ImageRequestError).status).toBe(400);
    return (error as ImageRequestError).message;
  }
  throw new Error('expected a validation error');
}

function shortMessage(instance: unknown): string | undefined {
  return findSchemaError(instance, IMAGE_VALIDATION_SCHEMA)?.message;
}

describe('validateImageSchema: the full text Glance sends (checked against Python jsonschema 4.10)', () => {
  it('an enum error prints the subschema broken over lines', () => {
    expect(messageFor({ disk_format: 'foo' })).toBe(
      PREFIX +
        "'foo' is not one of [None, 'ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop']\n" +
        '\n' +
        "Failed validating 'enum' in schema['properties']['disk_format']:\n" +
        "    {'description': 'Format of the disk',\n" +
        "     'enum': [None,\n" +
        "              'ami',\n" +
        "              'ari',\n" +
        "              'aki',\n" +
        "              'vhd',\n" +
        "              'vhdx',\n" +
        "              'vmdk',\n" +
        "              'raw',\n" +
        "              'qcow2',\n" +
        "              'vdi',\n" +
        "              'iso',\n" +
        "              'ploop'],\n" +
        "     'type': ['null', 'string']}\n" +
        '\n' +
        "On instance['disk_format']:\n" +
        "    'foo'",
    );
  });

  it('a boolean is not an integer', () => {
    expect(messageFor({ min_ram: true })).toBe(
      PREFIX +
        "True is not of type 'integer'\n\n" +
        "Failed validating 'type' in schema['properties']['min_ram']:\n" +
        "    {'description': 'Amount of ram (in MB) required to boot image.',\n" +
        "     'type': 'integer'}\n\n" +
        "On instance['min_ram']:\n" +
        '    True',
    );
  });

  it('a long description is split into adjacent literals', () => {
    expect(messageFor({ kernel_id: 'abc' })).toBe(
      PREFIX +
        `'abc' does not match '${UUID_PATTERN}'\n\n` +
        "Failed validating 'pattern' in schema['properties']['kernel_id']:\n" +
        "    {'description': 'ID of image stored in Glance that should be used as '\n" +
        "                    'the kernel when booting an AMI-style image.',\n" +
        "     'is_base': False,\n" +
        `     'pattern': '${UUID_PATTERN}',\n` +
        "     'type': ['null', 'string']}\n\n" +
        "On instance['kernel_id']:\n" +
        "    'abc'",
    );
  });

  it('custom properties are checked by additionalProperties', () => {
    expect(messageFor({ foo: null })).toBe(
      PREFIX +
        "None is not of type 'string'\n\n" +
        "Failed validating 'type' in schema['additionalProperties']:\n" +
        "    {'type': 'string'}\n\n" +
        "On instance['foo']:\n" +
        '    None',
    );
  });

  it('nested paths are indexed', () => {
    const url = 'x'.repeat(300);
    expect(messageFor({ locations: [{ url, metadata: {} }] })).toBe(
      PREFIX +
        `'${url}' is too long\n\n` +
        "Failed validating 'maxLength' in schema['properties']['locations']['items']['properties']['url']:\n" +
        "    {'maxLength': 255, 'type': 'string'}\n\n" +
        "On instance['locations'][0]['url']:\n" +
        `    '${url}'`,
    );
  });
});

describe('jsonschema messages', () => {
  it.each<[unknown, string | undefined]>([
    [{ name: 5 }, "5 is not of type 'null', 'string'"],
    [{ name: 'x'.repeat(256) }, `'${'x'.repeat(256)}' is too long`],
    [{ visibility: 'foo' }, "'foo' is not one of ['public', 'private', 'community', 'shared']"],
    [{ visibility: null }, "None is not of type 'string'"],
    [
      { container_format: 'tar' },
      "'tar' is not one of [None, 'ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed']",
    ],
    [{ protected: 'yes' }, "'yes' is not of type 'boolean'"],
    [{ min_disk: 1.5 }, "1.5 is not of type 'integer'"],
    // An integral float is an integer to jsonschema (and JSON cannot tell 1e300 from an int).
    [{ min_disk: -1e300 }, undefined],
    [{ tags: 'a' }, "'a' is not of type 'array'"],
    [{ tags: ['ok', 5] }, "5 is not of type 'string'"],
    [{ tags: [null] }, "None is not of type 'string'"],
    [{ id: 'abc' }, `'abc' does not match '${UUID_PATTERN}'`],
    [{ "it's": 1 }, "1 is not of type 'string'"],
    [{ foo: ['a', { b: true }] }, "['a', {'b': True}] is not of type 'string'"],
    [{ foo: 'it\'s "quoted"\n' }, undefined],
    [{ locations: [{ url: 'u' }] }, "'metadata' is a required property"],
    [{ locations: ['u'] }, "'u' is not of type 'object'"],
    [
      {
        locations: [
          { url: 'u', metadata: {}, validation_data: { os_hash_algo: 'a', os_hash_value: 'b', x: 1 } },
        ],
      },
      "Additional properties are not allowed ('x' was unexpected)",
    ],
    [
      { locations: [{ url: 'u', metadata: {}, validation_data: { os_hash_algo: 'a' } }] },
      "'os_hash_value' is a required property",
    ],
    [{ stores: 5 }, "5 is not of type 'string'"],
  ])('%j → %s', (instance, message) => {
    expect(shortMessage(instance)).toBe(message);
  });

  it('repr picks quotes and escapes as Python does', () => {
    expect(shortMessage({ foo: 5, name: "it's" })).toBe("5 is not of type 'string'");
    expect(shortMessage({ min_ram: "it's" })).toBe(`"it's" is not of type 'integer'`);
    expect(shortMessage({ min_ram: 'a\'b"c\\\t\u00e9\u200b😀\ud800' })).toBe(
      `'a\\'b"c\\\\\\t\u00e9\\u200b😀\\ud800' is not of type 'integer'`,
    );
  });

  it('valid bodies pass, including nulls where the schema allows them', () => {
    expect(
      findSchemaError(
        {
          id: '0B5A1C7E-9f6d-4b2a-8c3e-1d2f3a4b5c6d',
          name: null,
          disk_format: null,
          container_format: 'bare',
          visibility: 'community',
          tags: [],
          min_ram: 0,
          min_disk: 2.0,
          kernel_id: null,
          foo: 'bar',
          locations: [{ url: 'file:///x', metadata: { store: 'a' } }],
        },
        IMAGE_VALIDATION_SCHEMA,
      ),
    ).toBeUndefined();
  });

  it('a non-object body has nothing to check (Glance schema has no top-level type)', () => {
    expect(findSchemaError([1, 2], IMAGE_VALIDATION_SCHEMA)).toBeUndefined();
    expect(findSchemaError('x', IMAGE_VALIDATION_SCHEMA)).toBeUndefined();
  });
});

describe('best_match: which of several errors Glance reports', () => {
  it('prefers a value of the wrong type over a value of the right type that fails a later keyword', () => {
    expect(shortMessage({ disk_format: 'foo', min_ram: 'x' })).toBe("'x' is not of type 'integer'");
  });

  it('prefers errors nearer the top of the body', () => {
    expect(shortMessage({ tags: [5], disk_format: 'foo' })).toMatch(/^'foo' is not one of/);
  });

  it('takes the first among equals, in schema property order (not body order)', () => {
    expect(shortMessage({ min_ram: 'x', name: 5 })).toBe("5 is not of type 'null', 'string'");
  });

  it('declared properties come before custom ones', () => {
    expect(shortMessage({ zzz: 1, protected: 'no' })).toBe("'no' is not of type 'boolean'");
  });

  it('among custom properties, the first in the body (Python visits them in set order)', () => {
    expect(shortMessage({ b: 1, a: 2 })).toBe("1 is not of type 'string'");
  });

  it('a type error and an enum error on one value: the type error, the first keyword', () => {
    const errors = iterSchemaErrors({ status: 5 }, IMAGE_VALIDATION_SCHEMA);
    expect(errors.map((error) => error.validator)).toEqual(['type', 'enum']);
    expect(bestMatch(errors)?.message).toBe("5 is not of type 'string'");
  });

  it('describes the schema path without the keyword and the instance path in full', () => {
    const error = findSchemaError({ tags: ['a', 'x'.repeat(256)] }, IMAGE_VALIDATION_SCHEMA);
    expect(error?.schemaPath).toEqual(['properties', 'tags', 'items', 'maxLength']);
    expect(error?.path).toEqual(['tags', 1]);
    expect(describeValidationError(error!)).toContain("in schema['properties']['tags']['items']:\n");
    expect(describeValidationError(error!)).toContain("On instance['tags'][1]:\n");
  });
});
