import {
  applyPercentFormat,
  type CompiledPercentFormat,
  type LiteralEvalResult,
  MISSING_KEY,
  pyStr,
  pyTruthy,
  pyTypeName,
} from '@glance-ts/pycompat';

/**
 * The check tree oslo.policy's `_checks` module evaluates, with the same evaluation order and
 * short-circuiting. Where oslo.policy raises (and the service answers 500), `evaluate` throws a
 * PolicyEvaluationError; the enforcer turns that into a denial.
 */

export type Target = Readonly<Record<string, unknown>>;
export type CredentialValues = Readonly<Record<string, unknown>>;
export type RuleLookup = ReadonlyMap<string, Check>;

/** oslo.config's `[oslo_policy] policy_default_rule`, which Glance leaves at its default. */
export const DEFAULT_RULE_NAME = 'default';

/**
 * How many `rule:` hops an evaluation may take. Only a cycle gets near it (Python would hit its
 * recursion limit there); the enforcer refuses cyclic rule sets at load time anyway.
 */
export const MAX_RULE_DEPTH = 50;

export class PolicyEvaluationError extends Error {}

export abstract class Check {
  /** @param depth the number of `rule:` references followed to get here */
  abstract evaluate(target: Target, creds: CredentialValues, rules: RuleLookup, depth: number): boolean;
  /** The rule language text of this tree, normalised (oslo.policy's `str(check)`). */
  abstract toString(): string;
}

/** `@` and the empty rule. */
export class AllowCheck extends Check {
  evaluate(): boolean {
    return true;
  }
  toString(): string {
    return '@';
  }
}

/** `!`, a rule that does not parse, and checks oslo.policy can only fail (`admin`, no kind). */
export class DenyCheck extends Check {
  evaluate(): boolean {
    return false;
  }
  toString(): string {
    return '!';
  }
}

/**
 * A rule that is nothing but a quoted string (`'x'`): oslo.policy's parser returns the bare
 * string instead of a check, and calling it raises.
 */
export class BareStringCheck extends Check {
  constructor(readonly text: string) {
    super();
  }
  evaluate(): boolean {
    throw new PolicyEvaluationError(
      `the rule is a quoted string (${JSON.stringify(this.text)}), not a check`,
    );
  }
  toString(): string {
    return this.text;
  }
}

export class NotCheck extends Check {
  constructor(readonly operand: Check) {
    super();
  }
  evaluate(target: Target, creds: CredentialValues, rules: RuleLookup, depth: number): boolean {
    return !this.operand.evaluate(target, creds, rules, depth);
  }
  toString(): string {
    return `not ${this.operand.toString()}`;
  }
}

export class AndCheck extends Check {
  constructor(readonly operands: readonly Check[]) {
    super();
  }
  evaluate(target: Target, creds: CredentialValues, rules: RuleLookup, depth: number): boolean {
    for (const operand of this.operands) if (!operand.evaluate(target, creds, rules, depth)) return false;
    return true;
  }
  toString(): string {
    return `(${this.operands.map(String).join(' and ')})`;
  }
}

export class OrCheck extends Check {
  constructor(readonly operands: readonly Check[]) {
    super();
  }
  evaluate(target: Target, creds: CredentialValues, rules: RuleLookup, depth: number): boolean {
    for (const operand of this.operands) if (operand.evaluate(target, creds, rules, depth)) return true;
    return false;
  }
  toString(): string {
    return `(${this.operands.map(String).join(' or ')})`;
  }
}

/**
 * `rule:NAME`. A name missing from the rule set evaluates the `default` rule, as oslo.policy's
 * `Rules.__missing__` does; without a `default` rule it is False.
 */
export class RuleCheck extends Check {
  constructor(readonly ruleName: string) {
    super();
  }
  evaluate(target: Target, creds: CredentialValues, rules: RuleLookup, depth: number): boolean {
    const rule = rules.get(this.ruleName) ?? rules.get(DEFAULT_RULE_NAME);
    if (rule === undefined) return false;
    if (depth >= MAX_RULE_DEPTH) {
      throw new PolicyEvaluationError(
        `rule references nest deeper than ${MAX_RULE_DEPTH} (a cycle through "${this.ruleName}"?)`,
      );
    }
    return rule.evaluate(target, creds, rules, depth + 1);
  }
  toString(): string {
    return `rule:${this.ruleName}`;
  }
}

