import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from './errors';
import { type IniSection, type IniValue, lastValue } from './ini';
import {
  booleanType,
  choiceType,
  dictType,
  integerType,
  type IntegerTypeOptions,
  listType,
  type ListTypeOptions,
  nullableStringType,
  OptionValueError,
  type OptionType,
  portType,
  stringType,
  type StringTypeOptions,
} from './types';

/** One option glance-ts accepts in a section: Glance's name, oslo type and default. */
export interface OptionSpec<T> {
  readonly name: string;
  readonly type: OptionType<T>;
  readonly default: T;
  readonly help: string;
  /** When set, leaving the option out (or empty) is a ConfigError with this detail. */
  readonly required?: string;
  /**
   * A file system path. A relative value resolves against the directory of the config file, not
   * the working directory (Glance uses the cwd, which changes with how the service is started).
   */
  readonly path?: boolean;
  /** Accepted because Glance accepts it (and type-checked), but glance-ts does not act on it. */
  readonly unused?: boolean;
  /** A credential: tools that list options must not show its value. */
  readonly secret?: boolean;
  /** A check after type conversion; returns the problem, or null when the value is fine. */
  check?(value: T): string | null;
}

/** A spec of any value type, for tables of options. */
export type AnyOptionSpec = OptionSpec<unknown>;

type Extras<T> = Pick<OptionSpec<T>, 'help'> &
  Partial<Pick<OptionSpec<T>, 'required' | 'path' | 'unused' | 'secret' | 'check'>>;

export function strOpt(
  name: string,
  defaultValue: string,
  extras: Extras<string> & StringTypeOptions,
): OptionSpec<string> {
  return {
    name,
    type: stringType({ choices: extras.choices }),
    default: defaultValue,
    ...withoutChoices(extras),
  };
}

/** A string option limited to `choices`, typed as their union. */
export function choiceOpt<C extends string>(
  name: string,
  choices: readonly C[],
  defaultValue: C,
  extras: Extras<C>,
): OptionSpec<C> {
  return { name, type: choiceType(choices), default: defaultValue, ...extras };
}

/** A string option that defaults to "not set" (null); an empty value also means not set. */
export function optionalStrOpt(name: string, extras: Extras<string | null>): OptionSpec<string | null> {
  return { name, type: nullableStringType(), default: null, ...extras };
}

export function intOpt(
  name: string,
  defaultValue: number,
  extras: Extras<number> & IntegerTypeOptions,
): OptionSpec<number> {
  const { min, max, ...rest } = extras;
  return { name, type: integerType({ min, max }), default: defaultValue, ...rest };
}

export function boolOpt(name: string, defaultValue: boolean, extras: Extras<boolean>): OptionSpec<boolean> {
  return { name, type: booleanType(), default: defaultValue, ...extras };
}

export function listOpt(
  name: string,
  defaultValue: string[],
  extras: Extras<string[]> & ListTypeOptions,
): OptionSpec<string[]> {
  const { bounds, quotes, ...rest } = extras;
  return { name, type: listType({ bounds, quotes }), default: defaultValue, ...rest };
}

/** An oslo DictOpt; entries keep their order in the file. */
export function dictOpt(
  name: string,
  extras: Extras<Array<[string, string]>>,
): OptionSpec<Array<[string, string]>> {
  return { name, type: dictType(), default: [], ...extras };
}

export function portOpt(name: string, defaultValue: number, extras: Extras<number>): OptionSpec<number> {
  return { name, type: portType(), default: defaultValue, ...extras };
}

/** Any option with a custom type (host address, URL, ...). */
export function typedOpt<T>(
  name: string,
  type: OptionType<T>,
  defaultValue: T,
  extras: Extras<T>,
): OptionSpec<T> {
  return { name, type, default: defaultValue, ...extras };
}

function withoutChoices<T>(extras: Extras<T> & StringTypeOptions): Extras<T> {
  const { choices: _choices, ...rest } = extras;
  return rest;
}

