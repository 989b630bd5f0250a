import { join } from 'node:path';
import {
  askPythonOracle,
  assertPythonModules,
  type OracleRequest,
  oracleValue,
  SeededRandom,
  seedFromEnv,
} from '@glance-ts/pycompat/testing';
import { BareStringCheck, type Check, DEFAULT_RULE_NAME } from './checks';
import { GLANCE_POLICY_DEFAULTS } from './glance-defaults';
import { parseRule } from './parser';
import type { RuleDefault } from './rule-default';
import { renderSamplePolicy } from './sample';

/*
 * Runs random rules, credentials and targets through this library and through Debian's
 * python3-oslo.policy (one child process: @glance-ts/pycompat's Python oracle with the ops of
 * src/testing/oslo_policy_oracle.py) and requires the
 * same answers: whether each rule parses, its normalised text (str(check)), and for each
 * enforcement allow / deny / error (oslo.policy raising; the enforcer denies in that case).
 *
 * POLICY_DIFF_SEED fixes the seed (printed on every run), POLICY_DIFF_CASES the number of
 * enforcements (default 10000).
 *
 * The generator covers the whole language except what this library deliberately does not
 * reproduce: http:/https: checks (remote calls), %d-style conversions, and left sides that are
 * valid Python but neither literals nor dotted names (`a-b`, `1j`, `[1]`); those are refused at
 * load time and have their own unit tests.
 */

const ORACLE = join(__dirname, 'testing', 'oslo_policy_oracle.py');

const SEED = seedFromEnv('POLICY_DIFF_SEED');
const CASES = process.env.POLICY_DIFF_CASES ? Number(process.env.POLICY_DIFF_CASES) : 10_000;
const CASES_PER_RULE_SET = 10;

type Verdict = boolean | 'error';

const ROLE_NAMES = [
  'admin',
  'member',
  'reader',
  'service',
  'Admin',
  'MEMBER',
  'x',
  'ünïcode',
  'ÜNÏCODE',
  '',
  'a:b',
  '20',
];
const RULE_NAMES = ['r0', 'r1', 'r2', 'r3', 'context_is_admin', DEFAULT_RULE_NAME];
const MISSING_RULE_NAMES = ['nope', 'missing_rule', ''];
const TARGET_KEYS = [
  'project_id',
  'owner',
  'visibility',
  'member_id',
  'n',
  'flag',
  'none',
  'items',
  'obj',
  'text',
  'role',
  'x(y)z',
];
const SCALARS: readonly unknown[] = [
  'p1',
  'p2',
  'public',
  'community',
  'admin',
  'Member',
  'True',
  'None',
  '20',
  "it's",
  'say "hi"',
  'tab\there',
  'ünï',
  '😀',
  '',
  20,
  -3,
  0,
  1.5,
  0.1,
  1e16,
  1e-5,
  123456789.125,
  true,
  false,
  null,
];
const LITERAL_LEFT_SIDES = [
  'True',
  'False',
  'None',
  '20',
  '-3',
  '+7',
  '0',
  '00',
  '0x14',
  '0o7',
  '0b101',
  '1_000',
  '1.5',
  '.5',
  '1.',
  '1e16',
  '1e-5',
  '2E+3',
  "'member'",
  '"member"',
  "'p1'",
  '"public"',
  "u'p2'",
  "r'a\\tb'",
  "'a\\tb'",
  "'a''b'",
  "'it\\'s'",
  "'\\x41'",
  "''",
  "'None'",
  "'20'",
];
const PATH_LEFT_SIDES = [
  'project_id',
  'user_id',
  'is_admin',
  'roles',
  'token.user.id',
  'token.user.roles',
  'token.project',
  'list',
  'nested',
  'nested.a.b',
  'n',
  'f',
  'none',
  'system',
  'system_scope',
  'domain_id',
  'missing',
  'missing.deeper',
  'text.x',
  'n.x',
  'list.x',
  'user_id.x',
  'matrix',
  'matrix.x',
  'u',
  'Role',
  'rule_x',
];
const INVALID_LEFT_SIDES = [
  '1abc',
  'not',
  'and',
  'if',
  'a..b',
  '.a',
  'a.',
  'a.True',
  '01',
  '1_',
  "'open",
  '$x',
];
const LITERAL_RIGHT_SIDES = [
  'admin',
  'member',
  'p1',
  'p2',
  'public',
  'True',
  'False',
  'None',
  '20',
  '-3',
  '1.5',
  '0.1',
  '1e+16',
  '1e-05',
  '10000000000000000.0',
  '0',
  "it's",
  '',
  'ünï',
  '😀',
  'x%%y',
  '[1, 2]',
  "['a', 'b']",
  "{'a': 1}",
  'a:b',
];
const MALFORMED_FORMATS = [
  '%(project_id',
  '%q',
  '%',
  '%s%s',
  '%(project_id)s%s',
  '%(missing)s%q',
  '%(project_id)*s',
  '%(project_id)',
];
// Python splits on all of these but the last two (\ufeff is whitespace to JavaScript's \s, not to Python).
const WHITESPACE = [
  ' ',
  ' ',
  ' ',
  '  ',
  '\t',
  '\n',
  '\r\n',
  '\u00a0',
  '\x1f',
  '\x85',
  '\u3000',
  '\ufeff',
  '\u200b',
];

