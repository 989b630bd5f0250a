// Differential tests of the image commands' printing and checking against the real
// python-glanceclient 4.1 (print_image, make_size_human_readable), pprint and warlock/jsonschema
// (the validation messages), and glanceclient's image model (the patch of an image-update).
import { loads, pformat, type PyDict } from '@glance-ts/pycompat';
import { type OracleAnswer, RandomData } from '@glance-ts/pycompat/testing';
import type { JsonSchema } from '../../src/lib/images/image-schema';
import { BASE_IMAGE_SCHEMA } from '../../src/lib/images/base-image-schema';
import { imagePatch } from '../../src/lib/images/image-fields';
import { makeSizeHumanReadable, printImage } from '../../src/lib/images/image-output';
import { imageValueError } from '../../src/lib/images/warlock';
import { type GlanceclientRequest, askGlanceclient } from '../support/glanceclient-oracle';

jest.setTimeout(60_000);

const SEED = 20261125;

/** glance-ts's schema as the server serves it (libs/contracts), read as JSON. */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a test reads the contract's value
const SERVER_SCHEMA = JSON.parse(JSON.stringify(require('@glance-ts/contracts').IMAGE_SCHEMA)) as JsonSchema;

interface Comparison {
  oracle: GlanceclientRequest;
  ours: () => unknown;
  /** Turns Python's result into what `ours` returns, when they differ in form only. */
  normalize?: (python: unknown) => unknown;
}

function randomImage(data: RandomData): string {
  const members: string[] = [
    `"id": ${JSON.stringify(`${data.int(10000000, 99999999)}-0000-4000-8000-000000000000`)}`,
    `"name": ${data.chance(0.2) ? 'null' : JSON.stringify(data.text(data.chance(0.1) ? 30 : 4))}`,
    `"size": ${data.pick(['null', '0', '12', '1023', '1024', '1536', '1048576', '13287936', '5368709120', '1099511627776', '1152921504606846976'])}`,
    `"virtual_size": ${data.pick(['null', '0', '1073741824'])}`,
    `"tags": ${data.pick(['[]', '["a", "b"]', '["x"]'])}`,
    `"self": "/v2/images/x"`,
    `"file": "/v2/images/x/file"`,
    `"schema": "/v2/schemas/image"`,
  ];
  for (let i = data.int(0, 4); i > 0; i--)
    members.push(`${JSON.stringify(`p${i}_${data.int(0, 9)}`)}: ${data.json(1)}`);
  return `{${members.join(', ')}}`;
}

