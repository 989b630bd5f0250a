import { describeValidationError, findSchemaError } from '@glance-ts/pycompat';
import {
  askPythonOracle,
  assertPythonModules,
  randomJsonValue,
  randomPyText,
  SeededRandom,
  seedFromEnv,
} from '@glance-ts/pycompat/testing';
import { IMAGE_VALIDATION_SCHEMA } from './image-schema';

/*
 * Differential test of Glance's image-schema validation against Python's jsonschema (the library
 * Glance validates with): random image bodies, the error jsonschema's best_match reports and its
 * text. The oracle is @glance-ts/pycompat's; Debian's python3-jsonschema comes with
 * python3-glanceclient, which CI installs.
 *
 * IMAGE_DIFF_SEED fixes the seed (printed on failure), IMAGE_DIFF_CASES scales the case count
 * (per 1000).
 */

const SEED = seedFromEnv('IMAGE_DIFF_SEED');
const SCALE = process.env.IMAGE_DIFF_CASES ? Number(process.env.IMAGE_DIFF_CASES) / 1000 : 1;
const cases = (count: number) => Math.max(1, Math.round(count * SCALE));

const UUID = '0b5a1c7e-9f6d-4b2a-8c3e-1d2f3a4b5c6d';
const PROPERTY_NAMES = [
  ...Object.keys(IMAGE_VALIDATION_SCHEMA.properties as object),
  'foo',
  'hw_disk_bus',
  "it's",
  'x'.repeat(80),
  'ünï',
];
const GOOD_VALUES: Record<string, readonly unknown[]> = {
  id: [UUID, UUID.toUpperCase(), `${UUID}\n`, `${UUID}x`, 'abc'],
  kernel_id: [UUID, null, 'abc', `${UUID}\n\n`],
  visibility: ['public', 'private', 'shared', 'community', 'Public', null],
  disk_format: ['qcow2', 'raw', null, 'QCOW2', 'vmdk '],
  container_format: ['bare', null, 'docker', 'tar'],
  status: ['active', 'queued', 'bogus'],
  min_ram: [0, 512, -1, 1.5, true, '1', null],
  tags: [[], ['a', 'b'], ['x'.repeat(256)], [1], 'a', ['a', null]],
  locations: [
    [],
    [{ url: 'file:///x', metadata: {} }],
    [{ url: 5 }],
    [{ url: 'x'.repeat(300), metadata: [] }],
    [{ url: 'u', metadata: {}, validation_data: { os_hash_algo: 'sha512' } }],
    [
      {
        url: 'u',
        metadata: {},
        validation_data: { os_hash_algo: 'a', os_hash_value: 'b', checksum: 'c', x: 1 },
      },
    ],
    ['file:///x'],
  ],
};

function randomImageBody(random: SeededRandom): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const count = random.below(6);
  for (let i = 0; i < count; i += 1) {
    const name = random.pick(PROPERTY_NAMES);
    const good = GOOD_VALUES[name];
    body[name] =
      good && random.chance(0.6)
        ? random.pick(good)
        : random.chance(0.3)
          ? randomPyText(random)
          : randomJsonValue(random, 2);
  }
  return body;
}

function ourValidation(instance: unknown): string | null {
  const error = findSchemaError(instance, IMAGE_VALIDATION_SCHEMA);
  return error ? describeValidationError(error) : null;
}

describe(`image schema differential (IMAGE_DIFF_SEED=${SEED})`, () => {
  it('agrees with jsonschema on random image bodies: the error reported and its text', () => {
    assertPythonModules(['jsonschema'], 'apt-get install -y python3-glanceclient');
    const random = new SeededRandom(SEED);
    const instances = Array.from({ length: cases(3000) }, () => randomImageBody(random));
    const answers = askPythonOracle(
      instances.map((instance) => ({ op: 'validate', schema: IMAGE_VALIDATION_SCHEMA, instance })),
    );
    const mismatches: string[] = [];
    instances.forEach((instance, index) => {
      const answer = answers[index];
      const ours = ourValidation(instance);
      let agrees = false;
      if ('ok' in answer) {
        const { best, acceptable } = answer.ok as { best: string | null; acceptable: string[] };
        agrees = best === null ? ours === null : acceptable.includes(ours as string);
      }
      if (!agrees && mismatches.length < 3) {
        mismatches.push(
          `${JSON.stringify(instance).slice(0, 400)}\n  python: ${JSON.stringify(answer)}\n  ours:   ${JSON.stringify(ours)}`,
        );
      }
    });
    expect(mismatches).toEqual([]);
  });
});
