import { pyAscii, pyFloatRepr, pyRepr, pyStr } from './repr';
import { dumps } from './json';
import { PyDict, PyFloat, UnrepresentableValueError } from './values';

// Expected values are what CPython 3.11 prints for the same expressions;
// python-differential.interop.spec.ts compares with CPython at random.

describe('pyRepr / pyStr', () => {
  it.each<[unknown, string]>([
    [null, 'None'],
    [true, 'True'],
    [false, 'False'],
    [5, '5'],
    [-0, '0'],
    [1.5, '1.5'],
    [1e-7, '1e-07'],
    [1e22, '1e+22'],
    [0.1, '0.1'],
    ['x', "'x'"],
    ["it's", `"it's"`],
    [`it's "x"`, `'it\\'s "x"'`],
    ['\t\n\r\x00\x7f\x85\xa0\xad', "'\\t\\n\\r\\x00\\x7f\\x85\\xa0\\xad'"],
    ['é中😀\u200b\u2028\ufeff\ud800', "'é中😀\\u200b\\u2028\\ufeff\\ud800'"],
    [[1, 'a', [null]], "[1, 'a', [None]]"],
    [{ b: 1, a: [] }, "{'b': 1, 'a': []}"],
  ])('%j → %s', (value, repr) => {
    expect(pyRepr(value)).toBe(repr);
  });

  it('str() is the text itself for strings', () => {
    expect(pyStr('a')).toBe('a');
    expect(pyStr(['a'])).toBe("['a']");
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => pyRepr(undefined)).toThrow(UnrepresentableValueError);
    expect(() => pyRepr(() => 1)).toThrow(UnrepresentableValueError);
  });

  it('float repr', () => {
    expect(pyFloatRepr(1)).toBe('1.0');
    expect(pyFloatRepr(1e16)).toBe('1e+16');
    expect(pyFloatRepr(123456789012345.6)).toBe('123456789012345.6');
    expect(pyFloatRepr(0.0001)).toBe('0.0001');
    expect(pyFloatRepr(0.00001)).toBe('1e-05');
    expect(pyFloatRepr(-Infinity)).toBe('-inf');
    expect(pyFloatRepr(NaN)).toBe('nan');
  });
});

describe('pyStr / pyRepr / pyAscii (JavaScript values as they cross JSON)', () => {
  it.each([
    ['text', 'text'],
    [true, 'True'],
    [null, 'None'],
    [20, '20'],
    [-0, '0'],
    [1e21, '1e+21'],
    [['a', 1, null], "['a', 1, None]"],
    [{ a: [true, { b: 'c' }] }, "{'a': [True, {'b': 'c'}]}"],
    [["it's", 'say "hi"', 'both \' and "'], `["it's", 'say "hi"', 'both \\' and "']`],
    [
      ['tab\t', 'nl\n', 'bell\x07', 'del\x7f', 'nbsp\u00a0', 'é', '😀', 'zwsp\u200b'],
      "['tab\\t', 'nl\\n', 'bell\\x07', 'del\\x7f', 'nbsp\\xa0', 'é', '😀', 'zwsp\\u200b']",
    ],
  ])('str(%j) is %s', (value, expected) => {
    expect(pyStr(value)).toBe(expected);
  });

  it('quotes strings in repr and escapes non-ASCII in ascii', () => {
    expect(pyRepr('a')).toBe("'a'");
    expect(pyAscii('é😀')).toBe("'\\xe9\\U0001f600'");
  });

  it.each([
    [0.5, '0.5'],
    [1.5e-7, '1.5e-07'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [123456789.125, '123456789.125'],
    [-2.5, '-2.5'],
    [-0, '-0.0'],
    [Infinity, 'inf'],
  ])('repr(float %s) is %s', (value, expected) => {
    expect(pyFloatRepr(value)).toBe(expected);
  });
});

describe('Python reprs', () => {
  it.each([
    [1e16, '1e+16'],
    [1.5e-5, '1.5e-05'],
    [0.0001, '0.0001'],
    [123456.789, '123456.789'],
    [-0, '-0.0'],
    [2, '2.0'],
    [1e22, '1e+22'],
  ])('float %p is %s', (value, text) => {
    expect(pyFloatRepr(value)).toBe(text);
  });

  it('chooses quotes and escapes like repr(str)', () => {
    expect(pyRepr(["it's", 'say "hi"', 'both \' "', 'tab\t', '\u00a0é'])).toBe(
      `["it's", 'say "hi"', 'both \\' "', 'tab\\t', '\\xa0é']`,
    );
    expect(pyRepr({ a: null, b: true })).toBe("{'a': None, 'b': True}");
  });
});

describe('the value model: what stands for which Python object', () => {
  it('json.loads values keep float-ness, big ints and key order', () => {
    expect(pyRepr(new PyFloat(1))).toBe('1.0');
    expect(pyRepr(12345678901234567890n)).toBe('12345678901234567890');
    expect(
      pyRepr(
        new PyDict([
          ['10', 1],
          ['a', new PyFloat(2.5)],
        ]),
      ),
    ).toBe("{'10': 1, 'a': 2.5}");
  });

  it('a JavaScript number is an int when integral and below 1e21 (its exact value), else a float', () => {
    expect(pyRepr(2 ** 60)).toBe('1152921504606846976');
    expect(pyRepr(1e21)).toBe('1e+21');
    expect(dumps([2 ** 60, 1e21, 1e-7])).toBe('[1152921504606846976, 1e+21, 1e-07]');
  });

  it('undefined is absent by default (as JSON.stringify reads it), None when lenient', () => {
    expect(pyRepr({ a: undefined, b: 1 })).toBe("{'b': 1}");
    expect(pyRepr({ a: undefined, b: 1 }, { lenient: true })).toBe("{'a': None, 'b': 1}");
    expect(pyRepr(undefined, { lenient: true })).toBe('None');
    expect(dumps({ a: undefined, b: [undefined] })).toBe('{"b": [null]}');
    expect(dumps({ a: undefined }, { lenient: true })).toBe('{"a": null}');
    expect(() => pyRepr(Symbol('x'))).toThrow(UnrepresentableValueError);
  });
});
