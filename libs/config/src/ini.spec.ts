import { ConfigError } from './errors';
import { type IniDocument, lastValue, parseIni } from './ini';

const FILE = 'etc/glance-api.conf';

const valueOf = (document: IniDocument, section: string, key: string) =>
  lastValue(document.sections.get(section), key);

function syntaxError(text: string): ConfigError {
  try {
    parseIni(text, FILE);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseIni (oslo.config iniparser rules)', () => {
  it('reads sections and "=" / ":" assignments, stripping keys and values, keeping line numbers', () => {
    const document = parseIni('[DEFAULT]\nbind_host = 127.0.0.1\n  \n[auth]\nstrategy:noauth\n', FILE);
    expect([...document.sections.keys()]).toEqual(['DEFAULT', 'auth']);
    expect(valueOf(document, 'DEFAULT', 'bind_host')).toEqual({ value: '127.0.0.1', line: 2 });
    expect(valueOf(document, 'auth', 'strategy')).toEqual({ value: 'noauth', line: 5 });
  });

  it('splits at whichever separator comes first, so values may contain the other one', () => {
    const document = parseIni('[s]\nurl = http://host:9292\nmap: a=b\n', FILE);
    expect(valueOf(document, 's', 'url')?.value).toBe('http://host:9292');
    expect(valueOf(document, 's', 'map')?.value).toBe('a=b');
  });

  it('treats # and ; as comments only at the start of a line', () => {
    const document = parseIni('# comment\n; comment\n[s]\nkey = a # not a comment\n', FILE);
    expect(valueOf(document, 's', 'key')?.value).toBe('a # not a comment');
    expect(document.sections.get('s')?.entries.size).toBe(1);
  });

  it('joins continuation lines with "\\n" until a blank line', () => {
    const document = parseIni('[s]\nkey = first\n  second\n\tthird\n\nother = x\n', FILE);
    expect(valueOf(document, 's', 'key')).toEqual({ value: 'first\nsecond\nthird', line: 2 });
    expect(valueOf(document, 's', 'other')?.value).toBe('x');
  });

  it('removes one pair of matching surrounding quotes, and only matching ones', () => {
    const document = parseIni(
      `[s]\na = "quoted value"\nb = 'single'\nc = "mismatched'\nd = ""\ne = "\n`,
      FILE,
    );
    expect(valueOf(document, 's', 'a')?.value).toBe('quoted value');
    expect(valueOf(document, 's', 'b')?.value).toBe('single');
    expect(valueOf(document, 's', 'c')?.value).toBe(`"mismatched'`);
    expect(valueOf(document, 's', 'd')?.value).toBe('');
    expect(valueOf(document, 's', 'e')?.value).toBe('');
  });

  it('keeps section names and keys case-sensitive', () => {
    const document = parseIni('[Auth]\nStrategy = a\n[auth]\nstrategy = b\n', FILE);
    expect([...document.sections.keys()]).toEqual(['Auth', 'auth']);
    expect(valueOf(document, 'Auth', 'strategy')).toBeUndefined();
    expect(valueOf(document, 'Auth', 'Strategy')?.value).toBe('a');
  });

  it('keeps every assignment of a repeated key; the last one is the value', () => {
    const document = parseIni('[s]\nkey = 1\nkey = 2\n', FILE);
    expect(document.sections.get('s')?.entries.get('key')).toEqual([
      { value: '1', line: 2 },
      { value: '2', line: 3 },
    ]);
    expect(valueOf(document, 's', 'key')?.value).toBe('2');
  });

  it('merges a section opened twice and remembers where it first started', () => {
    const document = parseIni('[a]\nx = 1\n[b]\n[a]\ny = 2\n', FILE);
    const section = document.sections.get('a');
    expect(section?.line).toBe(1);
    expect([...(section?.entries.keys() ?? [])]).toEqual(['x', 'y']);
  });

  it('accepts an empty value, CRLF line endings and a byte order mark', () => {
    const document = parseIni('\uFEFF[s]\r\nempty =\r\nkey = v\r\n', FILE);
    expect(valueOf(document, 's', 'empty')?.value).toBe('');
    expect(valueOf(document, 's', 'key')).toEqual({ value: 'v', line: 3 });
  });

  it.each([
    [
      'a line without separator',
      '[s]\njust words\n',
      'etc/glance-api.conf:2: [s] invalid line "just words": expected "key = value", a [section] header or a comment',
    ],
    ['an empty key', '[s]\n= value\n', 'etc/glance-api.conf:2: [s] invalid line "= value": the key is empty'],
    [
      'an assignment before any section',
      'key = value\n',
      'etc/glance-api.conf:1: "key" is set before any [section] header',
    ],
    [
      'a header without "]"',
      '[s\n',
      'etc/glance-api.conf:1: invalid section header "[s": it must end with "]"',
    ],
    [
      'a header with a trailing comment',
      '[s] # c\n',
      'etc/glance-api.conf:1: invalid section header "[s] # c": it must end with "]"',
    ],
    ['an empty section name', '[]\n', 'etc/glance-api.conf:1: empty section name "[]"'],
    [
      'a continuation after a blank line',
      '[s]\nkey = a\n\n  b\n',
      'etc/glance-api.conf:4: [s] unexpected continuation line (an indented line must continue a value)',
    ],
    [
      'a continuation after a comment',
      '[s]\n# c\n  b\n',
      'etc/glance-api.conf:3: [s] unexpected continuation line (an indented line must continue a value)',
    ],
  ])('reports %s with the file and line number', (_case, text, message) => {
    const error = syntaxError(text);
    expect(error.message).toBe(message);
    expect(error.file).toBe(FILE);
  });
});
