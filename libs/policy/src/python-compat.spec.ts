import { applyMatch, compileMatch, FormatError, MISSING_TARGET_KEY } from './python-format';
import { classifyLeftSide } from './python-literal';
import { pythonAscii, pythonFloatRepr, pythonRepr, pythonStr } from './python-values';

// Expected values are what CPython 3.11 prints for the same expressions.

describe('pythonStr / pythonRepr', () => {
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
    expect(pythonStr(value)).toBe(expected);
  });

  it('quotes strings in repr and escapes non-ASCII in ascii', () => {
    expect(pythonRepr('a')).toBe("'a'");
    expect(pythonAscii('é😀')).toBe("'\\xe9\\U0001f600'");
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
    expect(pythonFloatRepr(value)).toBe(expected);
  });
});

describe('match % target', () => {
  const format = (match: string, target: Record<string, unknown>) => applyMatch(compileMatch(match), target);

  it('substitutes %(key)s and unescapes %%', () => {
    expect(format('%(a)s-%(b)s', { a: 'x', b: 2 })).toBe('x-2');
    expect(format('100%%', {})).toBe('100%');
    expect(format('plain', {})).toBe('plain');
  });

  it('supports repr, ascii, width and precision', () => {
    expect(format('%(a)r', { a: 'x' })).toBe("'x'");
    expect(format('%(a)a', { a: 'é' })).toBe("'\\xe9'");
    expect(format('[%(a)5s|%(a)-5s|%(a).2s]', { a: 'abc' })).toBe('[  abc|abc  |ab]');
  });

  it('formats an unkeyed %s with the whole target, once', () => {
    expect(format('%s', { a: 1 })).toBe("{'a': 1}");
    expect(() => format('%s%s', { a: 1 })).toThrow('not enough arguments for format string');
    expect(() => format('%(a)s%s', { a: 1 })).toThrow('not enough arguments for format string');
  });

  it('reports a missing key, unless an error comes first', () => {
    expect(format('%(missing)s', {})).toBe(MISSING_TARGET_KEY);
    expect(format('%(missing)q', {})).toBe(MISSING_TARGET_KEY);
    expect(format('%(a)s%(missing)s', { a: 1 })).toBe(MISSING_TARGET_KEY);
    expect(() => format('%q%(missing)s', {})).toThrow(FormatError);
    expect(() => format('%(a', { a: 1 })).toThrow('incomplete format key');
  });

  it('reads keys with balanced parentheses, as CPython does', () => {
    expect(format('%(a(b)c)s', { 'a(b)c': 'ok' })).toBe('ok');
  });

  it('explains why a match can never be formatted', () => {
    expect(compileMatch('%(a)d').problem).toBe('the %d conversion is not supported (use %s)');
    expect(compileMatch('%').problem).toBe('incomplete format');
    expect(compileMatch('%(a)s and 100%%').problem).toBeUndefined();
  });
});

describe('classifyLeftSide', () => {
  it.each([
    ['True', 'True'],
    ['None', 'None'],
    ['-3', '-3'],
    ['+7', '7'],
    ['-0', '0'],
    ['00', '0'],
    ['0x1F', '31'],
    ['0o17', '15'],
    ['0b101', '5'],
    ['1_000', '1000'],
    ['123456789012345678901234567890', '123456789012345678901234567890'],
    ['1.', '1.0'],
    ['.5', '0.5'],
    ['1e5', '100000.0'],
    ['-0.0', '-0.0'],
    ['1e400', 'inf'],
    ["'member'", 'member'],
    ['"x"', 'x'],
    ["u'x'", 'x'],
    ["'a\\tb'", 'a\tb'],
    ["r'a\\tb'", 'a\\tb'],
    ["'\\x41\\102\\u00e9'", 'ABé'],
    ["'a''b'", 'ab'],
    ["'\\q'", '\\q'],
  ])('%s is the literal %j', (text, rendered) => {
    expect(classifyLeftSide(text)).toEqual({ kind: 'literal', text: rendered });
  });

  it.each([
    ['project_id', ['project_id']],
    ['token.user.id', ['token', 'user', 'id']],
    ['true', ['true']],
    ['Ellipsis', ['Ellipsis']],
  ])('%s is a credential path', (text, segments) => {
    expect(classifyLeftSide(text)).toEqual({ kind: 'path', segments });
  });

  it.each([
    '',
    '1abc',
    '01',
    '1_',
    '1__0',
    'not',
    'a.True',
    'a..b',
    "'open",
    "b'x'",
    '1j',
    '--1',
    'a-b',
    'é',
    "'''x'''",
  ])('%j is invalid', (text) => {
    expect(classifyLeftSide(text).kind).toBe('invalid');
  });
});
