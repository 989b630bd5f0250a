// Differential tests of what the CLI prints through: textwrap, wcwidth, json.dumps(json.loads())
// and repr(json.loads()), against /usr/bin/python3 on a few hundred generated inputs each. Any
// byte of difference fails, with the input in the message.
import { writeFileSync } from 'node:fs';
import { dumps, loads } from './json';
import { pyRepr } from './repr';
import { fill } from './textwrap';
import { wcswidth } from './wcwidth';
import {
  askPythonOracle,
  assertPythonModules,
  type OracleAnswer,
  type OracleRequest,
  RandomData,
} from './testing';

jest.setTimeout(60_000);

const SEED = 20261124;

interface Comparison {
  request: OracleRequest;
  ours: () => string | number;
}

function build(): Comparison[] {
  const data = new RandomData(SEED);
  const comparisons: Comparison[] = [];

  for (let i = 0; i < 500; i++) {
    const text = data.text(40);
    const width = data.chance(0.2) ? data.int(1, 6) : data.int(7, 90);
    comparisons.push({ request: { op: 'fill', text, width }, ours: () => fill(text, width) });
  }
  for (let i = 0; i < 200; i++) {
    const text = data.text(6);
    comparisons.push({ request: { op: 'wcswidth', text }, ours: () => wcswidth(text) });
  }
  for (let i = 0; i < 300; i++) {
    const input = data.json(3);
    const indent = i % 3 === 0 ? 2 : undefined;
    comparisons.push({
      request: { op: 'dumps', input, indent },
      ours: () => dumps(loads(input), { indent }),
    });
  }
  for (let i = 0; i < 150; i++) {
    const input = data.json(2);
    comparisons.push({ request: { op: 'repr', input }, ours: () => pyRepr(loads(input)) });
  }
  return comparisons;
}

describe('textwrap, wcwidth, json and repr, compared with /usr/bin/python3', () => {
  const comparisons = build();
  let results: OracleAnswer[];

  beforeAll(() => {
    assertPythonModules(['wcwidth'], 'apt-get install -y python3-wcwidth');
    results = askPythonOracle(comparisons.map((c) => c.request));
  });

  it.each(['fill', 'wcswidth', 'dumps', 'repr'])('%s matches byte for byte', (op) => {
    const relevant = comparisons
      .map((c, i) => ({ ...c, result: results[i] }))
      .filter((c) => c.request.op === op);
    expect(relevant.length).toBeGreaterThan(0);
    const mismatches = relevant
      .map((c) => ({ case: c.request, ours: c.ours(), python: 'ok' in c.result ? c.result.ok : c.result }))
      .filter((c) => c.ours !== c.python);
    // DIFFERENTIAL_DUMP=file writes every mismatch there, for reading with diff tools.
    if (process.env.DIFFERENTIAL_DUMP && mismatches.length > 0) {
      writeFileSync(`${process.env.DIFFERENTIAL_DUMP}.${op}.json`, JSON.stringify(mismatches, null, 2));
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
  });
});
