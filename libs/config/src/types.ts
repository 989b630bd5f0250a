import { isIP } from 'node:net';
import type { DatabaseConfig } from './config-types';
import { quote } from './errors';

/**
 * A value that does not fit its option's type. Thrown by the converters below; the option reader
 * turns it into a ConfigError that names file, section, key and line.
 */
export class OptionValueError extends Error {
  override readonly name = 'OptionValueError';
}

/**
 * How a raw INI string becomes a typed value (oslo.config's `types.*`). `describe` is the short type
 * name shown in `describeStoreTypes()` and in messages.
 */
export interface OptionType<T> {
  readonly describe: string;
  parse(raw: string): T;
  /** The value as plain JSON for listings, when the parsed form is not (dict entries → object). */
  show?(value: T): unknown;
}

export interface StringTypeOptions {
  /** Allowed values (oslo `choices`), compared case-sensitively as oslo does. */
  choices?: readonly string[];
}

/** oslo `types.String`. An empty value stays the empty string; nullable options map it to null instead. */
export function stringType(options: StringTypeOptions = {}): OptionType<string> {
  return options.choices ? choiceType(options.choices) : { describe: 'string', parse: (raw) => raw };
}

/** oslo `types.String(choices=...)`, typed as the union of the choices. */
export function choiceType<C extends string>(choices: readonly C[]): OptionType<C> {
  return {
    describe: `string (${choices.join(' | ')})`,
    parse(raw) {
      const choice = choices.find((candidate) => candidate === raw);
      if (choice === undefined)
        throw new OptionValueError(`unknown value ${quote(raw)} (known: ${choices.join(', ')})`);
      return choice;
    },
  };
}

/**
 * A string option whose default is "not set": an empty value also means "not set" (null), so
 * `rbd_store_user =` behaves like leaving the line out rather than naming a user called "".
 */
export function nullableStringType(): OptionType<string | null> {
  return { describe: 'string', parse: (raw) => (raw === '' ? null : raw) };
}

export interface IntegerTypeOptions {
  min?: number;
  max?: number;
}

/** oslo `types.Integer`: an optional sign and decimal digits, with optional bounds. */
export function integerType(options: IntegerTypeOptions = {}): OptionType<number> {
  const { min, max } = options;
  const bounds =
    min !== undefined && max !== undefined
      ? ` ${min}..${max}`
      : min !== undefined
        ? ` >= ${min}`
        : max !== undefined
          ? ` <= ${max}`
          : '';
  return {
    describe: `integer${bounds}`,
    parse(raw) {
      if (!/^[+-]?\d+$/.test(raw)) throw new OptionValueError(`expected an integer, got ${quote(raw)}`);
      const value = Number(raw);
      if (!Number.isSafeInteger(value)) throw new OptionValueError(`integer out of range, got ${quote(raw)}`);
      if (min !== undefined && max !== undefined && (value < min || value > max)) {
        throw new OptionValueError(`must be between ${min} and ${max}, got ${value}`);
      }
      if (min !== undefined && value < min)
        throw new OptionValueError(`must be at least ${min}, got ${value}`);
      if (max !== undefined && value > max)
        throw new OptionValueError(`must be at most ${max}, got ${value}`);
      return value;
    },
  };
}

/** oslo `types.Port`: an integer 0..65535 (0 lets the OS pick, which tests use). */
export function portType(): OptionType<number> {
  const integer = integerType({ min: 0, max: 65535 });
  return { describe: 'port 0..65535', parse: (raw) => integer.parse(raw) };
}

const TRUE_VALUES = ['true', '1', 'on', 'yes'];
const FALSE_VALUES = ['false', '0', 'off', 'no'];

/** oslo `types.Boolean`: true/1/on/yes and false/0/off/no, case-insensitive; anything else is an error. */
export function booleanType(): OptionType<boolean> {
  return {
    describe: 'boolean',
    parse(raw) {
      const lowered = raw.toLowerCase();
      if (TRUE_VALUES.includes(lowered)) return true;
      if (FALSE_VALUES.includes(lowered)) return false;
      throw new OptionValueError(`expected a boolean (true/false, yes/no, on/off, 1/0), got ${quote(raw)}`);
    },
  };
}