function casing(random: SeededRandom, word: string): string {
  switch (random.below(4)) {
    case 0:
      return word;
    case 1:
      return word.toUpperCase();
    case 2:
      return word[0].toUpperCase() + word.slice(1);
    default:
      return [...word].map((c) => (random.chance(0.5) ? c.toUpperCase() : c)).join('');
  }
}

function rightSide(random: SeededRandom): string {
  const roll = random.next();
  if (roll < 0.45) return `%(${random.pick(TARGET_KEYS)})s`;
  if (roll < 0.55) return `%(missing_key)s`;
  if (roll < 0.8) return random.pick(LITERAL_RIGHT_SIDES);
  if (roll < 0.86)
    return `${random.pick(['x-', 'p', ''])}%(${random.pick(TARGET_KEYS)})s${random.pick(['', '-y', '%%'])}`;
  if (roll < 0.9)
    return random.pick([
      `%(${random.pick(TARGET_KEYS)})r`,
      `%(${random.pick(TARGET_KEYS)})a`,
      `%(${random.pick(TARGET_KEYS)})5s`,
      `%(${random.pick(TARGET_KEYS)})-4.2s`,
    ]);
  if (roll < 0.93) return '%s';
  return random.pick(MALFORMED_FORMATS);
}

function leaf(random: SeededRandom, ruleNames: readonly string[]): string {
  const roll = random.next();
  if (roll < 0.06) return '@';
  if (roll < 0.1) return '!';
  if (roll < 0.3) return `role:${random.chance(0.7) ? random.pick(ROLE_NAMES) : rightSide(random)}`;
  if (roll < 0.45)
    return `rule:${random.chance(0.75) ? random.pick(ruleNames) : random.pick(MISSING_RULE_NAMES)}`;
  if (roll < 0.93) {
    const sideRoll = random.next();
    const left =
      sideRoll < 0.4
        ? random.pick(LITERAL_LEFT_SIDES)
        : sideRoll < 0.95
          ? random.pick(PATH_LEFT_SIDES)
          : random.pick(INVALID_LEFT_SIDES);
    return `${left}:${rightSide(random)}`;
  }
  if (roll < 0.97) return random.pick(['admin', 'foo', 'role', 'Role:x:y', ':x']);
  return random.pick(["'quoted'", '"quoted"', "'a:b'"]);
}

/** A token list for a well-formed expression (which mutation may then break). */
function expression(random: SeededRandom, ruleNames: readonly string[], depth: number): string[] {
  const roll = random.next();
  if (depth <= 0 || roll < 0.35) return [leaf(random, ruleNames)];
  if (roll < 0.45) return [casing(random, 'not'), ...expression(random, ruleNames, depth - 1)];
  if (roll < 0.6) return ['(', ...expression(random, ruleNames, depth - 1), ')'];
  const operator = casing(random, random.chance(0.5) ? 'and' : 'or');
  return [...expression(random, ruleNames, depth - 1), operator, ...expression(random, ruleNames, depth - 1)];
}

