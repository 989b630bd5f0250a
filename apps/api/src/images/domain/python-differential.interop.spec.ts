import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseIsoTime } from './iso8601';
import { IMAGE_VALIDATION_SCHEMA, describeValidationError, findSchemaError } from './image-schema-validator';
import { pythonUrlencode } from './image-list-query';
import { pythonPformat, pythonRepr } from './python-repr';
import { parsePythonInt, pythonLength, pythonStrip, pythonTitle } from './python-text';

/*
 * Differential tests against the real Python libraries Glance's behaviour comes from: jsonschema
 * (validation errors and their text), pprint, repr, int(), str methods, iso8601 (the date filters)
 * and urllib.parse.urlencode (the list links). One oracle process (testing/python_oracle.py)
 * answers every case; Debian's python3-jsonschema and python3-iso8601 come with
 * python3-glanceclient, which CI installs.
 *
 * IMAGE_DIFF_SEED fixes the seed (printed on failure), IMAGE_DIFF_CASES scales the case count.
 */

const PYTHON = '/usr/bin/python3';
const ORACLE = join(__dirname, 'testing', 'python_oracle.py');
const ORACLE_MISSING =
  'python3-jsonschema and python3-iso8601 are required: apt-get install -y python3-glanceclient';

const SEED = process.env.IMAGE_DIFF_SEED
  ? Number(process.env.IMAGE_DIFF_SEED) >>> 0
  : (Date.now() ^ (process.pid << 16)) >>> 0;
const SCALE = process.env.IMAGE_DIFF_CASES ? Number(process.env.IMAGE_DIFF_CASES) / 1000 : 1;
const cases = (count: number) => Math.max(1, Math.round(count * SCALE));

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(bound: number): number {
    return Math.floor(this.next() * bound);
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

// Characters chosen to exercise repr's quoting and escaping, str.isprintable, pprint's word
// splitting and Python's whitespace: all assigned in Unicode 14 (CPython 3.11's tables).
const CHARACTER_POOLS: readonly string[][] = [
  [...'abcdefghijklmnopqrstuvwxyzABCDEFXYZ0123456789'],
  [...' ', ' ', ' ', '-', '_', '.', ',', ':', '/', '~'],
  ["'", '"', '\\', '%', '&', '=', '+', '?', '#', '{', '}', '[', ']'],
  ['\t', '\n', '\r', '\v', '\f', '\x00', '\x1b', '\x1c', '\x1f', '\x7f', '\x85', '\xa0', '\xad'],
  ['é', 'ü', 'ß', 'Σ', 'ς', 'ǆ', 'İ', '中', '文', '\u200b', '\u2028', '\u2029', '\u3000', '\ufeff', '\u2003'],
  ['😀', '𝟘', '𐍈', '\ud800', '\udfff', '\ue000', '\uffff', '٣', '߂', '\u0660'],
];

function randomText(random: Random, maxLength = 12): string {
  const length = random.chance(0.1) ? random.int(320) : random.int(maxLength + 1);
  const pool = random.pick(CHARACTER_POOLS);
  let text = '';
  for (let i = 0; i < length; i += 1) {
    text += random.chance(0.8) ? random.pick(pool) : random.pick(random.pick(CHARACTER_POOLS));
  }
  return text;
}

function randomWords(random: Random): string {
  const words = Array.from({ length: 1 + random.int(30) }, () => randomText(random, 10));
  return words.join(random.pick([' ', '  ', '\n', ' \t', "' ", '" ']));
}

const SCALARS: readonly unknown[] = [
  null,
  true,
  false,
  0,
  1,
  -1,
  5,
  255,
  2 ** 31,
  1.5,
  -0.25,
  1e-7,
  1e300,
  '',
];

function randomJson(random: Random, depth: number): unknown {
  const roll = random.next();
  if (depth <= 0 || roll < 0.45) return random.chance(0.5) ? random.pick(SCALARS) : randomText(random);
  if (roll < 0.55) return randomWords(random);
  if (roll < 0.8) return Array.from({ length: random.int(5) }, () => randomJson(random, depth - 1));
  return Object.fromEntries(
    Array.from({ length: random.int(5) }, () => [randomText(random, 6), randomJson(random, depth - 1)]),
  );
}

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

function randomImageBody(random: Random): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const count = random.int(6);
  for (let i = 0; i < count; i += 1) {
    const name = random.pick(PROPERTY_NAMES);
    const good = GOOD_VALUES[name];
    body[name] =
      good && random.chance(0.6)
        ? random.pick(good)
        : random.chance(0.3)
          ? randomText(random)
          : randomJson(random, 2);
  }
  return body;
}

type OracleRequest = { op: string } & Record<string, unknown>;

