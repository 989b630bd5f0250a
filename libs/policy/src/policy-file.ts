import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';

/**
 * A policy file is a mapping of rule name → rule string, in YAML or JSON (oslo.policy reads both:
 * JSON first, then YAML). Every problem is reported as one line naming the file and, where there
 * is one, the rule.
 *
 * Stricter than oslo.policy where its leniency hides mistakes: a value that is not a string is
 * refused (oslo.policy treats an empty value, `[]` and YAML's bare `!` tag as "allow everyone",
 * and legacy list-of-lists rules are not supported here), and YAML duplicate keys are refused
 * (PyYAML keeps the last one). JSON duplicates keep the last one, as JSON parsers do.
 */
export class PolicyFileError extends Error {
  override readonly name = 'PolicyFileError';
}

export interface PolicyFileContents {
  /** The raw text, to tell a real change from a touch. */
  readonly text: string;
  readonly rules: ReadonlyMap<string, string>;
}

/** Reads and validates the file's shape; rule strings are parsed by the caller. */
export function readPolicyFile(path: string): PolicyFileContents {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'the file does not exist'
        : code === 'EISDIR'
          ? 'it is a directory'
          : `cannot read it (${code ?? String(error)})`;
    throw new PolicyFileError(`${path}: ${reason}`);
  }
  return { text, rules: parsePolicyText(path, text) };
}

export function parsePolicyText(path: string, text: string): ReadonlyMap<string, string> {
  const looksLikeJson = path.toLowerCase().endsWith('.json') || text.trimStart().startsWith('{');
  let jsonError: string | undefined;
  try {
    return rulesFromJson(path, JSON.parse(text));
  } catch (error) {
    if (error instanceof PolicyFileError) throw error;
    jsonError = jsonErrorMessage(text, error as Error);
  }
  const document = parseDocument(text);
  const yamlError = document.errors[0];
  if (yamlError !== undefined) {
    if (looksLikeJson) throw new PolicyFileError(`${path}: invalid JSON: ${jsonError}`);
    throw new PolicyFileError(`${path}: invalid YAML: ${firstLine(yamlError.message).replace(/:$/, '')}`);
  }
  const root = document.contents;
  if (root === null || (isScalar(root) && root.value === null)) return new Map();
  if (!isMap(root))
    throw new PolicyFileError(
      `${path}: expected a mapping of rule names to rule strings, found ${yamlKind(root)}`,
    );
  const rules = new Map<string, string>();
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    if (typeof key !== 'string') {
      throw new PolicyFileError(
        `${path}: rule names must be strings, found ${isScalar(pair.key) ? JSON.stringify(pair.key.value) : yamlKind(pair.key)}`,
      );
    }
    const value = pair.value;
    if (isScalar(value) && typeof value.value === 'string') {
      if (value.tag !== undefined && value.value === '' && value.range?.[0] === value.range?.[1]) {
        throw new PolicyFileError(
          `${path}: rule ${JSON.stringify(key)}: the value is a bare YAML tag ${JSON.stringify(value.tag)}, which reads as "" (allow everyone); quote the rule, e.g. "!" to deny`,
        );
      }
      rules.set(key, value.value);
      continue;
    }
    throw new PolicyFileError(
      `${path}: rule ${JSON.stringify(key)}: ${notAStringReason(isScalar(value) ? value.value : value === null ? null : isSeq(value) ? [] : {})}`,
    );
  }
  return rules;
}

function rulesFromJson(path: string, parsed: unknown): ReadonlyMap<string, string> {
  if (parsed === null) return new Map();
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new PolicyFileError(
      `${path}: expected a mapping of rule names to rule strings, found ${Array.isArray(parsed) ? 'a list' : `a ${typeof parsed}`}`,
    );
  }
  const rules = new Map<string, string>();
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value !== 'string')
      throw new PolicyFileError(`${path}: rule ${JSON.stringify(name)}: ${notAStringReason(value)}`);
    rules.set(name, value);
  }
  return rules;
}

function notAStringReason(value: unknown): string {
  if (value === null)
    return 'has no value (oslo.policy would allow everyone); write "" to allow everyone or "!" to deny';
  if (Array.isArray(value))
    return 'is a list; the legacy list-of-lists syntax is not supported, write the rule as a string';
  const kind = typeof value === 'object' ? 'a mapping' : `a ${typeof value} (${JSON.stringify(value)})`;
  return `the rule must be a string, found ${kind}; quote it`;
}

function yamlKind(node: unknown): string {
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a mapping';
  if (isScalar(node)) return `a ${typeof node.value} (${JSON.stringify(node.value)})`;
  return 'something else';
}

/** V8 reports a character offset; people want a line and column. */
function jsonErrorMessage(text: string, error: Error): string {
  const message = firstLine(error.message);
  const position = /at position (\d+)/.exec(message);
  if (!position || /line \d+ column \d+/.test(message)) return message;
  const offset = Number(position[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `${message.replace(/ in JSON at position \d+/, '')} at line ${line}, column ${column}`;
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}