/** What every reader of one config file shares. */
export interface ReadContext {
  /** The config file as the caller named it, for messages. */
  file: string;
  /** Directory relative paths resolve against (the config file's). */
  baseDir: string;
  /** One-line warnings for the service to log. */
  warnings: string[];
}

/** Where an option's value came from: its own section, or a section it falls back to. */
interface FoundValue {
  section: string;
  value: IniValue;
}

/**
 * Reads typed options from one section. Every read goes through here so that errors always name the
 * file, the section the value was found in, the key and its line.
 */
export class SectionReader {
  constructor(
    private readonly context: ReadContext,
    readonly name: string,
    private readonly section: IniSection | undefined,
    /** A section consulted for options this one does not set (glance_store's [backend_defaults]). */
    private readonly fallback?: { section: IniSection; accepts: ReadonlySet<string> },
  ) {}

  /** True when the option is written in this section (or its fallback), even with an empty value. */
  isSet(option: AnyOptionSpec): boolean {
    return this.find(option.name) !== null;
  }

  /** The option's typed value: the last assignment in the file, else the default. */
  get<T>(option: OptionSpec<T>): T {
    const found = this.find(option.name);
    if (option.required && (!found || found.value.value === '')) this.fail(option, option.required);
    if (!found) return this.resolvePath(option, option.default);
    let value: T;
    try {
      value = option.type.parse(found.value.value);
    } catch (error) {
      if (error instanceof OptionValueError) this.fail(option, error.message);
      throw error;
    }
    const problem = option.check?.(value) ?? null;
    if (problem) this.fail(option, problem);
    return this.resolvePath(option, value);
  }

  /** get() for an option that must have a value (its `required` detail, or "required", otherwise). */
  require<T>(option: OptionSpec<T | null>): T {
    const value = this.get(option);
    if (value === null) this.fail(option, option.required ?? 'required');
    return value;
  }

  /** Throws a ConfigError about `option` (or a key name), pointing at its value's line when it is set. */
  fail(option: AnyOptionSpec | string, detail: string): never {
    const key = typeof option === 'string' ? option : option.name;
    const found = this.find(key);
    throw new ConfigError(
      { file: this.context.file, section: found?.section ?? this.name, key, line: found?.value.line ?? null },
      detail,
    );
  }

  /** Line of the section's header, or null when the file has no such section. */
  sectionLine(): number | null {
    return this.section?.line ?? null;
  }

  /** Line of the option's value, when set. */
  lineOf(option: AnyOptionSpec | string): number | null {
    return this.find(typeof option === 'string' ? option : option.name)?.value.line ?? null;
  }

  /**
   * Warns once per key this section sets that is not one of `known` (oslo ignores unknown keys, so
   * glance-ts does not refuse them, but a typo should not go unnoticed), and per key set twice.
   */
  warnAboutKeys(known: Iterable<string>): void {
    warnAboutKeys(this.context, this.name, this.section, new Set(known));
  }

  private find(key: string): FoundValue | null {
    const own = lastValue(this.section, key);
    if (own) return { section: this.name, value: own };
    if (this.fallback?.accepts.has(key)) {
      const inherited = lastValue(this.fallback.section, key);
      if (inherited) return { section: this.fallback.section.name, value: inherited };
    }
    return null;
  }

  private resolvePath<T>(option: OptionSpec<T>, value: T): T {
    if (!option.path || typeof value !== 'string' || value === '' || isAbsolute(value)) return value;
    return resolve(this.context.baseDir, value) as T;
  }
}

/** See SectionReader.warnAboutKeys; also used for sections that have no reader. */
export function warnAboutKeys(
  context: ReadContext,
  name: string,
  section: IniSection | undefined,
  known: ReadonlySet<string>,
): void {
  if (!section) return;
  for (const [key, values] of section.entries) {
    const last = values[values.length - 1];
    if (!known.has(key)) {
      context.warnings.push(`[${name}] ${key}: unknown option, ignored (line ${last.line})`);
    } else if (values.length > 1) {
      const lines = values.map((value) => value.line).join(', ');
      context.warnings.push(`[${name}] ${key}: set more than once (lines ${lines}); the last value is used`);
    }
  }
}
