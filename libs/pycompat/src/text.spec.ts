import {
  comparePyStr,
  pyBigInt,
  pyInt,
  pyLen,
  pyLstrip,
  pyRstrip,
  pySplitLines,
  pySplitLinesKeepEnds,
  pyStrip,
  pyTitle,
} from './text';

describe('Python str helpers', () => {
  it('strip removes Python whitespace (not U+FEFF)', () => {
    expect(pyStrip('\x1c\x85 a b\u3000\t')).toBe('a b');
    expect(pyStrip('\ufeffa')).toBe('\ufeffa');
  });

  it('len counts code points', () => {
    expect(pyLen('a😀\ud800')).toBe(3);
  });

  it('compares by code point', () => {
    expect(comparePyStr('\uffff', '😀')).toBeLessThan(0);
    expect('\uffff' < '😀').toBe(false);
    expect(comparePyStr('a', 'ab')).toBeLessThan(0);
    expect(comparePyStr('b', 'b')).toBe(0);
  });

  it('splitlines keeps the ends and knows every Python line boundary', () => {
    expect(pySplitLinesKeepEnds('a\r\nb\x1cc\u2028d')).toEqual(['a\r\n', 'b\x1c', 'c\u2028', 'd']);
    expect(pySplitLinesKeepEnds('')).toEqual([]);
  });

  it.each<[string, string]>([
    ['os_distro', 'Os_Distro'],
    ['hw_disk_bus', 'Hw_Disk_Bus'],
    ["it's x1y", "It'S X1Y"],
    ['ßa', 'Ssa'],
    ['ǆemal', 'ǅemal'],
    ['ΣΑΣ', 'Σας'],
  ])('title(%j) → %j', (text, title) => {
    expect(pyTitle(text)).toBe(title);
  });

  it.each<[string, number | undefined]>([
    ['42', 42],
    [' -7 ', -7],
    ['+1_000', 1000],
    ['٣', 3],
    ['𝟗', 9],
    ['-0', 0],
    ['1__0', undefined],
    ['_1', undefined],
    ['0x10', undefined],
    ['1.0', undefined],
    ['', undefined],
    ['\ufeff1', undefined],
  ])('int(%j) → %s', (text, value) => {
    expect(pyInt(text)).toBe(value);
  });
});

describe('more str methods', () => {
  it('splitlines without the ends, lstrip and rstrip', () => {
    expect(pySplitLines('a\r\nb\x1cc\n')).toEqual(['a', 'b', 'c']);
    expect(pySplitLines('')).toEqual([]);
    expect(pyLstrip('\x85 a ')).toBe('a ');
    expect(pyRstrip(' a\u3000\t')).toBe(' a');
  });

  it('int() exactly, beyond 2^53', () => {
    expect(pyBigInt(' 123456789012345678901234567890 ')).toBe(123456789012345678901234567890n);
    expect(pyBigInt('-٣')).toBe(-3n);
    expect(pyBigInt('\ufeff1')).toBeUndefined();
  });
});