function mutate(random: SeededRandom, tokens: string[]): string[] {
  const copy = [...tokens];
  const at = random.below(copy.length + 1);
  switch (random.below(5)) {
    case 0:
      copy.splice(Math.min(at, copy.length - 1), 1);
      break;
    case 1:
      copy.splice(at, 0, random.pick(['and', 'or', 'not', 'OR']));
      break;
    case 2:
      copy.splice(at, 0, random.pick(['(', ')']));
      break;
    case 3:
      copy.splice(at, 0, leaf(random, RULE_NAMES));
      break;
    default:
      copy.splice(at, 0, random.pick(["'s'", '"s"', '()', '(()', '))']));
  }
  return copy;
}

/** Joins tokens the ways people write them: parentheses glued to words or not, odd whitespace. */
function render(random: SeededRandom, tokens: readonly string[]): string {
  let out = '';
  for (const [index, token] of tokens.entries()) {
    const previous = tokens[index - 1];
    const glue =
      index > 0 &&
      ((previous === '(' && token !== '(') || (token === ')' && previous !== ')')) &&
      random.chance(0.5);
    out += (index === 0 || glue ? '' : random.chance(0.1) ? random.pick(WHITESPACE) : ' ') + token;
  }
  return random.chance(0.05) ? `${random.pick(WHITESPACE)}${out}${random.pick(WHITESPACE)}` : out;
}

function ruleText(random: SeededRandom, ruleNames: readonly string[]): string {
  const roll = random.next();
  if (roll < 0.03) return '';
  if (roll < 0.04) return random.pick(['   ', '\t', '(', ')', 'and', 'not', 'or or', '( )']);
  const tokens = expression(random, ruleNames, 1 + random.below(4));
  return render(random, roll < 0.82 ? tokens : mutate(random, tokens));
}

function randomScalar(random: SeededRandom): unknown {
  return random.pick(SCALARS);
}

function randomValue(random: SeededRandom, depth: number): unknown {
  const roll = random.next();
  if (depth <= 0 || roll < 0.7) return randomScalar(random);
  if (roll < 0.85) return Array.from({ length: random.below(4) }, () => randomValue(random, depth - 1));
  return Object.fromEntries(
    Array.from({ length: 1 + random.below(3) }, () => [
      random.pick(['a', 'b', 'id', 'x']),
      randomValue(random, depth - 1),
    ]),
  );
}

function randomTarget(random: SeededRandom): Record<string, unknown> {
  const target: Record<string, unknown> = {};
  for (const key of TARGET_KEYS) if (random.chance(0.6)) target[key] = randomValue(random, 2);
  if (random.chance(0.3)) target.project_id = random.pick(['p1', 'p2']);
  if (random.chance(0.3)) target.visibility = random.pick(['public', 'community', 'shared', 'private']);
  return target;
}

function randomCreds(random: SeededRandom): Record<string, unknown> {
  const creds: Record<string, unknown> = {};
  const roll = random.next();
  if (roll < 0.85) creds.roles = Array.from({ length: random.below(4) }, () => random.pick(ROLE_NAMES));
  else if (roll < 0.9) creds.roles = random.pick(['admin', null, 20, ['admin', 3], { admin: 1 }]);
  if (random.chance(0.8)) creds.project_id = random.pick(['p1', 'p2', null]);
  if (random.chance(0.6)) creds.user_id = random.pick(['u1', 'u2', null, 20]);
  if (random.chance(0.5)) creds.is_admin = random.chance(0.3);
  if (random.chance(0.4)) {
    creds.token = {
      user: { id: random.pick(['u1', 'u2', 20]), roles: [random.pick(ROLE_NAMES), random.pick(ROLE_NAMES)] },
      project: random.pick(['p1', null, 'x']),
    };
  }
  if (random.chance(0.3)) creds.list = Array.from({ length: random.below(4) }, () => randomScalar(random));
  if (random.chance(0.3))
    creds.nested = {
      a: random.chance(0.5)
        ? { b: randomScalar(random) }
        : [{ b: randomScalar(random) }, randomScalar(random)],
    };
  if (random.chance(0.3))
    creds.matrix = [[randomScalar(random), randomScalar(random)], [randomScalar(random)]];
  for (const key of ['n', 'f', 'none', 'text', 'u', 'Role', 'rule_x'])
    if (random.chance(0.25)) creds[key] = randomValue(random, 1);
  if (random.chance(0.25)) creds.system_scope = random.pick(['all', '', null]);
  if (random.chance(0.15)) creds.system = random.pick(['x', '', 'all']);
  if (random.chance(0.15)) creds.domain_id = random.pick(['d1', null]);
  return creds;
}

