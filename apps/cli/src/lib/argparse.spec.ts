import {
  BOOL_FROM_STRING,
  type CommandLineSpec,
  INT,
  UsageError,
  boolFromString,
  parseCommandLine,
  parsePythonInt,
} from './argparse';

const SPEC: CommandLineSpec = {
  options: [
    { name: 'min-disk', dest: 'min_disk', action: 'store', type: INT, metavar: '<MIN_DISK>' },
    { name: 'name', action: 'store', metavar: '<NAME>' },
    { name: 'tags', action: 'store', nargs: '+', metavar: '<TAGS>' },
    { name: 'protected', action: 'store', type: BOOL_FROM_STRING, metavar: '[True|False]' },
    {
      name: 'hidden',
      dest: 'os_hidden',
      action: 'store',
      nargs: '?',
      constValue: true,
      type: BOOL_FROM_STRING,
    },
    { name: 'property', action: 'append' },
    { name: 'progress', action: 'store_true' },
    { name: 'debug', char: 'd', action: 'store_true' },
    { name: 'verbose', char: 'v', action: 'store_true' },
    { name: 'format', char: 'f', action: 'store', choices: ['json', 'table'] },
    { name: 'os-auth-token', aliases: ['os_auth_token'], action: 'store' },
  ],
  positionals: [],
};

const parse = (argv: string[], spec: CommandLineSpec = SPEC) => parseCommandLine(spec, argv);
const usageError = (argv: string[], spec: CommandLineSpec = SPEC) => {
  try {
    parse(argv, spec);
  } catch (error) {
    if (error instanceof UsageError) return { message: error.message, reportedBy: error.reportedBy };
    throw error;
  }
  throw new Error('no usage error');
};

describe('parseCommandLine (argparse subset)', () => {
  it('reads "--opt value" and "--opt=value", the last occurrence winning', () => {
    expect(parse(['--min-disk', '5', '--name=a=b', '--name', 'c'])).toMatchObject({ min_disk: 5, name: 'c' });
    expect(parse(['--min-disk=7'])).toMatchObject({ min_disk: 7 });
  });

  it('leaves absent options undefined and store_true ones false', () => {
    expect(parse([])).toMatchObject({ min_disk: undefined, progress: false, property: undefined });
  });

  it('takes one or more values for nargs "+", up to the next option', () => {
    expect(parse(['--tags', 'a', 'b', '--progress'])).toMatchObject({ tags: ['a', 'b'], progress: true });
    expect(parse(['--tags=a'])).toMatchObject({ tags: ['a'] });
    expect(usageError(['--tags', '--progress']).message).toBe(
      'argument --tags: expected at least one argument',
    );
  });

  it('gives nargs "?" its constant without a value, and converts a value when there is one', () => {
    expect(parse(['--hidden'])).toMatchObject({ os_hidden: true });
    expect(parse(['--hidden', 'False'])).toMatchObject({ os_hidden: false });
    expect(parse(['--hidden', '--progress'])).toMatchObject({ os_hidden: true, progress: true });
  });

  it('appends repeated values in order', () => {
    expect(parse(['--property', 'a=1', '--property=b=2'])).toMatchObject({ property: ['a=1', 'b=2'] });
  });

  it('reads short options glued, with "=", and clustered flags', () => {
    expect(parse(['-fjson'])).toMatchObject({ format: 'json' });
    expect(parse(['-f=table'])).toMatchObject({ format: 'table' });
    expect(parse(['-dv'])).toMatchObject({ debug: true, verbose: true });
  });

  it('accepts aliases (glanceclient underscore spellings)', () => {
    expect(parse(['--os_auth_token', 't'])).toMatchObject({ 'os-auth-token': 't' });
  });

  it('takes negative numbers and texts with spaces as values, like argparse', () => {
    expect(parse(['--min-disk', '-1'])).toMatchObject({ min_disk: -1 });
    expect(parse(['--name', '-x y'])).toMatchObject({ name: '-x y' });
  });

  it('says what argparse says about bad values and missing ones', () => {
    expect(usageError(['--min-disk', 'abc']).message).toBe("argument --min-disk: invalid int value: 'abc'");
    expect(usageError(['--name']).message).toBe('argument --name: expected one argument');
    expect(usageError(['--name', '--progress']).message).toBe('argument --name: expected one argument');
    expect(usageError(['-f', 'xml']).message).toBe(
      "argument -f/--format: invalid choice: 'xml' (choose from 'json', 'table')",
    );
    expect(usageError(['--progress=1']).message).toBe("argument --progress: ignored explicit argument '1'");
  });

  it('reports unknown options and surplus values together, in command-line order, as the program', () => {
    expect(usageError(['x', '--bogus', '--name', 'n', 'y'])).toEqual({
      message: 'unrecognized arguments: x --bogus y',
      reportedBy: 'program',
    });
    expect(parseCommandLine(SPEC, ['--bogus', 'x'], { tolerateUnrecognized: true })).toMatchObject({
      name: undefined,
    });
  });

  describe('positionals', () => {
    const withIds: CommandLineSpec = {
      options: [{ name: 'name', action: 'store' }],
      positionals: [
        { dest: 'image_id', metavar: '<IMAGE_ID>' },
        { dest: 'tag', metavar: '<TAG_VALUE>' },
      ],
    };
    const manyIds: CommandLineSpec = {
      options: [],
      positionals: [{ dest: 'id', metavar: '<IMAGE_ID>', nargs: '+' }],
    };

    it('fills them in order, around options', () => {
      expect(parse(['a', '--name', 'n', 'b'], withIds)).toMatchObject({ image_id: 'a', tag: 'b', name: 'n' });
    });

    it('names every missing one', () => {
      expect(usageError([], withIds).message).toBe(
        'the following arguments are required: <IMAGE_ID>, <TAG_VALUE>',
      );
      expect(usageError(['a'], withIds).message).toBe('the following arguments are required: <TAG_VALUE>');
      expect(usageError([], manyIds).message).toBe('the following arguments are required: <IMAGE_ID>');
    });

    it('gives a "+" positional every remaining value, and "--" ends the options', () => {
      expect(parse(['a', 'b', 'c'], manyIds)).toMatchObject({ id: ['a', 'b', 'c'] });
      expect(parse(['--', '-x', '--name'], manyIds)).toMatchObject({ id: ['-x', '--name'] });
    });
  });
});

describe('value types', () => {
  it("parsePythonInt reads what Python's int() reads", () => {
    expect(parsePythonInt(' 42 ')).toBe(42);
    expect(parsePythonInt('+7')).toBe(7);
    expect(parsePythonInt('-3')).toBe(-3);
    expect(parsePythonInt('1_000')).toBe(1000);
    expect(parsePythonInt('123456789012345678901234567890')).toBe(123456789012345678901234567890n);
    for (const bad of ['', '1.5', '0x10', '1__0', '_1', 'abc'])
      expect(() => parsePythonInt(bad)).toThrow(`invalid literal for int() with base 10: '${bad}'`);
  });

  it("boolFromString is oslo's non-strict bool_from_string", () => {
    for (const yes of ['1', 't', 'True', 'ON', ' yes ', 'y']) expect(boolFromString(yes)).toBe(true);
    for (const no of ['0', 'false', 'no', 'maybe', '']) expect(boolFromString(no)).toBe(false);
  });
});