function askOracle(requests: readonly OracleRequest[]): unknown[] {
  const probe = spawnSync(PYTHON, ['-c', 'import jsonschema, iso8601'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new Error(ORACLE_MISSING);
  const run = spawnSync(PYTHON, [ORACLE], {
    input: requests.map((request) => JSON.stringify(request)).join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`the Python oracle failed: ${run.stderr.trim().split('\n').at(-1)}`);
  const answers = run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
  if (answers.length !== requests.length) {
    throw new Error(`the oracle answered ${answers.length} of ${requests.length} requests`);
  }
  return answers;
}

interface Case {
  readonly request: OracleRequest;
  readonly ours: unknown;
  /** Accepts Python's answer (the default compares for equality). */
  readonly agrees?: (answer: unknown) => boolean;
}

function ourValidation(instance: unknown): string | null {
  const error = findSchemaError(instance, IMAGE_VALIDATION_SCHEMA);
  return error ? describeValidationError(error) : null;
}

function ourIso8601(text: string): string | null {
  const utc = parseIsoTime(text)?.utc;
  if (!utc) return null;
  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  return (
    `${pad(utc.year, 4)}-${pad(utc.month, 2)}-${pad(utc.day, 2)}T` +
    `${pad(utc.hour, 2)}:${pad(utc.minute, 2)}:${pad(utc.second, 2)}.${pad(utc.microsecond, 6)}`
  );
}

const ISO_PIECES = [
  '2024',
  '-',
  '01',
  '1',
  '12',
  '13',
  '31',
  '29',
  'T',
  ' ',
  't',
  ':',
  '00',
  '23',
  '24',
  '59',
  '60',
  '.',
  ',',
  '5',
  '123456789',
  'Z',
  'z',
  '+',
  '+01:00',
  '-0530',
  '+23:59',
  '+24:00',
  '-00:99',
  '+99',
  '\n',
  'x',
  '٣',
];

function randomIsoText(random: Random): string {
  if (random.chance(0.6)) {
    const date = random.pick([
      '2024-02-29',
      '2023-02-29',
      '2024-2-3',
      '20240131',
      '202401',
      '2024-13-01',
      '0000-01-01',
      '0001-01-01',
      '9999-12-31',
    ]);
    const time = random.pick([
      '',
      'T10',
      'T10:20',
      'T1020',
      'T10:20:30',
      'T102030',
      ' 10:20:30.5',
      'T23:59:60',
      'T24:00:00',
      'T10:20:30,123456789',
    ]);
    const zone = random.pick([
      '',
      'Z',
      '+01:00',
      '-0530',
      '+0100',
      '+01',
      '+24:00',
      '-23:99',
      '+00:99',
      'z',
      '\n',
      '\n\n',
    ]);
    return `${date}${time}${zone}`;
  }
  return Array.from({ length: random.int(8) }, () => random.pick(ISO_PIECES)).join('');
}

function buildCases(random: Random): Case[] {
  const all: Case[] = [];
  for (let i = 0; i < cases(3000); i += 1) {
    const instance = randomImageBody(random);
    all.push({
      request: { op: 'validate', schema: IMAGE_VALIDATION_SCHEMA, instance },
      ours: ourValidation(instance),
      agrees: (answer) => {
        const { best, acceptable } = answer as { best: string | null; acceptable: string[] };
        const ours = ourValidation(instance);
        return best === null ? ours === null : acceptable.includes(ours as string);
      },
    });
  }
  for (let i = 0; i < cases(1500); i += 1) {
    const value = random.chance(0.3) ? randomWords(random) : randomJson(random, 3);
    all.push({ request: { op: 'pformat', value }, ours: pythonPformat(value) });
    all.push({ request: { op: 'repr', value }, ours: pythonRepr(value) });
  }
  for (let i = 0; i < cases(1500); i += 1) {
    const text = random.chance(0.5)
      ? random.pick([
          '',
          ' ',
          '+',
          '-',
          '_1',
          '1_',
          '1__0',
          '٣٤',
          '𝟘1',
          ' \u3000 42\x85',
          '0x10',
          '1e3',
          '-0',
          '00',
          '12.0',
          '1 2',
        ])
      : Array.from({ length: random.int(6) }, () =>
          random.pick([...'0123456789_+- \t٣𝟘x', '\u2003', '\ufeff']),
        ).join('');
    all.push({ request: { op: 'int', text }, ours: parsePythonInt(text)?.toString() ?? null });
    const words = randomWords(random);
    all.push({ request: { op: 'strip', text: words }, ours: pythonStrip(words) });
    const name = Array.from({ length: random.int(12) }, () => random.pick([..."ab_Z 9-.ßǆǈΣσςİé中٣'"])).join(
      '',
    );
    all.push({ request: { op: 'title', text: name }, ours: pythonTitle(name) });
    all.push({ request: { op: 'len', text: words }, ours: pythonLength(words) });
  }
  for (let i = 0; i < cases(2000); i += 1) {
    const text = randomIsoText(random);
    all.push({ request: { op: 'iso8601', text }, ours: ourIso8601(text) });
  }
  for (let i = 0; i < cases(1000); i += 1) {
    // Python's quote() refuses lone surrogates, which no decoded query can contain anyway.
    const text = () => randomText(random, 8).replace(/[\ud800-\udfff]/g, 'x');
    const pairs = Array.from({ length: random.int(4) }, () => [text(), text()]);
    all.push({
      request: { op: 'urlencode', pairs },
      ours: pythonUrlencode(pairs as Array<[string, string]>),
    });
  }
  return all;
}

describe(`Python differential (IMAGE_DIFF_SEED=${SEED})`, () => {
  it('agrees with jsonschema, pprint, repr, int(), str methods, iso8601 and urlencode', () => {
    const all = buildCases(new Random(SEED));
    const answers = askOracle(all.map((testCase) => testCase.request));
    const mismatches: string[] = [];
    all.forEach((testCase, index) => {
      const answer = answers[index];
      const agrees = testCase.agrees
        ? testCase.agrees(answer)
        : JSON.stringify(answer) === JSON.stringify(testCase.ours);
      const op = testCase.request.op;
      if (!agrees && mismatches.filter((line) => line.includes(`"op":"${op}"`)).length < 3) {
        mismatches.push(
          `${JSON.stringify(testCase.request).slice(0, 400)}\n  python: ${JSON.stringify(answer)}\n  ours:   ${JSON.stringify(testCase.ours)}`,
        );
      }
    });
    expect(mismatches).toEqual([]);
  });
});
