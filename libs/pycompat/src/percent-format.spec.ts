import { applyPercentFormat, compilePercentFormat, MISSING_KEY, PercentFormatError } from './percent-format';

// Expected values are what CPython 3.11 prints for the same expressions.

describe('format % mapping', () => {
  const format = (match: string, target: Record<string, unknown>) =>
    applyPercentFormat(compilePercentFormat(match), target);

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
    expect(format('%(missing)s', {})).toBe(MISSING_KEY);
    expect(format('%(missing)q', {})).toBe(MISSING_KEY);
    expect(format('%(a)s%(missing)s', { a: 1 })).toBe(MISSING_KEY);
    expect(() => format('%q%(missing)s', {})).toThrow(PercentFormatError);
    expect(() => format('%(a', { a: 1 })).toThrow('incomplete format key');
  });

  it('reads keys with balanced parentheses, as CPython does', () => {
    expect(format('%(a(b)c)s', { 'a(b)c': 'ok' })).toBe('ok');
  });

  it('explains why a match can never be formatted', () => {
    expect(compilePercentFormat('%(a)d').problem).toBe('the %d conversion is not supported (use %s)');
    expect(compilePercentFormat('%').problem).toBe('incomplete format');
    expect(compilePercentFormat('%(a)s and 100%%').problem).toBeUndefined();
  });
});