export interface ListTypeOptions {
  /** The whole list may be written inside `[ ]` (oslo `bounds=True`). */
  bounds?: boolean;
  /** Items may be quoted, `'a', "b"` (oslo `String(quotes=True)` items); commas inside quotes do not split. */
  quotes?: boolean;
}

/**
 * oslo `types.List`: comma-separated, items stripped, "" → []. Empty items (`a,,b`, a trailing comma)
 * are dropped: no option glance-ts reads gives an empty item a meaning.
 */
export function listType(options: ListTypeOptions = {}): OptionType<string[]> {
  return {
    describe: 'list',
    parse(raw) {
      let text = raw.trim();
      if (options.bounds && text.startsWith('[')) {
        if (!text.endsWith(']'))
          throw new OptionValueError(`list starts with "[" but does not end with "]": ${quote(raw)}`);
        text = text.slice(1, -1);
      }
      return splitOutsideQuotes(text, ',', options.quotes ?? false, raw)
        .map((item) => (options.quotes ? unquote(item.trim(), raw) : item.trim()))
        .filter((item) => item !== '');
    },
  };
}

/**
 * oslo `types.Dict`: `key:value` pairs separated by commas, split at the first colon, both sides
 * stripped, "" → {}. Entries keep file order (enabled_backends order is the stores' order), and a
 * repeated key is reported rather than silently overwritten.
 */
export function dictType(): OptionType<Array<[string, string]>> {
  return {
    describe: 'dict (key:value, ...)',
    show: (entries) => Object.fromEntries(entries),
    parse(raw) {
      const entries: Array<[string, string]> = [];
      const seen = new Set<string>();
      for (const pair of splitOutsideQuotes(raw.trim(), ',', false, raw)) {
        if (pair.trim() === '') continue;
        const colon = pair.indexOf(':');
        if (colon < 0)
          throw new OptionValueError(
            `expected key:value pairs separated by commas, got ${quote(pair.trim())}`,
          );
        const key = pair.slice(0, colon).trim();
        const value = pair.slice(colon + 1).trim();
        if (seen.has(key)) throw new OptionValueError(`${quote(key)} is listed more than once`);
        seen.add(key);
        entries.push([key, value]);
      }
      return entries;
    },
  };
}

/** oslo `types.HostAddress`: an IPv4/IPv6 address or a host name. */
export function hostAddressType(): OptionType<string> {
  const label = '[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
  const hostname = new RegExp(`^${label}(\\.${label})*\\.?$`);
  return {
    describe: 'IP address or host name',
    parse(raw) {
      if (isIP(raw) || hostname.test(raw)) return raw;
      throw new OptionValueError(`expected an IP address or a host name, got ${quote(raw)}`);
    },
  };
}

/** An absolute http(s) URL; an empty value means "not set". */
export function httpUrlType(): OptionType<string | null> {
  return {
    describe: 'http(s) URL',
    parse(raw) {
      if (raw === '') return null;
      let url: URL | null = null;
      try {
        url = new URL(raw);
      } catch {
        url = null;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        throw new OptionValueError(`expected an http:// or https:// URL, got ${quote(raw)}`);
      }
      return raw;
    },
  };
}

/** SQLAlchemy back ends glance-ts does not implement, for a clearer message than "unknown". */
const UNSUPPORTED_DATABASES = ['mysql', 'mariadb', 'oracle', 'mssql', 'sqlserver'];

const DATABASE_URL_FORMS = 'sqlite:///PATH or postgresql://USER:PASSWORD@HOST[:PORT]/DATABASE';

/**
 * oslo.db's `connection`: a SQLAlchemy URL, of which glance-ts takes
 * - `sqlite:///relative/path.db` and `sqlite:////absolute/path.db` (SQLAlchemy's spelling: the
 *   path is what follows the third slash). The path is returned as written: the caller resolves a
 *   relative one. No in-memory database: API workers could not share it.
 * - `postgresql://user:password@host:port/database`, also as `postgresql+DRIVER://` (Glance's
 *   configs name a Python driver, `+psycopg2`; the suffix is dropped). Query parameters
 *   (`?sslmode=require`) are kept for the client.
 * An empty value means not set (null). Messages never repeat the password.
 */