/** `role:NAME`: NAME (after `%(key)s` substitution) is one of the credentials' roles, ignoring case. */
export class RoleCheck extends Check {
  private readonly lowerConstant: string | undefined;

  constructor(
    readonly match: string,
    private readonly compiled: CompiledPercentFormat,
  ) {
    super();
    this.lowerConstant = compiled.constant?.toLowerCase();
  }

  evaluate(target: Target, creds: CredentialValues): boolean {
    let wanted = this.lowerConstant;
    if (wanted === undefined) {
      const formatted = applyPercentFormat(this.compiled, target);
      if (formatted === MISSING_KEY) return false;
      wanted = formatted.toLowerCase();
    }
    if (!Object.hasOwn(creds, 'roles')) return false;
    const roles = iterablePythonValues(creds.roles, 'roles');
    // Python lower-cases every role before testing membership, so a non-string anywhere raises.
    let found = false;
    for (const role of roles) {
      if (typeof role !== 'string')
        throw new PolicyEvaluationError(`a role is a ${pyTypeName(role)}, not a string`);
      if (!found && (role === wanted || role.toLowerCase() === wanted)) found = true;
    }
    return found;
  }

  toString(): string {
    return `role:${this.match}`;
  }
}

/**
 * Any other `left:right`: the right side is formatted with the target; the left side is either a
 * Python literal compared by its `str()`, or a dotted path into the credentials where every list
 * on the way matches when any element does.
 */
export class GenericCheck extends Check {
  constructor(
    readonly kind: string,
    readonly match: string,
    private readonly left: LiteralEvalResult,
    private readonly compiled: CompiledPercentFormat,
  ) {
    super();
  }

  evaluate(target: Target, creds: CredentialValues): boolean {
    const formatted = applyPercentFormat(this.compiled, target);
    if (formatted === MISSING_KEY) return false;
    switch (this.left.kind) {
      case 'literal':
        return formatted === this.left.text;
      case 'name':
        return findInCredentials(creds, this.left.segments, formatted);
      case 'invalid':
        throw new PolicyEvaluationError(this.left.reason);
    }
  }

  toString(): string {
    return `${this.kind}:${this.match}`;
  }
}

/** oslo.policy's GenericCheck._find_in_dict, starting at the credentials. */
function findInCredentials(creds: CredentialValues, segments: readonly string[], match: string): boolean {
  const key = segments[0];
  let value = Object.hasOwn(creds, key) ? creds[key] : undefined;
  // oslo.policy's Enforcer.enforce copies a truthy `system_scope` into `creds['system']`.
  if (key === 'system' && pyTruthy(creds.system_scope)) value = creds.system_scope;
  if (value === undefined) return false;
  return matchesBelow(value, segments, 1, match);
}

function matchesBelow(value: unknown, segments: readonly string[], index: number, match: string): boolean {
  if (Array.isArray(value)) {
    for (const element of value) if (findInValue(element, segments, index, match)) return true;
    return false;
  }
  return findInValue(value, segments, index, match);
}

function findInValue(value: unknown, segments: readonly string[], index: number, match: string): boolean {
  if (index === segments.length) return match === pyStr(value);
  const key = segments[index];
  if (!isPythonDict(value))
    throw new PolicyEvaluationError(`cannot look up "${key}" in a ${pyTypeName(value)}`);
  const child = Object.hasOwn(value, key) ? value[key] : undefined;
  if (child === undefined) return false;
  return matchesBelow(child, segments, index + 1, match);
}

function isPythonDict(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What Python iterates for `for x in value`: a list's items, a str's characters, a dict's keys. */
function iterablePythonValues(value: unknown, name: string): Iterable<unknown> {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return Array.from(value);
  if (isPythonDict(value)) return Object.keys(value);
  throw new PolicyEvaluationError(`credential "${name}" is a ${pyTypeName(value)}, which is not iterable`);
}