interface RuleSetCase {
  readonly id: number;
  readonly rules: Readonly<Record<string, string>>;
  readonly checks: ReadonlyMap<string, Check>;
}

interface EnforceCase {
  readonly ruleSet: RuleSetCase;
  readonly rule: string;
  readonly target: Record<string, unknown>;
  readonly creds: Record<string, unknown>;
}

function generate(random: SeededRandom, count: number): { ruleSets: RuleSetCase[]; cases: EnforceCase[] } {
  const ruleSets: RuleSetCase[] = [];
  const cases: EnforceCase[] = [];
  while (cases.length < count) {
    const names = RULE_NAMES.filter((name) => name !== DEFAULT_RULE_NAME || random.chance(0.6)).filter(() =>
      random.chance(0.85),
    );
    if (names.length === 0) names.push('r0');
    const rules = Object.fromEntries(names.map((name) => [name, ruleText(random, names)]));
    const ruleSet: RuleSetCase = {
      id: ruleSets.length,
      rules,
      checks: new Map(names.map((name) => [name, parseRule(rules[name]).check])),
    };
    ruleSets.push(ruleSet);
    for (let i = 0; i < CASES_PER_RULE_SET && cases.length < count; i += 1) {
      cases.push({
        ruleSet,
        rule: random.pick(names),
        target: randomTarget(random),
        creds: randomCreds(random),
      });
    }
  }
  return { ruleSets, cases };
}

function ours(testCase: EnforceCase): Verdict {
  try {
    return (testCase.ruleSet.checks.get(testCase.rule) as Check).evaluate(
      testCase.target,
      testCase.creds,
      testCase.ruleSet.checks,
      0,
    );
  } catch {
    return 'error';
  }
}

function parseOutcome(text: string): { outcome: string; str: string } {
  const parsed = parseRule(text);
  const outcome =
    parsed.syntaxError !== undefined ? 'failed' : parsed.check instanceof BareStringCheck ? 'string' : 'ok';
  return { outcome, str: parsed.check.toString() };
}

/** Sends every request to one oracle process and returns its answers in order. */
function askOracle(requests: readonly OracleRequest[]): Array<Record<string, unknown>> {
  assertPythonModules(['oslo_policy'], 'apt-get install -y python3-oslo.policy');
  return askPythonOracle(requests, { extensions: [ORACLE] }).map(
    (answer) => oracleValue(answer) as Record<string, unknown>,
  );
}

function sampleDefaults(): RuleDefault[] {
  return [
    ...GLANCE_POLICY_DEFAULTS,
    {
      name: 'renamed_rule',
      checkStr: 'role:admin or (role:member and project_id:%(project_id)s)',
      description:
        'A long description that has to wrap across several lines, with hyphenated-compound-words, a very-very-long-token-that-must-be-broken-somewhere-around-here and   odd   spacing.\n\n    an indented literal block\nthen a paragraph again',
      operations: [
        { method: 'GET', path: '/v2/things' },
        { method: 'POST', path: '/v2/things/{thing_id}/actions/do-something' },
      ],
      scopeTypes: ['system', 'project'],
      deprecatedRule: {
        name: 'old_rule_name',
        checkStr: 'rule:admin_api',
        deprecatedReason: 'Renamed.',
        deprecatedSince: 'Zed',
      },
    },
    {
      name: 'removed_rule',
      checkStr: '!',
      description: 'Going away.',
      deprecatedForRemoval: true,
      deprecatedReason: 'Never used.',
      deprecatedSince: '2024.1',
      scopeTypes: [],
    },
    { name: 'no_description', checkStr: '@', description: '' },
  ];
}