export function databaseConnectionType(): OptionType<DatabaseConfig | null> {
  return {
    describe: `database URL (${DATABASE_URL_FORMS})`,
    show: (value) => (value === null ? null : formatDatabaseConnection(value)),
    parse(raw) {
      if (raw === '') return null;
      const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(raw);
      if (!match)
        throw new OptionValueError(`expected ${DATABASE_URL_FORMS}, got ${quote(maskUrlPassword(raw))}`);
      const [, scheme, rest] = match;
      const backend = scheme.toLowerCase().split('+')[0];
      if (backend === 'sqlite') return { dialect: 'sqlite', path: sqlitePath(rest) };
      if (backend === 'postgresql') return { dialect: 'postgresql', url: postgresqlUrl(rest) };
      if (UNSUPPORTED_DATABASES.includes(backend))
        throw new OptionValueError(
          `database ${quote(backend)} is not supported by glance-ts (supported: sqlite, postgresql)`,
        );
      throw new OptionValueError(`unknown database ${quote(scheme)} (supported: sqlite, postgresql)`);
    },
  };
}

/** The path of `sqlite://REST`: REST is `/path` (relative) or `//path` (absolute). */
function sqlitePath(rest: string): string {
  // SQLAlchemy: `sqlite://` (and an empty path) is an in-memory database.
  if (rest === '' || rest === '/' || rest === '/:memory:')
    throw new OptionValueError(
      'an in-memory SQLite database is not supported (API workers could not share it): name a file, sqlite:///PATH',
    );
  if (!rest.startsWith('/'))
    throw new OptionValueError(
      `a sqlite URL has no host: sqlite:///relative/path or sqlite:////absolute/path, got ${quote(`sqlite://${rest}`)}`,
    );
  const path = rest.slice(1);
  if (path.includes('?'))
    throw new OptionValueError(
      `query parameters are not supported in sqlite URLs, got ${quote(`sqlite://${rest}`)}`,
    );
  return path;
}

/** `postgresql://REST`, checked for what the client needs: a host and a database name. */
function postgresqlUrl(rest: string): string {
  const url = `postgresql://${rest}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OptionValueError(
      `not a valid URL: ${quote(maskUrlPassword(url))} (expected ${DATABASE_URL_FORMS})`,
    );
  }
  // libpq's `?host=/run/postgresql` names a Unix socket directory instead of a host.
  if (parsed.hostname === '' && !parsed.searchParams.get('host'))
    throw new OptionValueError(`no host in ${quote(maskUrlPassword(url))} (expected ${DATABASE_URL_FORMS})`);
  const database = parsed.pathname.slice(1);
  if (database === '' || database.includes('/'))
    throw new OptionValueError(
      `no database name in ${quote(maskUrlPassword(url))} (expected ${DATABASE_URL_FORMS})`,
    );
  return url;
}

/** The connection as an oslo.db URL, password masked: for listings and messages. */
export function formatDatabaseConnection(connection: DatabaseConfig): string {
  return connection.dialect === 'sqlite' ? `sqlite:///${connection.path}` : maskUrlPassword(connection.url);
}

/** `scheme://user:***@host/...`: the password of a URL (parsable or not) masked. */
export function maskUrlPassword(url: string): string {
  return url.replace(/^([^:/?#]+:\/\/[^:/?#@]*:)[^/?#]*@/, '$1***@');
}

function splitOutsideQuotes(text: string, separator: string, honourQuotes: boolean, raw: string): string[] {
  if (text === '') return [];
  if (!honourQuotes) return text.split(separator);
  const parts: string[] = [];
  let part = '';
  let quoteChar: string | null = null;
  for (const char of text) {
    if (quoteChar) {
      if (char === quoteChar) quoteChar = null;
      part += char;
    } else if (char === '"' || char === "'") {
      quoteChar = char;
      part += char;
    } else if (char === separator) {
      parts.push(part);
      part = '';
    } else {
      part += char;
    }
  }
  if (quoteChar) throw new OptionValueError(`unbalanced ${quoteChar} quote in ${quote(raw)}`);
  parts.push(part);
  return parts;
}

function unquote(item: string, raw: string): string {
  const first = item[0];
  if (first !== '"' && first !== "'") return item;
  if (item.length < 2 || item[item.length - 1] !== first)
    throw new OptionValueError(`unbalanced ${first} quote in ${quote(raw)}`);
  return item.slice(1, -1);
}
