import { parseIsoTime } from './iso8601';
import { pformat } from './pprint';
import { urlencode } from './query-string';
import { pyRepr } from './repr';
import { pyInt, pyLen, pyStrip, pyTitle } from './text';
import {
  askPythonOracle,
  assertPythonModules,
  type OracleRequest,
  randomJsonValue,
  randomPyText,
  randomPyWords,
  SeededRandom,
  seedFromEnv,
} from './testing';

/*
 * Differential tests against CPython and the Python libraries whose behaviour the API's messages
 * and filters reproduce: pprint, repr, int(), str methods, iso8601 (the date filters) and
 * urllib.parse.urlencode (the list links). One oracle process answers every case; Debian's
 * python3-iso8601 comes with python3-glanceclient, which CI installs.
 *
 * PYTHON_DIFF_SEED fixes the seed (printed on failure), PYTHON_DIFF_CASES scales the case count
 * (per 1000).
 */

const SEED = seedFromEnv('PYTHON_DIFF_SEED');
const SCALE = process.env.PYTHON_DIFF_CASES ? Number(process.env.PYTHON_DIFF_CASES) / 1000 : 1;
const cases = (count: number) => Math.max(1, Math.round(count * SCALE));

interface Case {
  readonly request: OracleRequest;
  readonly ours: unknown;
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

function randomIsoText(random: SeededRandom): string {
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
  return Array.from({ length: random.below(8) }, () => random.pick(ISO_PIECES)).join('');
}

function buildCases(random: SeededRandom): Case[] {
  const all: Case[] = [];
  for (let i = 0; i < cases(1500); i += 1) {
    const value = random.chance(0.3) ? randomPyWords(random) : randomJsonValue(random, 3);
    all.push({ request: { op: 'pformat', value, width: 72 }, ours: pformat(value, 72) });
    all.push({ request: { op: 'repr', value }, ours: pyRepr(value) });
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
      : Array.from({ length: random.below(6) }, () =>
          random.pick([...'0123456789_+- \t٣𝟘x', '\u2003', '\ufeff']),
        ).join('');
    all.push({ request: { op: 'int', text }, ours: pyInt(text)?.toString() ?? null });
    const words = randomPyWords(random);
    all.push({ request: { op: 'strip', text: words }, ours: pyStrip(words) });
    const name = Array.from({ length: random.below(12) }, () =>
      random.pick([..."ab_Z 9-.ßǆǈΣσςİé中٣'"]),
    ).join('');
    all.push({ request: { op: 'title', text: name }, ours: pyTitle(name) });
    all.push({ request: { op: 'len', text: words }, ours: pyLen(words) });
  }
  for (let i = 0; i < cases(2000); i += 1) {
    const text = randomIsoText(random);
    all.push({ request: { op: 'iso8601', text }, ours: ourIso8601(text) });
  }
  for (let i = 0; i < cases(1000); i += 1) {
    // Python's quote() refuses lone surrogates, which no decoded query can contain anyway.
    const text = () => randomPyText(random, 8).replace(/[\ud800-\udfff]/g, 'x');
    const pairs = Array.from({ length: random.below(4) }, () => [text(), text()]);
    all.push({ request: { op: 'urlencode', pairs }, ours: urlencode(pairs as Array<[string, string]>) });
  }
  return all;
}

describe(`Python differential (PYTHON_DIFF_SEED=${SEED})`, () => {
  it('agrees with pprint, repr, int(), str methods, iso8601 and urlencode', () => {
    assertPythonModules(['iso8601'], 'apt-get install -y python3-glanceclient');
    const all = buildCases(new SeededRandom(SEED));
    const answers = askPythonOracle(all.map((testCase) => testCase.request));
    const mismatches: string[] = [];
    all.forEach((testCase, index) => {
      const answer = answers[index];
      const agrees = 'ok' in answer && JSON.stringify(answer.ok) === JSON.stringify(testCase.ours);
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
