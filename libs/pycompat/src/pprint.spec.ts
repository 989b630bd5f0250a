import { pformat } from './pprint';

describe('pformat(width=72), as jsonschema calls it', () => {
  it('keeps short values on one line, with sorted keys', () => {
    expect(pformat({ b: [1, 2], a: 'x' }, 72)).toBe("{'a': 'x', 'b': [1, 2]}");
  });

  it('breaks long dicts and lists one item per line', () => {
    expect(pformat({ key: 'v'.repeat(40), other: ['x'.repeat(30), 'y'.repeat(30)] }, 72)).toBe(
      `{'key': '${'v'.repeat(40)}',\n 'other': ['${'x'.repeat(30)}',\n           '${'y'.repeat(30)}']}`,
    );
  });

  it('splits long strings at word boundaries, in parentheses at the top level', () => {
    const text = 'word '.repeat(20).trim();
    expect(pformat(text, 72)).toBe(
      "('word word word word word word word word word word word word word '\n 'word word word word word word word')",
    );
    expect(pformat('x'.repeat(100), 72)).toBe(`'${'x'.repeat(100)}'`);
    expect(pformat('', 72)).toBe("''");
    expect(pformat('line one\nline two', 72)).toBe("'line one\\nline two'");
  });
});
