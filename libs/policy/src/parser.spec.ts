import { BareStringCheck, type Check, DenyCheck, PolicyEvaluationError } from './checks';
import { parseRule } from './parser';

/** Evaluates `rule` with the other rules of `ruleSet` available to `rule:` references. */
function evaluate(
  rule: string,
  creds: Record<string, unknown>,
  target: Record<string, unknown> = {},
  ruleSet: Record<string, string> = {},
): boolean {
  const rules = new Map<string, Check>(
    Object.entries(ruleSet).map(([name, text]) => [name, parseRule(text).check]),
  );
  return parseRule(rule).check.evaluate(target, creds, rules, 0);
}

const roles = (...names: string[]) => ({ roles: names });

describe('parseRule', () => {
  describe('special rules', () => {
    it('allows everyone for "" and "@", denies everyone for "!"', () => {
      expect(evaluate('', {})).toBe(true);
      expect(evaluate('@', {})).toBe(true);
      expect(evaluate('!', roles('admin'))).toBe(false);
    });

    it('denies a rule of only whitespace, unlike the empty rule', () => {
      const parsed = parseRule('  \t ');
      expect(parsed.syntaxError).toMatch(/only whitespace/);
      expect(parsed.check.evaluate({}, {}, new Map(), 0)).toBe(false);
    });
  });

  describe('operators', () => {
    it('binds not tighter than and, and tighter than or', () => {
      expect(parseRule('role:a or role:b and role:c').check.toString()).toBe(
        '(role:a or (role:b and role:c))',
      );
      expect(parseRule('not role:a and role:b').check.toString()).toBe('(not role:a and role:b)');
      expect(evaluate('role:a or role:b and role:c', roles('b'))).toBe(false);
      expect(evaluate('role:a or role:b and role:c', roles('a'))).toBe(true);
      expect(evaluate('not role:a and role:b', roles('b'))).toBe(true);
      expect(evaluate('not role:a and role:b', roles('a', 'b'))).toBe(false);
    });

    it('lets parentheses override precedence', () => {
      expect(evaluate('(role:a or role:b) and role:c', roles('a'))).toBe(false);
      expect(evaluate('(role:a or role:b) and role:c', roles('a', 'c'))).toBe(true);
      expect(evaluate('not (role:a or role:b)', roles('b'))).toBe(false);
    });

    it('accepts operators in any letter case', () => {
      expect(parseRule('role:a AnD NOT role:b oR role:c').check.toString()).toBe(
        '((role:a and not role:b) or role:c)',
      );
      expect(evaluate('role:a AND NOT role:b', roles('a'))).toBe(true);
    });

    it('appends to a parenthesised and-group after an or, as oslo.policy prints it', () => {
      expect(parseRule('role:x or (role:a and role:b) and role:c').check.toString()).toBe(
        '(role:x or (role:a and role:b and role:c))',
      );
      expect(parseRule('(role:a and role:b) and role:c').check.toString()).toBe(
        '((role:a and role:b) and role:c)',
      );
    });
  });

  describe("oslo.policy's tokenizer", () => {
    it('treats parentheses as operators only at the ends of a whitespace-separated word', () => {
      expect(parseRule('role:a(b)c').check.toString()).toBe('role:a(b)c');
      // A trailing parenthesis is split off even when it closes one inside the word.
      expect(parseRule('role:a(b)').syntaxError).toMatch(
        /^unbalanced parentheses \("role:a\(b" is a single check/,
      );
      expect(parseRule('((role:a))').check.toString()).toBe('role:a');
      expect(parseRule('(role:a or role:b)and role:c').syntaxError).toBe(
        'unbalanced parentheses ("role:b)and" is a single check: separate parentheses from words with spaces)',
      );
    });

    it('splits on the whitespace Python recognises, not on what JavaScript adds', () => {
      expect(parseRule('role:a\u00a0or\x1frole:b').check.toString()).toBe('(role:a or role:b)');
      expect(parseRule('role:a\ufeffor').check.toString()).toBe('role:a\ufeffor');
    });

    it('makes a lone quoted string or operator a rule that fails when evaluated', () => {
      for (const text of ["'role:a'", 'not', '(']) {
        const parsed = parseRule(text);
        expect(parsed.check).toBeInstanceOf(BareStringCheck);
        expect(parsed.problems[0]).toMatch(/not a check/);
        expect(() => parsed.check.evaluate({}, {}, new Map(), 0)).toThrow(PolicyEvaluationError);
      }
    });
  });

  describe('rules oslo.policy cannot parse deny, with the reason', () => {
    it.each([
      ['role:a and', 'expected a check after "and"'],
      ['( role:a', 'unbalanced parentheses'],
      ['role:a )', 'unbalanced parentheses'],
      ['role:admin or (role:x', 'unbalanced parentheses'],
      ['or or', 'the rule starts with "or"'],
      ['role:a role:b', 'missing "and" or "or" before "role:b"'],
      ['role:a and or role:b', 'expected a check after "and", found "or"'],
      ["role:a or 'quoted'", `a quoted string ("'quoted'") cannot be combined with checks`],
      ['not', undefined],
    ])('%j: %s', (text, reason) => {
      const parsed = parseRule(text);
      expect(parsed.syntaxError).toBe(reason);
      if (reason !== undefined) {
        expect(parsed.check).toBeInstanceOf(DenyCheck);
        expect(parsed.check.evaluate({}, roles('a', 'b', 'admin', 'x'), new Map(), 0)).toBe(false);
      }
    });
  });

  describe('checks that parse but can only deny or fail are reported as problems', () => {
    it.each([
      ['admin', /"admin" is not a check/],
      ['http://policy.example/check:x', /http: checks .* not supported/],
      ['https:x', /https: checks/],
      ['1abc:x', /neither a Python literal/],
      ['not:x', /neither a Python literal/],
      ['a-b:x', /neither a Python literal/],
      ['role:%(project_id', /incomplete format key/],
      ['role:%q', /unsupported format character "q"/],
      ['user_id:%(size)d', /the %d conversion is not supported/],
      ['role:%s%s', /not enough arguments/],
    ])('%j', (text, problem) => {
      expect(parseRule(text).problems).toEqual([expect.stringMatching(problem)]);
    });

    it('reports nothing for valid rules', () => {
      expect(
        parseRule("role:admin or (True:%(is_public)s and 'x':%(y)r and token.user.id:%(user_id)s)").problems,
      ).toEqual([]);
    });
  });
});

describe('checks', () => {
  describe('role:', () => {
    it('compares roles ignoring case, after substituting the target', () => {
      expect(evaluate('role:Admin', roles('ADMIN'))).toBe(true);
      expect(evaluate('role:%(role)s', roles('member'), { role: 'Member' })).toBe(true);
      expect(evaluate('role:%(role)s', roles('member'), { role: 'reader' })).toBe(false);
    });

    it('is false when the target lacks the key or the credentials lack roles', () => {
      expect(evaluate('role:%(role)s', roles('member'), {})).toBe(false);
      expect(evaluate('role:admin', {})).toBe(false);
    });

    it('fails when a role is not a string, as Python would', () => {
      expect(() => evaluate('role:admin', { roles: ['admin', 3] })).toThrow(PolicyEvaluationError);
    });
  });

  describe('rule:', () => {
    it('evaluates the referenced rule', () => {
      expect(evaluate('rule:is_admin', roles('admin'), {}, { is_admin: 'role:admin' })).toBe(true);
      expect(evaluate('rule:is_admin', roles('member'), {}, { is_admin: 'role:admin' })).toBe(false);
    });

    it('evaluates the default rule for a name that does not exist, and is false without one', () => {
      expect(evaluate('rule:nope', roles('x'), {}, { default: 'role:x' })).toBe(true);
      expect(evaluate('rule:nope', roles('y'), {}, { default: 'role:x' })).toBe(false);
      expect(evaluate('rule:nope', roles('x'), {}, { other: '@' })).toBe(false);
    });

    it('fails on a cycle instead of recursing forever', () => {
      expect(() => evaluate('rule:a', {}, {}, { a: 'rule:b', b: 'rule:a' })).toThrow(/nest deeper/);
    });
  });

  describe('generic left:right', () => {
    it('compares Python literals with the substituted right side as Python renders them', () => {
      expect(evaluate('True:%(is_public)s', {}, { is_public: true })).toBe(true);
      expect(evaluate('True:%(is_public)s', {}, { is_public: 'true' })).toBe(false);
      expect(evaluate('None:%(owner)s', {}, { owner: null })).toBe(true);
      expect(evaluate('20:%(size)s', {}, { size: 20 })).toBe(true);
      expect(evaluate('0x14:%(size)s', {}, { size: 20 })).toBe(true);
      expect(evaluate('1e-5:%(f)s', {}, { f: 0.00001 })).toBe(true);
      expect(evaluate('1.0:%(f)s', {}, { f: 1 })).toBe(false);
      expect(evaluate("'member':%(role)s", {}, { role: 'member' })).toBe(true);
      expect(evaluate('"public":%(visibility)s', {}, { visibility: 'public' })).toBe(true);
      expect(evaluate("'a''b':ab", {})).toBe(true);
    });

    it('looks a name or dotted path up in the credentials', () => {
      expect(evaluate('project_id:%(project_id)s', { project_id: 'p1' }, { project_id: 'p1' })).toBe(true);
      expect(evaluate('project_id:%(project_id)s', { project_id: 'p1' }, { project_id: 'p2' })).toBe(false);
      expect(evaluate('token.user.id:u1', { token: { user: { id: 'u1' } } })).toBe(true);
      expect(evaluate('is_admin:True', { is_admin: true })).toBe(true);
      expect(evaluate('token.user.id:u1', { token: {} })).toBe(false);
    });

    it('matches a list-valued credential when any element matches, at any depth', () => {
      expect(evaluate('groups:b', { groups: ['a', 'b'] })).toBe(true);
      expect(
        evaluate('token.roles.name:admin', { token: { roles: [{ name: 'member' }, { name: 'admin' }] } }),
      ).toBe(true);
      expect(evaluate('groups:c', { groups: ['a', 'b'] })).toBe(false);
    });

    it('is false when the target lacks a substituted key', () => {
      expect(evaluate('project_id:%(project_id)s', { project_id: 'p1' }, {})).toBe(false);
    });

    it('fails where Python raises: looking up a key in a string, an invalid left side', () => {
      expect(() => evaluate('user_id.x:1', { user_id: 'u1' })).toThrow(/cannot look up "x" in a str/);
      expect(() => evaluate('1abc:x', {})).toThrow(PolicyEvaluationError);
      // A missing target key is found first, and the check is simply false.
      expect(evaluate('1abc:%(missing)s', {})).toBe(false);
    });

    it("sees a truthy system_scope as `system`, as oslo.policy's enforce does", () => {
      expect(evaluate('system:all', { system_scope: 'all' })).toBe(true);
      expect(evaluate('system:all', { system_scope: '', system: 'all' })).toBe(true);
    });
  });
});
