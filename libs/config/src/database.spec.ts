import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { loadConfig, parseConfig } from './config';
import type { GlanceConfig } from './config-types';
import { ConfigError } from './errors';
import { EMBEDDED_CONFIG_PATH } from './paths';
import { DATABASE_SECTION, describeOption } from './schema';

let dir: string;
let configPath: string;
/** The config path as messages show it (relative to the cwd). */
let shown: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'glance-ts-config-db-'));
  configPath = join(dir, 'glance-api.conf');
  shown = relative(process.cwd(), configPath);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** noauth keeps these tests free of a token file; [database] is on line 3. */
const withConnection = (value: string, extra = '') =>
  `[auth]\nstrategy = noauth\n[database]\nconnection = ${value}\n${extra}`;

const parse = (text: string): GlanceConfig => parseConfig(text, shown);

function errorOf(text: string): ConfigError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('[database] connection', () => {
  it('defaults to glance.sqlite in the config file directory', () => {
    const config = parse('[auth]\nstrategy = noauth\n');
    expect(config.database).toEqual({ dialect: 'sqlite', path: join(dir, 'glance.sqlite') });
    expect(config.warnings).toEqual([]);
  });

  it('treats an empty value as not set', () => {
    expect(parse(withConnection('')).database).toEqual({
      dialect: 'sqlite',
      path: join(dir, 'glance.sqlite'),
    });
  });

  it('resolves a relative SQLite path against the config file directory', () => {
    expect(parse(withConnection('sqlite:///state/glance.db')).database).toEqual({
      dialect: 'sqlite',
      path: join(dir, 'state', 'glance.db'),
    });
    expect(parse(withConnection('sqlite:///../data/glance.sqlite')).database).toEqual({
      dialect: 'sqlite',
      path: join(dirname(dir), 'data', 'glance.sqlite'),
    });
  });

  it('keeps an absolute SQLite path (four slashes) as written', () => {
    expect(parse(withConnection('sqlite:////var/lib/glance/glance.sqlite')).database).toEqual({
      dialect: 'sqlite',
      path: '/var/lib/glance/glance.sqlite',
    });
    expect(parse(withConnection('sqlite+pysqlite:////srv/g.db')).database).toEqual({
      dialect: 'sqlite',
      path: '/srv/g.db',
    });
  });

  it('takes a PostgreSQL URL as is, dropping the SQLAlchemy driver suffix', () => {
    const url = 'postgresql://glance:s3cret@db.example.org:5432/glance';
    expect(parse(withConnection(url)).database).toEqual({ dialect: 'postgresql', url });
    expect(
      parse(withConnection('postgresql+psycopg2://glance:s3cret@db.example.org/glance')).database,
    ).toEqual({
      dialect: 'postgresql',
      url: 'postgresql://glance:s3cret@db.example.org/glance',
    });
    expect(parse(withConnection(`${url}?sslmode=require`)).database).toEqual({
      dialect: 'postgresql',
      url: `${url}?sslmode=require`,
    });
    // A Unix socket directory instead of a host (libpq's host parameter).
    expect(parse(withConnection('postgresql:///glance?host=/run/postgresql')).database).toEqual({
      dialect: 'postgresql',
      url: 'postgresql:///glance?host=/run/postgresql',
    });
  });

  it('warns about oslo.db options glance-ts does not read, and not about the section', () => {
    expect(parse(withConnection('sqlite:///g.db', 'max_overflow = 50\n')).warnings).toEqual([
      '[database] max_overflow: unknown option, ignored (line 5)',
    ]);
  });

  it.each<[string, string, string]>([
    [
      'MySQL',
      'mysql+pymysql://glance:s3cret@db/glance?charset=utf8',
      'database "mysql" is not supported by glance-ts (supported: sqlite, postgresql)',
    ],
    [
      'an unknown scheme',
      'oracle2://db/glance',
      'unknown database "oracle2" (supported: sqlite, postgresql)',
    ],
    [
      'something that is not a URL',
      'glance.sqlite',
      'expected sqlite:///PATH or postgresql://USER:PASSWORD@HOST[:PORT]/DATABASE, got "glance.sqlite"',
    ],
    [
      'an in-memory SQLite database',
      'sqlite://',
      'an in-memory SQLite database is not supported (API workers could not share it): name a file, sqlite:///PATH',
    ],
    [
      'SQLite without a path',
      'sqlite:///',
      'an in-memory SQLite database is not supported (API workers could not share it): name a file, sqlite:///PATH',
    ],
    [
      'SQLite :memory:',
      'sqlite:///:memory:',
      'an in-memory SQLite database is not supported (API workers could not share it): name a file, sqlite:///PATH',
    ],
    [
      'SQLite with a host',
      'sqlite://host/glance.db',
      'a sqlite URL has no host: sqlite:///relative/path or sqlite:////absolute/path, got "sqlite://host/glance.db"',
    ],
    [
      'SQLite with query parameters',
      'sqlite:///glance.db?mode=ro',
      'query parameters are not supported in sqlite URLs, got "sqlite:///glance.db?mode=ro"',
    ],
    [
      'PostgreSQL with a bad port',
      'postgresql://glance:s3cret@db:port/glance',
      'not a valid URL: "postgresql://glance:***@db:port/glance" (expected sqlite:///PATH or postgresql://USER:PASSWORD@HOST[:PORT]/DATABASE)',
    ],
    [
      'PostgreSQL without a database',
      'postgresql://glance:s3cret@db:5432',
      'no database name in "postgresql://glance:***@db:5432" (expected sqlite:///PATH or postgresql://USER:PASSWORD@HOST[:PORT]/DATABASE)',
    ],
    [
      'PostgreSQL without a host',
      'postgresql:///glance',
      'no host in "postgresql:///glance" (expected sqlite:///PATH or postgresql://USER:PASSWORD@HOST[:PORT]/DATABASE)',
    ],
  ])('refuses %s in one line naming [database] connection, without the password', (_case, value, detail) => {
    const error = errorOf(withConnection(value));
    expect(error.message).toBe(`${shown}:4: [database] connection: ${detail}`);
    expect(error).toMatchObject({ section: 'database', key: 'connection', line: 4 });
    expect(error.message).not.toContain('s3cret');
  });

  it('is described as a secret option with a file beside the config as default', () => {
    expect(describeOption(DATABASE_SECTION.connection)).toMatchObject({
      name: 'connection',
      default: 'sqlite:///glance.sqlite',
      secret: true,
      required: false,
      used: true,
    });
  });

  it("puts the embedded configuration's database in the repository's data/ directory", () => {
    expect(loadConfig(EMBEDDED_CONFIG_PATH).database).toEqual({
      dialect: 'sqlite',
      path: join(dirname(dirname(EMBEDDED_CONFIG_PATH)), 'data', 'glance.sqlite'),
    });
  });
});

describe('[database] max_pool_size', () => {
  it("defaults to oslo.db's 5 and reads a value", () => {
    expect(parse('[auth]\nstrategy = noauth\n').databaseMaxPoolSize).toBe(5);
    expect(parse(withConnection('sqlite:///g.db', 'max_pool_size = 2\n')).databaseMaxPoolSize).toBe(2);
  });

  it.each([
    ['0', 'must be between 1 and 1000, got 0'],
    ['many', 'expected an integer, got "many"'],
  ])('refuses %s in one line naming [database] max_pool_size', (value, detail) => {
    const error = errorOf(withConnection('sqlite:///g.db', `max_pool_size = ${value}\n`));
    expect(error.message).toBe(`${shown}:5: [database] max_pool_size: ${detail}`);
    expect(error).toMatchObject({ section: 'database', key: 'max_pool_size', line: 5 });
  });
});
