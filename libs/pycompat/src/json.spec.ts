import { dumps, loads } from './json';
import { PyDict, PyFloat } from './values';

describe('loads', () => {
  it('keeps what JSON.parse loses: float-ness, big ints and key order', () => {
    const value = loads('{"b": 1.0, "10": 2, "a": 12345678901234567890, "c": 1e3}') as PyDict;
    expect(value).toBeInstanceOf(PyDict);
    expect([...value.keys()]).toEqual(['b', '10', 'a', 'c']); // JSON.parse would put "10" first
    expect(value.get('b')).toEqual(new PyFloat(1));
    expect(value.get('a')).toBe(12345678901234567890n);
    expect(value.get('c')).toEqual(new PyFloat(1000));
    expect(dumps(value)).toBe('{"b": 1.0, "10": 2, "a": 12345678901234567890, "c": 1000.0}');
  });

  it("accepts Python's NaN and Infinity and keeps a repeated key's first position", () => {
    expect(dumps(loads('[NaN, Infinity, -Infinity]'))).toBe('[NaN, Infinity, -Infinity]');
    expect(dumps(loads('{"a": 1, "b": 2, "a": 3}'))).toBe('{"a": 3, "b": 2}');
  });

  it.each(['', '{', '[1,]', '{"a" 1}', '"\\x"', '"a\nb"', '01', '1 2'])('rejects %j', (text) => {
    expect(() => loads(text)).toThrow(SyntaxError);
  });
});

describe('dumps', () => {
  it('escapes like ensure_ascii, surrogate pairs included', () => {
    expect(dumps('é "q" \\ \n\t\x01 😀 \x7f')).toBe(
      '"\\u00e9 \\"q\\" \\\\ \\n\\t\\u0001 \\ud83d\\ude00 \\u007f"',
    );
  });

  it('indents like json.dumps(indent=2)', () => {
    expect(dumps({ a: [1, {}], b: [] }, { indent: 2 })).toBe(
      '{\n  "a": [\n    1,\n    {}\n  ],\n  "b": []\n}',
    );
  });
});
