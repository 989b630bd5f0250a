// The subset of Python's argparse that glanceclient's image commands rely on and oclif cannot
// express: options with an optional value (`--hidden [True|False]`), options taking one or more
// values (`--tags a b`), value types with argparse's error texts (`invalid int value: 'x'`),
// choices, repeated options, and positionals taking one or more values (`image-delete ID ID`).
//
// Commands describe their command line once (CommandLineSpec); the same description yields the
// oclif flags and args their help pages are built from (see oclif-spec.ts). Parse errors are
// argparse's messages, without the "usage: ..." and "glance <command>: error:" that main.ts adds.
//
// Deliberately left out: abbreviated long options (argparse's allow_abbrev), which glanceclient
// accepts but which would make adding an option a breaking change for scripts.
import { pyBigInt, pyStrRepr } from '@glance-ts/pycompat';
import { CliError } from './errors';

/** A value conversion, named as argparse names it in "invalid <name> value: '...'". */
export interface ValueType {
  name: string;
  /** Throws (anything) when the text is not a valid value. */
  convert(text: string): unknown;
}

export const STRING: ValueType = { name: 'str', convert: (text) => text };

/** Python's int(text), as a number, or a bigint beyond 2^53 (JSON carries it exactly). */
export function parsePythonInt(text: string): number | bigint {
  const value = pyBigInt(text);
  if (value === undefined) throw new RangeError(`invalid literal for int() with base 10: ${pyStrRepr(text)}`);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

export const INT: ValueType = { name: 'int', convert: parsePythonInt };

const TRUE_STRINGS = new Set(['1', 't', 'true', 'on', 'y', 'yes']);

/** oslo.utils strutils.bool_from_string(text) (strict=False): anything not truthy is False. */
export function boolFromString(text: string): boolean {
  return TRUE_STRINGS.has(text.trim().toLowerCase());
}

export const BOOL_FROM_STRING: ValueType = { name: 'bool_from_string', convert: boolFromString };

export interface OptionSpec {
  /** Long name without the dashes ("min-disk"); the first of the option strings in messages. */
  name: string;
  /** Short form without the dash ("f"). */
  char?: string;
  /** Further long names without the dashes (glanceclient's hidden "os_auth_token" spellings). */
  aliases?: readonly string[];
  /** Key of the parsed value; defaults to the name. */
  dest?: string;
  /** store: the last value given wins; append: every value, in order; store_true: a flag. */
  action: 'store' | 'append' | 'store_true';
  /** For store: '?' takes zero or one value (zero gives `constValue`), '+' one or more. */
  nargs?: '?' | '+';
  constValue?: unknown;
  type?: ValueType;
  choices?: readonly string[];
  /** argparse's metavar, as help shows it ("<NAME>", "[True|False]"). */
  metavar?: string;
  help?: string;
  /** Options glance-ts adds are listed in their own help section. */
  helpGroup?: string;
  required?: boolean;
}

export interface PositionalSpec {
  dest: string;
  /** As usage and errors name it: "<IMAGE_ID>". */
  metavar: string;
  /** '+': one or more values (only the last positional may take several). */
  nargs?: '+';
  /** The values it takes (argparse checks them as it consumes the positional). */
  choices?: readonly string[];
  help?: string;
}

export interface CommandLineSpec {
  options: readonly OptionSpec[];
  positionals: readonly PositionalSpec[];
}

/** Parsed values by dest: undefined for an option not given (argparse's default=None). */
export type ParsedArguments = Record<string, unknown>;

/** A command-line mistake: main.ts prints the command's usage, then "glance <command>: error: <message>". */
export class UsageError extends CliError {
  constructor(
    message: string,
    /**
     * Whose usage goes with it: glanceclient's subcommand parser reports bad values and missing
     * arguments, the top-level parser reports what nobody recognised ("glance: error: ...").
     */
    readonly reportedBy: 'command' | 'program' = 'command',
  ) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

function destOf(option: OptionSpec): string {
  return option.dest ?? option.name;
}

/** "-f/--format" as argparse names an option in its messages. */
function displayName(option: OptionSpec): string {
  return [
    ...(option.char ? [`-${option.char}`] : []),
    `--${option.name}`,
    ...(option.aliases ?? []).map((alias) => `--${alias}`),
  ].join('/');
}

const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/;

/**
 * argparse's _parse_optional: does this token start an option (known or not), or is it a value?
 * "-", negative numbers and anything containing a space are values.
 */
function looksLikeOption(token: string, known: (name: string) => OptionSpec | undefined): boolean {
  if (!token.startsWith('-') || token === '-') return false;
  if (known(token.split('=', 1)[0])) return true;
  if (token === '--') return true;
  if (NEGATIVE_NUMBER.test(token)) return false;
  return !token.includes(' ');
}

export interface ParseOptions {
  /**
   * Leave unknown options and surplus positionals unreported: for a first pass made before all
   * the options are known (image-create's come partly from the server).
   */
  tolerateUnrecognized?: boolean;
}

export function parseCommandLine(
  spec: CommandLineSpec,
  argv: readonly string[],
  parseOptions: ParseOptions = {},
): ParsedArguments {
  const tokens = [...argv];
  const byOptionString = new Map<string, OptionSpec>();
  for (const option of spec.options) {
    byOptionString.set(`--${option.name}`, option);
    for (const alias of option.aliases ?? []) byOptionString.set(`--${alias}`, option);
    if (option.char) byOptionString.set(`-${option.char}`, option);
  }
  const known = (optionString: string) => byOptionString.get(optionString);

  const parsed: ParsedArguments = {};
  for (const option of spec.options)
    parsed[destOf(option)] = option.action === 'store_true' ? false : undefined;
  const seen = new Set<OptionSpec>();
  const positionalTokens: string[] = [];
  /** Unknown options and surplus positionals, by position on the command line (argparse's order). */
  const extras = new Map<number, string>();
  const positionalIndexes: number[] = [];

  const convert = (option: OptionSpec, text: string): unknown => {
    const type = option.type ?? STRING;
    let value: unknown;
    try {
      value = type.convert(text);
    } catch {
      throw new UsageError(`argument ${displayName(option)}: invalid ${type.name} value: ${pyStrRepr(text)}`);
    }
    if (option.choices && !option.choices.includes(String(value))) {
      const choices = option.choices.map(pyStrRepr).join(', ');
      throw new UsageError(
        `argument ${displayName(option)}: invalid choice: ${pyStrRepr(String(value))} (choose from ${choices})`,
      );
    }
    return value;
  };

  const store = (option: OptionSpec, value: unknown) => {
    seen.add(option);
    const dest = destOf(option);
    if (option.action === 'append')
      parsed[dest] = [...((parsed[dest] as unknown[] | undefined) ?? []), value];
    else parsed[dest] = value;
  };

  let index = 0;
  /** The value tokens that follow the current position, up to the next option or "--". */
  const followingValues = (): string[] => {
    const values: string[] = [];
    for (let next = index; next < tokens.length && !looksLikeOption(tokens[next], known); next++)
      values.push(tokens[next]);
    return values;
  };

  while (index < tokens.length) {
    const token = tokens[index++];
    if (token === '--') {
      for (; index < tokens.length; index++) {
        positionalIndexes.push(index);
        positionalTokens.push(tokens[index]);
      }
      break;
    }
    if (!looksLikeOption(token, known)) {
      positionalIndexes.push(index - 1);
      positionalTokens.push(token);
      continue;
    }

    // --name=value, -fvalue, -f=value, or a cluster of short flags (-dv).
    let optionString = token;
    let explicitValue: string | undefined;
    if (token.includes('=') && known(token.slice(0, token.indexOf('=')))) {
      optionString = token.slice(0, token.indexOf('='));
      explicitValue = token.slice(token.indexOf('=') + 1);
    } else if (!token.startsWith('--') && token.length > 2 && known(token.slice(0, 2))) {
      optionString = token.slice(0, 2);
      explicitValue = token.slice(2);
    }
    const option = known(optionString);
    if (!option) {
      extras.set(index - 1, token);
      continue;
    }

    if (option.action === 'store_true') {
      if (explicitValue !== undefined && !token.startsWith('--')) {
        // -dv: the rest of a short cluster are more flags, as argparse reads them.
        store(option, true);
        tokens.splice(index, 0, `-${explicitValue}`);
        continue;
      }
      if (explicitValue !== undefined) {
        throw new UsageError(
          `argument ${displayName(option)}: ignored explicit argument ${pyStrRepr(explicitValue)}`,
        );
      }
      store(option, true);
      continue;
    }

    if (explicitValue !== undefined) {
      const value = convert(option, explicitValue);
      store(option, option.nargs === '+' ? [value] : value);
      continue;
    }
    const values = followingValues();
    if (option.nargs === '?') {
      if (values.length === 0) {
        store(option, option.constValue);
      } else {
        index++;
        store(option, convert(option, values[0]));
      }
    } else if (option.nargs === '+') {
      if (values.length === 0)
        throw new UsageError(`argument ${displayName(option)}: expected at least one argument`);
      index += values.length;
      store(
        option,
        values.map((text) => convert(option, text)),
      );
    } else {
      if (values.length === 0) throw new UsageError(`argument ${displayName(option)}: expected one argument`);
      index++;
      store(option, convert(option, values[0]));
    }
  }

  // Positionals in order; a '+' positional takes what the ones after it leave.
  const missing: string[] = [];
  let next = 0;
  spec.positionals.forEach((positional, position) => {
    const after = spec.positionals.length - position - 1;
    if (positional.nargs === '+') {
      const count = Math.max(0, positionalTokens.length - next - after);
      if (count === 0) missing.push(positional.metavar);
      parsed[positional.dest] = positionalTokens.slice(next, next + count);
      next += count;
    } else if (next < positionalTokens.length) {
      const value = positionalTokens[next++];
      if (positional.choices && !positional.choices.includes(value)) {
        const choices = positional.choices.map(pyStrRepr).join(', ');
        throw new UsageError(
          `argument ${positional.metavar}: invalid choice: ${pyStrRepr(value)} (choose from ${choices})`,
        );
      }
      parsed[positional.dest] = value;
    } else {
      missing.push(positional.metavar);
    }
  });
  for (const option of spec.options) {
    if (option.required && !seen.has(option)) missing.push(displayName(option));
  }
  if (missing.length > 0) throw new UsageError(`the following arguments are required: ${missing.join(', ')}`);

  for (let surplus = next; surplus < positionalTokens.length; surplus++)
    extras.set(positionalIndexes[surplus], positionalTokens[surplus]);
  if (extras.size > 0 && !parseOptions.tolerateUnrecognized) {
    const inOrder = [...extras].sort(([a], [b]) => a - b).map(([, token]) => token);
    throw new UsageError(`unrecognized arguments: ${inOrder.join(' ')}`, 'program');
  }
  return parsed;
}
