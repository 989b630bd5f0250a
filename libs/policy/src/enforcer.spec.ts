import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicyDefinitionError, PolicyEnforcer, PolicyNotRegisteredError } from './enforcer';
import { PolicyFileError } from './policy-file';
import type { Credentials, RuleDefault } from './rule-default';

const DEFAULTS: readonly RuleDefault[] = [
  { name: 'default', checkStr: '', description: 'Default.' },
  { name: 'context_is_admin', checkStr: 'role:admin', description: 'Admin.' },
  {
    name: 'get_thing',
    checkStr: 'rule:context_is_admin or project_id:%(project_id)s',
    description: 'Get.',
    scopeTypes: ['project'],
  },
  {
    name: 'delete_thing',
    checkStr: 'rule:context_is_admin',
    description: 'Delete.',
    scopeTypes: ['project'],
  },
];

const member: Credentials = { roles: ['member'], project_id: 'p1', user_id: 'u1' };
const admin: Credentials = { roles: ['admin'], project_id: 'p9', user_id: 'u9' };
const ownTarget = { project_id: 'p1' };
const otherTarget = { project_id: 'p2' };

class RecordingLogger {
  readonly lines: Array<{ level: 'info' | 'warn' | 'error'; msg: string }> = [];
  info(msg: string) {
    this.lines.push({ level: 'info', msg });
  }
  warn(msg: string) {
    this.lines.push({ level: 'warn', msg });
  }
  error(msg: string) {
    this.lines.push({ level: 'error', msg });
  }
  count(level: 'info' | 'warn' | 'error') {
    return this.lines.filter((line) => line.level === level).length;
  }
}