function build(): Comparison[] {
  const data = new RandomData(SEED);
  const comparisons: Comparison[] = [];

  for (let i = 0; i < 150; i++) {
    const input = randomImage(data);
    const humanReadable = data.chance(0.4);
    const maxColWidth = data.chance(0.4) ? data.int(0, 60) : undefined;
    comparisons.push({
      oracle: { op: 'print_image', input, human_readable: humanReadable, max_col_width: maxColWidth },
      ours: () =>
        printImage(
          { py: loads(input) as PyDict, json: JSON.parse(input) },
          { humanReadable, maxColumnWidth: maxColWidth },
        ) + '\n',
    });
  }

  const sizes = [
    '0',
    '1',
    '1023',
    '1024',
    '1280',
    '1536',
    '1331',
    '1587',
    '10239',
    '1048575',
    '1048576',
    '5368709120',
    'null',
    '2.5',
  ];
  for (let i = 0; i < 100; i++)
    sizes.push(String(data.int(0, 2 ** 31) * data.pick([1, 1024, 1024 * 1024, 1024 ** 3])));
  for (const input of sizes) {
    comparisons.push({ oracle: { op: 'size', input }, ours: () => makeSizeHumanReadable(loads(input)) });
  }

  const pformatInputs = [
    JSON.stringify(BASE_IMAGE_SCHEMA.properties!.disk_format),
    JSON.stringify(BASE_IMAGE_SCHEMA.properties!.os_distro),
    JSON.stringify(BASE_IMAGE_SCHEMA),
    JSON.stringify('x'.repeat(100)),
    JSON.stringify('word '.repeat(40)),
  ];
  for (let i = 0; i < 150; i++) pformatInputs.push(data.json(3));
  for (const input of pformatInputs) {
    comparisons.push({ oracle: { op: 'pformat', input }, ours: () => pformat(loads(input), 72) });
  }

  // Values image-create and image-update may set: every kind of schema refusal, and acceptance.
  const values: [string, string][] = [
    ['disk_format', '"foo"'],
    ['disk_format', '"qcow2"'],
    ['container_format', '"compressed"'],
    ['visibility', '"everyone"'],
    ['name', JSON.stringify('n'.repeat(256))],
    ['name', JSON.stringify('n'.repeat(255))],
    ['id', '"not-a-uuid"'],
    ['kernel_id', '"zz"'],
    ['min_ram', '"5"'],
    ['min_disk', '-1'],
    ['protected', '"yes"'],
    ['tags', JSON.stringify(['ok', 't'.repeat(256)])],
    ['os_distro', '5'],
    ['custom', '"text"'],
    ['custom', '5'],
    ['os_hidden', 'true'],
  ];
  for (const schema of [BASE_IMAGE_SCHEMA, SERVER_SCHEMA]) {
    for (const [key, value] of values) {
      comparisons.push({
        oracle: { op: 'warlock', schema: JSON.stringify(schema), key, value },
        ours: () => imageValueError(schema, key, loads(value)) ?? '',
      });
    }
  }

  // image-update patches: changed, unchanged, new base / non-base / extra keys, removals.
  for (let i = 0; i < 80; i++) {
    const current: Record<string, unknown> = {
      id: '11111111-2222-4333-8444-555555555555',
      name: 'old',
      status: 'active',
      visibility: 'shared',
      min_ram: 0,
      tags: data.pick([[], ['a']]),
    };
    if (data.chance(0.5)) current.os_distro = 'debian';
    if (data.chance(0.5)) current.extra = 'value';
    if (data.chance(0.5)) current.other = 'thing';
    const fields: Record<string, unknown> = {};
    if (data.chance(0.5)) fields.name = data.pick(['old', 'new']);
    if (data.chance(0.5)) fields.min_ram = data.pick([0, 512]);
    if (data.chance(0.4)) fields.os_distro = data.pick(['debian', 'ubuntu']);
    if (data.chance(0.4)) fields.architecture = 'x86_64'; // a non-base property the image lacks
    if (data.chance(0.4)) fields.min_disk = 3; // a base property the image lacks
    if (data.chance(0.4)) fields.extra = data.pick(['value', 'changed']);
    if (data.chance(0.3)) fields.brand_new = 'b';
    const remove = ['extra', 'other', 'absent', 'os_distro'].filter(() => data.chance(0.3));
    const schema = data.pick([BASE_IMAGE_SCHEMA, SERVER_SCHEMA]);
    comparisons.push({
      oracle: {
        op: 'patch',
        schema: JSON.stringify(schema),
        current: JSON.stringify(current),
        fields: JSON.stringify(fields),
        remove,
      },
      ours: () => sortOperations(imagePatch(current, new Map(Object.entries(fields)), remove, schema)),
      // glanceclient appends a no-op "replace /tags" with the current tags; the order of its
      // operations follows Python set iteration.
      normalize: (python) =>
        sortOperations(
          (JSON.parse(python as string) as { path: string }[]).filter((op) => op.path !== '/tags'),
        ),
    });
  }
  return comparisons;
}

function sortOperations<T extends { path: string }>(operations: T[]): T[] {
  return [...operations]
    .map(
      (operation) =>
        Object.fromEntries(Object.entries(operation).sort(([a], [b]) => a.localeCompare(b))) as T,
    )
    .sort((a, b) => a.path.localeCompare(b.path));
}

describe('image printing and checks, compared with python-glanceclient through /usr/bin/python3', () => {
  const comparisons = build();
  let results: OracleAnswer[];

  beforeAll(() => {
    results = askGlanceclient(comparisons.map((c) => c.oracle));
  });

  it.each(['print_image', 'size', 'pformat', 'warlock', 'patch'])('%s matches', (kind) => {
    const relevant = comparisons
      .map((c, i) => ({ ...c, result: results[i] }))
      .filter((c) => c.oracle.op === kind);
    expect(relevant.length).toBeGreaterThan(0);
    const mismatches = relevant
      .map((c) => {
        let ours: unknown;
        try {
          ours = c.ours();
        } catch (error) {
          ours = { error: (error as Error).message };
        }
        const python = 'ok' in c.result ? (c.normalize ?? ((x: unknown) => x))(c.result.ok) : c.result;
        return { case: c.oracle, ours, python };
      })
      .filter((c) => JSON.stringify(c.ours) !== JSON.stringify(c.python));
    expect(mismatches.slice(0, 3)).toEqual([]);
  });
});