describe('differential test against oslo.policy', () => {
  it(`agrees on ${CASES} random enforcements, their rules' parses, and the sample file (seed ${SEED})`, () => {
    process.stdout.write(
      `policy differential test: seed ${SEED} (POLICY_DIFF_SEED=${SEED} to repeat), ${CASES} cases\n`,
    );
    const random = new SeededRandom(SEED);
    const { ruleSets, cases } = generate(random, CASES);
    const texts = [...new Set(ruleSets.flatMap((ruleSet) => Object.values(ruleSet.rules)))];
    const samples = sampleDefaults();

    const requests: OracleRequest[] = [
      ...ruleSets.map((ruleSet) => ({ op: 'rules', id: ruleSet.id, rules: ruleSet.rules })),
      ...texts.map((text) => ({ op: 'parse', text })),
      ...cases.map((c) => ({
        op: 'enforce',
        rules: c.ruleSet.id,
        rule: c.rule,
        target: c.target,
        creds: c.creds,
      })),
      { op: 'sample', defaults: samples },
    ];
    const oracleStart = Date.now();
    const answers = askOracle(requests);
    const oracleSeconds = (Date.now() - oracleStart) / 1000;
    const parseAnswers = answers.slice(ruleSets.length, ruleSets.length + texts.length);
    const enforceAnswers = answers.slice(
      ruleSets.length + texts.length,
      ruleSets.length + texts.length + cases.length,
    );
    const sampleAnswer = answers.at(-1) as { text: string };

    const parseMismatches = texts.flatMap((text, i) => {
      const theirs = { outcome: parseAnswers[i].outcome, str: parseAnswers[i].str };
      const mine = parseOutcome(text);
      return mine.outcome === theirs.outcome && mine.str === theirs.str
        ? []
        : [{ rule: text, ours: mine, theirs }];
    });
    const enforceMismatches = cases.flatMap((c, i) => {
      const theirs = enforceAnswers[i].result as Verdict;
      const mine = ours(c);
      return mine === theirs
        ? []
        : [
            {
              rules: c.ruleSet.rules,
              rule: c.rule,
              creds: c.creds,
              target: c.target,
              ours: mine,
              theirs,
              error: enforceAnswers[i].error,
            },
          ];
    });
    const verdicts = { allow: 0, deny: 0, error: 0 };
    for (const answer of enforceAnswers)
      verdicts[answer.result === true ? 'allow' : answer.result === false ? 'deny' : 'error'] += 1;
    process.stdout.write(
      `policy differential test: oslo.policy allowed ${verdicts.allow}, denied ${verdicts.deny}, raised ${verdicts.error}; ` +
        `${texts.length} distinct rules; oracle ${oracleSeconds.toFixed(1)} s\n`,
    );

    if (parseMismatches.length + enforceMismatches.length > 0) {
      process.stdout.write(
        `seed ${SEED}: ${parseMismatches.length} parse and ${enforceMismatches.length} enforcement mismatches; the first 20:\n` +
          [...parseMismatches, ...enforceMismatches]
            .slice(0, 20)
            .map((m) => JSON.stringify(m))
            .join('\n') +
          '\n',
      );
    }
    expect({ parseMismatches: parseMismatches.length, enforceMismatches: enforceMismatches.length }).toEqual({
      parseMismatches: 0,
      enforceMismatches: 0,
    });
    // The generator must exercise every outcome, or agreement would prove little.
    expect(Math.min(verdicts.allow, verdicts.deny, verdicts.error)).toBeGreaterThan(CASES / 50);

    // oslo.policy quotes check strings raw; ours escapes `"` so that the sample stays valid YAML.
    expect(renderSamplePolicy(samples).replaceAll('\\"', '"')).toBe(sampleAnswer.text);
  });
});
