import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './errors';
import { loadTokenFile, parseTokenFile } from './tokens';

const FILE = 'tokens.yaml';

function errorOf(text: string): ConfigError {
  try {
    parseTokenFile(text, FILE);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseTokenFile', () => {
  it('reads identities, lower-casing roles and keeping ids as strings', () => {
    const tokens = parseTokenFile(
      [
        'tokens:',
        '  admin-token:',
        '    user_id: 11111111111111111111111111111111',
        '    project_id: 0042',
        '    roles: [Admin, MEMBER]',
        '    user_name: admin',
        '    project_name: admin',
        '  bare:',
        '    user_id: u2',
        '    roles: []',
      ].join('\n'),
      FILE,
    );
    expect(tokens.get('admin-token')).toEqual({
      userId: '11111111111111111111111111111111',
      projectId: '0042',
      roles: ['admin', 'member'],
      userName: 'admin',
      projectName: 'admin',
    });
    expect(tokens.get('bare')).toEqual({ userId: 'u2', projectId: null, roles: [] });
  });

  it('reads the same format as JSON', () => {
    const tokens = parseTokenFile(
      '{"tokens": {"t1": {"user_id": "u", "project_id": "p", "roles": ["reader"]}}}',
      'tokens.json',
    );
    expect(tokens.get('t1')).toEqual({ userId: 'u', projectId: 'p', roles: ['reader'] });
  });

  it.each([
    ['not a mapping', '- just\n- a list\n', 'tokens.yaml:1: expected a mapping with a "tokens" key'],
    ['an empty file', '', 'tokens.yaml: expected a mapping with a "tokens" key'],
    [
      'another top-level key',
      'tokens: {}\nusers: {}\n',
      'tokens.yaml:2: unknown top-level key "users" (expected "tokens")',
    ],
    [
      'tokens that are not a mapping',
      'tokens: [a, b]\n',
      'tokens.yaml:1: "tokens" must be a mapping of token → { user_id, project_id, roles }',
    ],
    ['no tokens', 'tokens: {}\n', 'tokens.yaml:1: "tokens" defines no tokens'],
    [
      'an entry that is not a mapping',
      'tokens:\n  secret-1: admin\n',
      'tokens.yaml:2: token entry #1: expected a mapping with user_id, project_id and roles',
    ],
    [
      'a missing user_id',
      'tokens:\n  secret-1:\n    roles: [a]\n',
      'tokens.yaml:2: token entry #1: user_id must be a non-empty string',
    ],
    [
      'an empty project_id',
      'tokens:\n  secret-1:\n    user_id: u\n    project_id: ""\n    roles: [a]\n',
      'tokens.yaml:2: token entry #1: project_id must be a non-empty string',
    ],
    [
      'missing roles',
      'tokens:\n  a:\n    user_id: u\n    roles: [x]\n  secret-2:\n    user_id: u\n',
      'tokens.yaml:5: token entry #2: roles must be a list of role names, e.g. [member, reader]',
    ],
    [
      'roles as a string',
      'tokens:\n  secret-1:\n    user_id: u\n    roles: admin\n',
      'tokens.yaml:2: token entry #1: roles must be a list of role names, e.g. [member, reader]',
    ],
    [
      'a nested role',
      'tokens:\n  secret-1:\n    user_id: u\n    roles: [[admin]]\n',
      'tokens.yaml:2: token entry #1: roles must be a list of non-empty role names',
    ],
    [
      'a misspelt key',
      'tokens:\n  secret-1:\n    user_id: u\n    role: [admin]\n',
      'tokens.yaml:2: token entry #1: unknown key "role" (known: user_id, project_id, roles, user_name, project_name)',
    ],
    [
      'a duplicate token',
      'tokens:\n  secret-1: {user_id: u, roles: []}\n  secret-1: {user_id: v, roles: []}\n',
      'tokens.yaml:3: invalid YAML/JSON: a token is defined more than once',
    ],
  ])('refuses %s with one line naming the file and the entry', (_case, text, message) => {
    const error = errorOf(text);
    expect(error.message).toBe(message);
    expect(error.file).toBe(FILE);
  });

  it('never quotes a token in its messages (tokens are credentials)', () => {
    expect(errorOf('tokens:\n  s3cr3t-value:\n    user_id: u\n').message).not.toContain('s3cr3t-value');
    expect(
      errorOf('tokens:\n  s3cr3t-value: {user_id: u, roles: []}\n  s3cr3t-value: {user_id: u, roles: []}\n')
        .message,
    ).not.toContain('s3cr3t');
  });

  it('reports YAML syntax errors on one line with their line number', () => {
    const error = errorOf('tokens:\n  a: [unclosed\n');
    expect(error.message).toMatch(/^tokens\.yaml:\d+: invalid YAML\/JSON: /);
    expect(error.message).not.toContain('\n');
  });
});

describe('loadTokenFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'glance-ts-tokens-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file', () => {
    writeFileSync(join(dir, 'tokens.yaml'), 'tokens:\n  t: {user_id: u, roles: [reader]}\n');
    expect(loadTokenFile(join(dir, 'tokens.yaml')).get('t')).toEqual({
      userId: 'u',
      projectId: null,
      roles: ['reader'],
    });
  });

  it('refuses a missing file naming it', () => {
    const path = join(dir, 'missing.yaml');
    expect(() => loadTokenFile(path)).toThrow(
      new ConfigError({ file: path }, 'cannot read the token file: file not found'),
    );
    expect(() => loadTokenFile(path)).toThrow(`${path}: cannot read the token file: file not found`);
  });
});
