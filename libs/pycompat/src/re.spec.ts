import { pyRegexSearch } from './re';

const UUID_PATTERN =
  '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';

describe('pyRegexSearch', () => {
  it("Python's $ also matches before a final newline", () => {
    expect(pyRegexSearch('^a$', 'a\n')).toBe(true);
    expect(pyRegexSearch('^a$', 'a\n\n')).toBe(false);
    expect(pyRegexSearch(UUID_PATTERN, '0b5a1c7e-9f6d-4b2a-8c3e-1d2f3a4b5c6d\n')).toBe(true);
  });

  it('searches (not anchored) and reads \\d and \\s as Unicode classes', () => {
    expect(pyRegexSearch('b', 'abc')).toBe(true);
    expect(pyRegexSearch('^\\d$', '٣')).toBe(true);
    expect(pyRegexSearch('^\\s$', '\x1c')).toBe(true);
    expect(pyRegexSearch('^[\\s]$', '\ufeff')).toBe(false);
    expect(pyRegexSearch('[]a]', ']')).toBe(true);
  });

  it('refuses constructs whose meaning differs', () => {
    expect(() => pyRegexSearch('\\w', 'a')).toThrow();
    expect(() => pyRegexSearch('(?P<x>a)', 'a')).toThrow();
  });
});