/** Resolves once `condition` holds, or rejects after the deadline (file events are asynchronous). */
async function eventually(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('PolicyEnforcer', () => {
  let dir: string;
  let logger: RecordingLogger;
  const enforcers: PolicyEnforcer[] = [];

  const policyPath = (name = 'policy.yaml') => join(dir, name);
  const writePolicy = (text: string, name = 'policy.yaml') => writeFileSync(policyPath(name), text);
  const enforcerFor = (
    policyFile: string | null,
    defaults: readonly RuleDefault[] = DEFAULTS,
    extra: { enforceScope?: boolean } = {},
  ) => {
    const enforcer = new PolicyEnforcer({ defaults, policyFile, logger, ...extra });
    enforcers.push(enforcer);
    return enforcer;
  };
  const loadError = (text: string, name = 'policy.yaml') => {
    writePolicy(text, name);
    try {
      enforcerFor(policyPath(name)).load();
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyFileError);
      return (error as Error).message;
    }
    throw new Error('load() accepted the file');
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'policy-enforcer-'));
    logger = new RecordingLogger();
  });
  afterEach(() => {
    for (const enforcer of enforcers.splice(0)) enforcer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('with defaults only', () => {
    it('enforces the registered rules', () => {
      const enforcer = enforcerFor(null);
      enforcer.load();
      expect(enforcer.enforce('get_thing', ownTarget, member)).toBe(true);
      expect(enforcer.enforce('get_thing', otherTarget, member)).toBe(false);
      expect(enforcer.enforce('get_thing', otherTarget, admin)).toBe(true);
      expect(enforcer.enforce('delete_thing', ownTarget, member)).toBe(false);
    });

    it('throws for a rule that is neither registered nor in the file', () => {
      const enforcer = enforcerFor(null);
      enforcer.load();
      expect(() => enforcer.enforce('no_such_rule', {}, admin)).toThrow(PolicyNotRegisteredError);
    });

    it('refuses to enforce before load()', () => {
      expect(() => enforcerFor(null).enforce('get_thing', {}, admin)).toThrow(/load\(\)/);
    });

    it('refuses invalid defaults as a programming error', () => {
      expect(() =>
        enforcerFor(null, [...DEFAULTS, { name: 'bad', checkStr: 'role:a and', description: '' }]).load(),
      ).toThrow(
        new PolicyDefinitionError(
          'policy defaults: rule "bad": expected a check after "and" in "role:a and"',
        ),
      );
      expect(() => enforcerFor(null, [...DEFAULTS, DEFAULTS[1]]).load()).toThrow(
        /"context_is_admin" is registered twice/,
      );
    });
  });

  describe('scope', () => {
    it("denies a rule whose scope_types exclude the token's scope", () => {
      const enforcer = enforcerFor(null);
      enforcer.load();
      expect(enforcer.enforce('delete_thing', {}, { ...admin, system_scope: 'all' })).toBe(false);
      expect(enforcer.enforce('delete_thing', {}, { ...admin, domain_id: 'd1' })).toBe(false);
      expect(enforcer.enforce('delete_thing', {}, { ...admin, system_scope: null, domain_id: null })).toBe(
        true,
      );
      // Rules without scope_types, or with an empty list, apply to every scope.
      expect(enforcer.enforce('context_is_admin', {}, { ...admin, system_scope: 'all' })).toBe(true);
      const unscoped = enforcerFor(null, [
        { name: 'any_scope', checkStr: '@', description: '', scopeTypes: [] },
      ]);
      unscoped.load();
      expect(unscoped.enforce('any_scope', {}, { ...admin, system_scope: 'all' })).toBe(true);
    });

    it('can be turned off like [oslo_policy] enforce_scope', () => {
      const enforcer = enforcerFor(null, DEFAULTS, { enforceScope: false });
      enforcer.load();
      expect(enforcer.enforce('delete_thing', {}, { ...admin, system_scope: 'all' })).toBe(true);
    });
  });

  describe('the policy file', () => {
    it('overlays the defaults and adds rules of its own', () => {
      writePolicy('"delete_thing": "rule:owner"\n"owner": "project_id:%(project_id)s"\n');
      const enforcer = enforcerFor(policyPath());
      enforcer.load();
      expect(enforcer.enforce('delete_thing', ownTarget, member)).toBe(true);
      expect(enforcer.enforce('delete_thing', otherTarget, admin)).toBe(false);
      expect(enforcer.enforce('owner', ownTarget, member)).toBe(true);
      expect(enforcer.rules()).toMatchObject({
        delete_thing: 'rule:owner',
        owner: 'project_id:%(project_id)s',
        get_thing: DEFAULTS[2].checkStr,
      });
      expect(Object.isFrozen(enforcer.rules())).toBe(true);
    });

    it('reads JSON as well', () => {
      writePolicy('{"delete_thing": "@"}', 'policy.json');
      const enforcer = enforcerFor(policyPath('policy.json'));
      enforcer.load();
      expect(enforcer.enforce('delete_thing', {}, member)).toBe(true);
    });

    it('treats an empty or comment-only file as no overrides', () => {
      writePolicy('# "delete_thing": "@"\n');
      const enforcer = enforcerFor(policyPath());
      enforcer.load();
      expect(enforcer.enforce('delete_thing', {}, member)).toBe(false);
    });

    it('applies an override of a deprecated rule name to its new name', () => {
      const renamed: RuleDefault[] = [
        ...DEFAULTS,
        {
          name: 'things:list',
          checkStr: 'role:reader',
          description: '',
          deprecatedRule: { name: 'list_things', checkStr: 'role:admin' },
        },
      ];
      writePolicy('"list_things": "role:member"\n');
      const enforcer = enforcerFor(policyPath(), renamed);
      enforcer.load();
      expect(enforcer.enforce('things:list', {}, member)).toBe(true);
      expect(logger.lines).toContainEqual({
        level: 'warn',
        msg: expect.stringContaining('"list_things" is deprecated in favour of "things:list"'),
      });
    });

    describe('refuses an invalid file at load with one line naming the file and the rule', () => {
      it('for a rule that does not parse', () => {
        const path = policyPath();
        expect(loadError('"stores_info_detail": "role:admin or (role:x"\n')).toBe(
          `${path}: rule "stores_info_detail": unbalanced parentheses in "role:admin or (role:x"`,
        );
      });

      it.each([
        ['"get_thing": 3\n', /rule "get_thing": the rule must be a string, found a number \(3\); quote it$/],
        ['"get_thing":\n', /rule "get_thing": has no value \(oslo.policy would allow everyone\)/],
        ['"get_thing": !\n', /rule "get_thing": the value is a bare YAML tag "!"/],
        [
          '"get_thing": [["role:admin"]]\n',
          /rule "get_thing": is a list; the legacy list-of-lists syntax is not supported/,
        ],
        ['- role:admin\n', /expected a mapping of rule names to rule strings, found a list$/],
        ['"a": "@"\n"a": "!"\n', /invalid YAML: Map keys must be unique at line 2, column 1$/],
        ['"a": @\n', /invalid YAML: Plain value cannot start with reserved character @ at line 1, column 6$/],
        ['"get_thing": "admin"\n', /rule "get_thing": "admin" is not a check .* in "admin"$/],
        [
          '"get_thing": "http://pdp.example/x"\n',
          /rule "get_thing": "http:\/\/pdp.example\/x": http: checks .* not supported/,
        ],
        ['"get_thing": "user_id:%(user_id)d"\n', /rule "get_thing": .* the %d conversion is not supported/],
        [
          '"get_thing": "rule:a"\n"a": "rule:get_thing"\n',
          /rule "get_thing": rules reference each other in a cycle: get_thing -> a -> get_thing$/,
        ],
      ])('%j', (text, message) => {
        const error = loadError(text);
        expect(error).toMatch(message);
        expect(error.startsWith(`${policyPath()}: `)).toBe(true);
        expect(error).not.toContain('\n');
      });

      it('for invalid JSON, with line and column', () => {
        expect(loadError('{\n  "a": "@",\n  "b" "!"\n}\n', 'policy.json')).toMatch(
          /policy\.json: invalid JSON: .* at line 3, column 7$/,
        );
      });

      it('for a rule string with a newline, quoted on one line', () => {
        expect(loadError('"get_thing": "role:a and\n  "\n')).toBe(
          `${policyPath()}: rule "get_thing": expected a check after "and" in "role:a and "`,
        );
      });

      it('for a configured file that does not exist', () => {
        expect(() => enforcerFor(policyPath('absent.yaml')).load()).toThrow(
          new PolicyFileError(`${policyPath('absent.yaml')}: the file does not exist`),
        );
      });
    });
  });

  describe('reload()', () => {
    it('replaces the previous overrides: a rule removed from the file reverts to its default', () => {
      writePolicy('"delete_thing": "@"\n"get_thing": "!"\n');
      const enforcer = enforcerFor(policyPath());
      enforcer.load();
      expect(enforcer.enforce('get_thing', ownTarget, member)).toBe(false);
      writePolicy('"delete_thing": "@"\n');
      expect(enforcer.reload()).toBe(true);
      expect(enforcer.enforce('get_thing', ownTarget, member)).toBe(true);
      expect(enforcer.enforce('delete_thing', ownTarget, member)).toBe(true);
      expect(logger.lines).toContainEqual({
        level: 'info',
        msg: `${policyPath()}: policy reloaded (1 rule from the file)`,
      });
    });

    it('keeps the last good rules when the file becomes invalid, and logs why', () => {
      writePolicy('"delete_thing": "@"\n');
      const enforcer = enforcerFor(policyPath());
      enforcer.load();
      writePolicy('"delete_thing": "role:member or (role:x"\n');
      expect(enforcer.reload()).toBe(false);
      expect(enforcer.enforce('delete_thing', {}, member)).toBe(true);
      expect(logger.lines).toContainEqual({
        level: 'error',
        msg: `${policyPath()}: rule "delete_thing": unbalanced parentheses in "role:member or (role:x"; keeping the previous policy rules`,
      });
    });

    it('reverts to the defaults, with a warning, when the file is deleted', () => {
      writePolicy('"delete_thing": "@"\n');
      const enforcer = enforcerFor(policyPath());
      enforcer.load();
      unlinkSync(policyPath());
      expect(enforcer.reload()).toBe(true);
      expect(enforcer.enforce('delete_thing', {}, member)).toBe(false);
      expect(logger.count('warn')).toBe(1);
    });
  });

  describe('watch()', () => {
    it('applies an edit without a restart', async () => {
      writePolicy('"delete_thing": "!"\n');
      const enforcer = enforcerFor(policyPath());
      enforcer.load();
      enforcer.watch();
      writePolicy('"delete_thing": "@"\n');
      await eventually(() => enforcer.enforce('delete_thing', {}, member));
      expect(logger.count('info')).toBe(1);
    });

    it('follows an editor that saves by renaming a new file over the old one', async () => {
      writePolicy('"delete_thing": "!"\n');
      const enforcer = enforcerFor(policyPath());
      enforcer.load();
      enforcer.watch();
      writePolicy('"delete_thing": "@"\n', 'policy.yaml.swp');
      renameSync(policyPath('policy.yaml.swp'), policyPath());
      await eventually(() => enforcer.enforce('delete_thing', {}, member));
      // The renamed file is watched in turn.
      writePolicy('"delete_thing": "!"\n');
      await eventually(() => !enforcer.enforce('delete_thing', {}, member));
    });

    it('logs an invalid edit once and keeps the last good rules', async () => {
      writePolicy('"delete_thing": "@"\n');
      const enforcer = enforcerFor(policyPath());
      enforcer.load();
      enforcer.watch();
      writePolicy('"delete_thing": "role:a and"\n');
      await eventually(() => logger.count('error') > 0);
      writeFileSync(policyPath(), '"delete_thing": "role:a and"\n');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(logger.count('error')).toBe(1);
      expect(enforcer.enforce('delete_thing', {}, member)).toBe(true);
    });

    it('stops after close()', async () => {
      writePolicy('"delete_thing": "!"\n');
      const enforcer = enforcerFor(policyPath());
      enforcer.load();
      enforcer.watch();
      enforcer.close();
      writePolicy('"delete_thing": "@"\n');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(enforcer.enforce('delete_thing', {}, member)).toBe(false);
    });
  });

  describe('evaluation errors', () => {
    it('deny and are logged once per rule set', () => {
      writePolicy('"delete_thing": "token.user:x"\n');
      const enforcer = enforcerFor(policyPath());
      enforcer.load();
      const creds: Credentials = { ...member, token: 'not-a-dict' };
      expect(enforcer.enforce('delete_thing', {}, creds)).toBe(false);
      expect(enforcer.enforce('delete_thing', {}, creds)).toBe(false);
      expect(logger.lines.filter((line) => line.level === 'error')).toEqual([
        {
          level: 'error',
          msg: 'policy rule "delete_thing" could not be evaluated, denying: cannot look up "user" in a str',
        },
      ]);
    });
  });
});
