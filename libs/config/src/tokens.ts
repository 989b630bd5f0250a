import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, type Node as YamlNode, parseDocument, type Pair } from 'yaml';
import { ConfigError, describeFsError, quote } from './errors';

/** Who a token stands for. Roles are lower-cased (role checks are case-insensitive, as in Glance). */
export interface TokenIdentity {
  userId: string;
  /** null for a token without a project (project-scoped policy rules then never match). */
  projectId: string | null;
  roles: string[];
  userName?: string;
  projectName?: string;
}

const ENTRY_KEYS = ['user_id', 'project_id', 'roles', 'user_name', 'project_name'] as const;

/**
 * Reads a token file (YAML or JSON):
 * ```yaml
 * tokens:
 *   <token>:
 *     user_id: <id>            # required
 *     project_id: <id>         # optional
 *     roles: [admin, member]   # required, may be empty
 *     user_name: <name>        # optional
 *     project_name: <name>     # optional
 * ```
 * Every scalar is read as a string (YAML's failsafe schema), so ids such as `11111111111111111111111111111111`
 * or `0042` keep their digits instead of becoming numbers. Errors are one line naming the file and
 * the entry by position and line; the token itself is never quoted because it is a credential.
 */
export function loadTokenFile(path: string): Map<string, TokenIdentity> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError({ file: path }, `cannot read the token file: ${describeFsError(error)}`);
  }
  return parseTokenFile(text, path);
}

/** loadTokenFile on text already read; `path` is used in messages. */
export function parseTokenFile(text: string, path: string): Map<string, TokenIdentity> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { schema: 'failsafe', lineCounter, uniqueKeys: true });
  const lineOf = (node: YamlNode | null | undefined): number | null =>
    node?.range ? lineCounter.linePos(node.range[0]).line : null;
  function fail(line: number | null, detail: string): never {
    throw new ConfigError({ file: path, line }, detail);
  }

  const syntaxError = document.errors[0];
  if (syntaxError) {
    // Duplicate keys are the likely mistake here; their message would quote the (secret) token.
    // The rest of YAML's message is a code frame, and its position goes into our prefix instead.
    const detail =
      syntaxError.code === 'DUPLICATE_KEY'
        ? 'a token is defined more than once'
        : syntaxError.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    fail(syntaxError.linePos?.[0].line ?? null, `invalid YAML/JSON: ${detail}`);
  }

  const root = document.contents;
  if (!isMap(root)) fail(lineOf(root), 'expected a mapping with a "tokens" key');
  let tokensNode: unknown;
  for (const pair of root.items) {
    const key = scalarText(pair.key);
    if (key !== 'tokens')
      fail(lineOf(pair.key as YamlNode), `unknown top-level key ${quote(key ?? '?')} (expected "tokens")`);
    tokensNode = pair.value;
  }
  if (!isMap(tokensNode)) {
    fail(
      lineOf(tokensNode as YamlNode),
      '"tokens" must be a mapping of token → { user_id, project_id, roles }',
    );
  }

  const tokens = new Map<string, TokenIdentity>();
  tokensNode.items.forEach((pair, index) => {
    const where = `token entry #${index + 1}`;
    const line = lineOf(pair.key as YamlNode);
    const token = scalarText(pair.key);
    if (!token || token.trim() !== token)
      fail(line, `${where}: a token must be a non-empty string without surrounding spaces`);
    tokens.set(token, readEntry(pair, where, line, fail));
  });
  if (tokens.size === 0) fail(lineOf(tokensNode), '"tokens" defines no tokens');
  return tokens;
}

function readEntry(
  pair: Pair,
  where: string,
  line: number | null,
  fail: (line: number | null, detail: string) => never,
): TokenIdentity {
  if (!isMap(pair.value))
    return fail(line, `${where}: expected a mapping with user_id, project_id and roles`);
  const fields = new Map<string, unknown>();
  for (const field of pair.value.items) {
    const name = scalarText(field.key) ?? '?';
    if (!(ENTRY_KEYS as readonly string[]).includes(name)) {
      fail(line, `${where}: unknown key ${quote(name)} (known: ${ENTRY_KEYS.join(', ')})`);
    }
    fields.set(name, field.value);
  }
  const text = (name: string, required: boolean): string | undefined => {
    const node = fields.get(name);
    if (node === undefined && !required) return undefined;
    const value = scalarText(node);
    if (!value) return fail(line, `${where}: ${name} must be a non-empty string`);
    return value;
  };
  const rolesNode = fields.get('roles');
  if (!isSeq(rolesNode))
    return fail(line, `${where}: roles must be a list of role names, e.g. [member, reader]`);
  const roles = rolesNode.items.map((item) => {
    const role = scalarText(item);
    if (!role) return fail(line, `${where}: roles must be a list of non-empty role names`);
    return role.toLowerCase();
  });

  const identity: TokenIdentity = {
    userId: text('user_id', true) as string,
    projectId: text('project_id', false) ?? null,
    roles,
  };
  const userName = text('user_name', false);
  const projectName = text('project_name', false);
  if (userName !== undefined) identity.userName = userName;
  if (projectName !== undefined) identity.projectName = projectName;
  return identity;
}

/** A scalar's text (failsafe schema: always a string), or null for anything else. */
function scalarText(node: unknown): string | null {
  return isScalar(node) && typeof node.value === 'string' ? node.value : null;
}
