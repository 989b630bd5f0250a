import { literalEval } from './literal-eval';

// Expected values are what ast.literal_eval (CPython 3.11) makes of the same texts.

describe('literalEval', () => {
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
    expect(literalEval(text)).toEqual({ kind: 'literal', text: rendered });
  });

  it.each([
    ['project_id', ['project_id']],
    ['token.user.id', ['token', 'user', 'id']],
    ['true', ['true']],
    ['Ellipsis', ['Ellipsis']],
  ])('%s is a dotted name (ValueError)', (text, segments) => {
    expect(literalEval(text)).toEqual({ kind: 'name', segments });
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
    expect(literalEval(text).kind).toBe('invalid');
  });
});
