import { parseIsoTime } from './iso8601';
import {
  pythonFloatRepr,
  pythonPformat,
  pythonRepr,
  pythonStr,
  UnrepresentableValueError,
} from './python-repr';
import {
  compareCodePoints,
  hasFourByteCharacter,
  parsePythonInt,
  pythonLength,
  pythonSplitLinesKeepEnds,
  pythonStrip,
  pythonTitle,
} from './python-text';

// Fixed examples; python-differential.interop.spec.ts compares the same functions with CPython at random.

describe('pythonRepr / pythonStr', () => {
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
    expect(pythonRepr(value)).toBe(repr);
  });

  it('str() is the text itself for strings', () => {
    expect(pythonStr('a')).toBe('a');
    expect(pythonStr(['a'])).toBe("['a']");
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => pythonRepr(undefined)).toThrow(UnrepresentableValueError);
    expect(() => pythonRepr(() => 1)).toThrow(UnrepresentableValueError);
  });

  it('float repr', () => {
    expect(pythonFloatRepr(1)).toBe('1.0');
    expect(pythonFloatRepr(1e16)).toBe('1e+16');
    expect(pythonFloatRepr(123456789012345.6)).toBe('123456789012345.6');
    expect(pythonFloatRepr(0.0001)).toBe('0.0001');
    expect(pythonFloatRepr(0.00001)).toBe('1e-05');
    expect(pythonFloatRepr(-Infinity)).toBe('-inf');
    expect(pythonFloatRepr(NaN)).toBe('nan');
  });
});

describe('pythonPformat', () => {
  it('keeps short values on one line, with sorted keys', () => {
    expect(pythonPformat({ b: [1, 2], a: 'x' })).toBe("{'a': 'x', 'b': [1, 2]}");
  });

  it('breaks long dicts and lists one item per line', () => {
    expect(pythonPformat({ key: 'v'.repeat(40), other: ['x'.repeat(30), 'y'.repeat(30)] })).toBe(
      `{'key': '${'v'.repeat(40)}',\n 'other': ['${'x'.repeat(30)}',\n           '${'y'.repeat(30)}']}`,
    );
  });

  it('splits long strings at word boundaries, in parentheses at the top level', () => {
    const text = 'word '.repeat(20).trim();
    expect(pythonPformat(text)).toBe(
      "('word word word word word word word word word word word word word '\n 'word word word word word word word')",
    );
    expect(pythonPformat('x'.repeat(100))).toBe(`'${'x'.repeat(100)}'`);
    expect(pythonPformat('')).toBe("''");
    expect(pythonPformat('line one\nline two')).toBe("'line one\\nline two'");
  });
});

describe('Python str helpers', () => {
  it('strip removes Python whitespace (not U+FEFF)', () => {
    expect(pythonStrip('\x1c\x85 a b\u3000\t')).toBe('a b');
    expect(pythonStrip('\ufeffa')).toBe('\ufeffa');
  });

  it('len counts code points', () => {
    expect(pythonLength('a😀\ud800')).toBe(3);
  });

  it('compares by code point', () => {
    expect(compareCodePoints('\uffff', '😀')).toBeLessThan(0);
    expect('\uffff' < '😀').toBe(false);
    expect(compareCodePoints('a', 'ab')).toBeLessThan(0);
    expect(compareCodePoints('b', 'b')).toBe(0);
  });

  it('splitlines keeps the ends and knows every Python line boundary', () => {
    expect(pythonSplitLinesKeepEnds('a\r\nb\x1cc\u2028d')).toEqual(['a\r\n', 'b\x1c', 'c\u2028', 'd']);
    expect(pythonSplitLinesKeepEnds('')).toEqual([]);
  });

  it.each<[string, string]>([
    ['os_distro', 'Os_Distro'],
    ['hw_disk_bus', 'Hw_Disk_Bus'],
    ["it's x1y", "It'S X1Y"],
    ['ßa', 'Ssa'],
    ['ǆemal', 'ǅemal'],
    ['ΣΑΣ', 'Σας'],
  ])('title(%j) → %j', (text, title) => {
    expect(pythonTitle(text)).toBe(title);
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
    expect(parsePythonInt(text)).toBe(value);
  });

  it('finds 4-byte UTF-8 characters', () => {
    expect(hasFourByteCharacter('abc中')).toBe(false);
    expect(hasFourByteCharacter('a😀')).toBe(true);
  });
});

describe('parseIsoTime (iso8601.parse_date + normalize_time)', () => {
  it.each<[string, string]>([
    ['2024-01-02T03:04:05Z', '2024-01-02T03:04:05.000Z'],
    ['2024-01-02T03:04:05+01:30', '2024-01-02T01:34:05.000Z'],
    ['2024-01-02 03:04:05-0100', '2024-01-02T04:04:05.000Z'],
    ['20240102T0304', '2024-01-02T03:04:00.000Z'],
    ['2024-1-2', '2024-01-02T00:00:00.000Z'],
    ['2024', '2024-01-01T00:00:00.000Z'],
    ['2024-01-02T03:04:05,123456789', '2024-01-02T03:04:05.123Z'],
    ['2024-01-02T03:04:05Z\n', '2024-01-02T03:04:05.000Z'],
    ['0050-06-01', '0050-06-01T00:00:00.000Z'],
  ])('%j → %s', (text, iso) => {
    expect(parseIsoTime(text)?.date?.toISOString()).toBe(iso);
  });

  it('keeps microseconds', () => {
    expect(parseIsoTime('2024-01-02T03:04:05.9999999')?.utc?.microsecond).toBe(999999);
  });

  it.each([
    '202401',
    '2024-02-30',
    '2023-02-29',
    '2024-01-01T24:00',
    '2024-01-01T10:60',
    '2024-01-01t10:00',
    '2024-01-01T10:00z',
    '2024-01-01T10:00+24:00',
    'yesterday',
    '',
    '0000-01-01',
    '2024-01-01T10:00:00.' + '9'.repeat(29),
  ])('refuses %j', (text) => {
    expect(parseIsoTime(text)).toBeUndefined();
  });

  it('parses a time whose UTC form leaves the calendar, but has no instant for it', () => {
    expect(parseIsoTime('0001-01-01T00:00:00+01:00')).toEqual({ utc: null, date: null });
  });
});
