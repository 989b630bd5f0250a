import { compilePercentFormat, literalEval, PY_WHITESPACE_CLASS } from '@glance-ts/pycompat';
import {
  AllowCheck,
  AndCheck,
  BareStringCheck,
  type Check,
  DenyCheck,
  GenericCheck,
  NotCheck,
  OrCheck,
  RoleCheck,
  RuleCheck,
} from './checks';

/**
 * The oslo.policy rule language: `@`, `!`, `""`, `kind:match` checks, `and` / `or` / `not` in any
 * letter case, and parentheses, with precedence () > not > and > or.
 *
 * Tokenising copies oslo.policy's `_parse_tokenize` exactly, quirks included: the text is split on
 * (Unicode) whitespace only, so `(` and `)` are operators only at the ends of a whitespace-separated
 * word (`role:a(b)c` is one check, and `role:a(b)` is `role:a(b` followed by `)`); a word quoted at
 * both ends is a string token, not a check.
 * oslo.policy then runs a greedy shift-reduce parser; the recursive descent below accepts exactly
 * the same token sequences and builds trees that evaluate identically (the differential test
 * checks both claims against the real library).
 *
 * A rule oslo.policy cannot parse becomes a check that always denies. `parseRule` returns that
 * too, along with the reason, so that the enforcer can refuse such a rule at load time instead.
 */

export interface ParseResult {
  /** What oslo.policy would evaluate: a DenyCheck when `syntaxError` is set. */
  readonly check: Check;
  /** Why the rule does not parse (oslo.policy then denies everything), one line. */
  readonly syntaxError?: string;
  /**
   * Checks inside a rule that parses but that can only deny or fail at evaluation (a word without
   * `kind:`, an `http:` check, an invalid left side, a malformed `%(key)s`), one line each.
   */
  readonly problems: readonly string[];
}

/** Deeper parentheses are refused: nobody writes them, and it bounds the parser's recursion. */
export const MAX_NESTING = 100;

type TokenType = '(' | ')' | 'and' | 'or' | 'not' | 'string' | 'check';

interface Token {
  readonly type: TokenType;
  /** The source text of the token, for error messages. */
  readonly text: string;
  readonly check?: Check;
}

// Python's `re` \s on str patterns: exactly the characters for which str.isspace() is true.
const PYTHON_WHITESPACE = new RegExp(`[${PY_WHITESPACE_CLASS}]+`);

/** Kinds oslo.policy hands to its `http`/`https` extensions, which call a remote server. */
const REMOTE_CHECK_KINDS = new Set(['http', 'https']);

export function parseRule(rule: string): ParseResult {
  if (rule === '') return { check: new AllowCheck(), problems: [] };
  const problems: string[] = [];
  const tokens = tokenize(rule, problems);
  const denied = (syntaxError: string): ParseResult => ({ check: new DenyCheck(), syntaxError, problems });
  // oslo.policy's parser returns the value of a lone token as the result, checks or not: for a
  // quoted string or a bare `and`, `not`, `(`... that is a string, which raises when evaluated.
  if (tokens.length === 1 && tokens[0].type !== 'check') {
    return {
      check: new BareStringCheck(tokens[0].text),
      problems: [...problems, `the rule is just ${describe(tokens[0])}, which is not a check`],
    };
  }
  const structuralError = checkStructure(tokens);
  if (structuralError !== undefined) return denied(structuralError);
  try {
    return { check: new TokenParser(tokens).parseWhole(), problems };
  } catch (error) {
    if (error instanceof RuleSyntaxError) return denied(error.message);
    throw error;
  }
}

function tokenize(rule: string, problems: string[]): Token[] {
  const tokens: Token[] = [];
  for (const word of rule.split(PYTHON_WHITESPACE)) {
    if (word === '') continue;
    let start = 0;
    while (word[start] === '(') {
      tokens.push({ type: '(', text: '(' });
      start += 1;
    }
    if (start === word.length) continue;
    let end = word.length;
    while (end > start && word[end - 1] === ')') end -= 1;
    const unparenthesised = word.slice(start);
    const clean = word.slice(start, end);
    const lowered = clean.toLowerCase();
    if (lowered === 'and' || lowered === 'or' || lowered === 'not') {
      tokens.push({ type: lowered, text: clean });
    } else if (clean !== '') {
      // oslo.policy tests the quotes before stripping trailing parentheses.
      const first = unparenthesised[0];
      if (
        unparenthesised.length >= 2 &&
        (first === '"' || first === "'") &&
        unparenthesised.at(-1) === first
      ) {
        tokens.push({ type: 'string', text: unparenthesised.slice(1, -1) });
      } else {
        tokens.push({ type: 'check', text: clean, check: parseCheck(clean, problems) });
      }
    }
    for (let i = end; i < word.length; i += 1) tokens.push({ type: ')', text: ')' });
  }
  return tokens;
}

/** oslo.policy's `_parse_check`: one whitespace-free word. */
function parseCheck(text: string, problems: string[]): Check {
  if (text === '!') return new DenyCheck();
  if (text === '@') return new AllowCheck();
  const colon = text.indexOf(':');
  if (colon < 0) {
    problems.push(
      `${JSON.stringify(text)} is not a check (expected kind:match, "@" or "!"); it always denies`,
    );
    return new DenyCheck();
  }
  const kind = text.slice(0, colon);
  const match = text.slice(colon + 1);
  if (REMOTE_CHECK_KINDS.has(kind)) {
    problems.push(
      `${JSON.stringify(text)}: ${kind}: checks (remote policy servers) are not supported; they always deny`,
    );
    return new DenyCheck();
  }
  if (kind === 'rule') return new RuleCheck(match);
  const compiled = compilePercentFormat(match);
  if (compiled.problem !== undefined)
    problems.push(`${JSON.stringify(text)}: bad %-format in ${JSON.stringify(match)}: ${compiled.problem}`);
  if (kind === 'role') return new RoleCheck(match, compiled);
  const left = literalEval(kind);
  if (left.kind === 'invalid') problems.push(`${JSON.stringify(text)}: ${left.reason}`);
  return new GenericCheck(kind, match, left, compiled);
}

/** Errors visible before parsing, reported first because they explain the most. */
function checkStructure(tokens: readonly Token[]): string | undefined {
  if (tokens.length === 0)
    return 'the rule is only whitespace (oslo.policy denies it; write "" to allow everyone, "!" to deny)';
  let depth = 0;
  for (const token of tokens) {
    if (token.type === '(') depth += 1;
    if (token.type === ')') depth -= 1;
    if (depth < 0) return unbalanced(tokens);
    if (depth > MAX_NESTING) return `parentheses nest deeper than ${MAX_NESTING} levels`;
  }
  return depth === 0 ? undefined : unbalanced(tokens);
}

/** Often a parenthesis glued inside a word, which then belongs to the check. */
function unbalanced(tokens: readonly Token[]): string {
  const glued = tokens.find((token) => token.type === 'check' && /[()]/.test(token.text));
  return glued === undefined
    ? 'unbalanced parentheses'
    : `unbalanced parentheses (${describe(glued)} is a single check: separate parentheses from words with spaces)`;
}

class RuleSyntaxError extends Error {}

class TokenParser {
  private position = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseWhole(): Check {
    const check = this.parseOr();
    const extra = this.tokens[this.position];
    if (extra !== undefined) {
      throw new RuleSyntaxError(
        extra.type === 'check' || extra.type === 'string' || extra.type === '('
          ? `missing "and" or "or" before ${describe(extra)}`
          : `unexpected ${describe(extra)}`,
      );
    }
    return check;
  }

  private parseOr(): Check {
    const operands = [this.parseAnd(false)];
    while (this.peek() === 'or') {
      this.position += 1;
      operands.push(this.parseAnd(true));
    }
    return operands.length === 1 ? operands[0] : new OrCheck(operands);
  }

  /**
   * @param afterOr whether this is not the first operand of an `or`: there oslo.policy's reducer
   *   for `or_expr and check` appends to a parenthesised `and` group instead of nesting it, so
   *   `x or (a and b) and c` is `(x or (a and b and c))`. Same result, but `toString` must agree.
   */
  private parseAnd(afterOr: boolean): Check {
    const operands = [this.parseNot()];
    while (this.peek() === 'and') {
      this.position += 1;
      operands.push(this.parseNot());
    }
    if (operands.length === 1) return operands[0];
    const [first, ...rest] = operands;
    return afterOr && first instanceof AndCheck
      ? new AndCheck([...first.operands, ...rest])
      : new AndCheck(operands);
  }

  private parseNot(): Check {
    if (this.peek() !== 'not') return this.parseOperand();
    this.position += 1;
    return new NotCheck(this.parseNot());
  }

  private parseOperand(): Check {
    const token = this.tokens[this.position];
    const previous = this.tokens[this.position - 1];
    if (token === undefined) {
      throw new RuleSyntaxError(
        previous ? `expected a check after ${describe(previous)}` : 'expected a check',
      );
    }
    this.position += 1;
    switch (token.type) {
      case 'check':
        return token.check as Check;
      case '(': {
        const inner = this.parseOr();
        const closing = this.tokens[this.position];
        if (closing?.type !== ')') {
          throw new RuleSyntaxError(
            closing ? `missing "and" or "or" before ${describe(closing)}` : 'unbalanced parentheses',
          );
        }
        this.position += 1;
        return inner;
      }
      case 'string':
        throw new RuleSyntaxError(`a quoted string (${describe(token)}) cannot be combined with checks`);
      default:
        throw new RuleSyntaxError(
          previous
            ? `expected a check after ${describe(previous)}, found ${describe(token)}`
            : `the rule starts with ${describe(token)}`,
        );
    }
  }

  private peek(): TokenType | undefined {
    return this.tokens[this.position]?.type;
  }
}

function describe(token: Token): string {
  switch (token.type) {
    case 'string':
      return JSON.stringify(`'${token.text}'`);
    case 'check':
      return JSON.stringify(token.text);
    default:
      return `"${token.text}"`;
  }
}
