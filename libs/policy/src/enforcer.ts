import { type FSWatcher, readFileSync, unwatchFile, watch, watchFile } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pyTruthy } from '@glance-ts/pycompat';
import { AndCheck, type Check, DEFAULT_RULE_NAME, NotCheck, OrCheck, RuleCheck } from './checks';
import { parseRule } from './parser';
import { parsePolicyText, PolicyFileError, readPolicyFile } from './policy-file';
import type { Credentials, RuleDefault } from './rule-default';

export interface PolicyLogger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface PolicyEnforcerOptions {
  readonly defaults: readonly RuleDefault[];
  /** `[oslo_policy] policy_file`; when set, the file must exist at load(). */
  readonly policyFile?: string | null;
  /** Defaults to warnings and errors on the console, info dropped. */
  readonly logger?: PolicyLogger;
  /**
   * `[oslo_policy] enforce_scope`: deny a registered rule whose scope_types do not include the
   * token's scope (system, domain or project). On by default, as in Glance since 2023.2.
   */
  readonly enforceScope?: boolean;
}

/** A rule name that is neither registered nor in the policy file: a programming error. */
export class PolicyNotRegisteredError extends Error {
  override readonly name = 'PolicyNotRegisteredError';
  constructor(readonly ruleName: string) {
    super(`Policy ${ruleName} has not been registered`);
  }
}

/** The defaults themselves are wrong (they come from code, so this is a programming error). */
export class PolicyDefinitionError extends Error {
  override readonly name = 'PolicyDefinitionError';
}

/** The effective rules, immutable once built: a reload swaps the whole set. */
interface RuleSet {
  readonly checks: ReadonlyMap<string, Check>;
  readonly texts: Readonly<Record<string, string>>;
  /** What the rule set was built from: the file's text, or null for defaults only. */
  readonly fileText: string | null;
  readonly fileRuleCount: number;
}

type FileState =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'unreadable'; readonly reason: string };

function sameFileState(a: FileState, b: FileState | undefined): boolean {
  if (b === undefined || a.kind !== b.kind) return false;
  if (a.kind === 'text') return a.text === (b as typeof a).text;
  if (a.kind === 'unreadable') return a.reason === (b as typeof a).reason;
  return true;
}

const DEBOUNCE_MS = 100;
const POLL_INTERVAL_MS = 2000;
const MAX_REMEMBERED_EVALUATION_ERRORS = 100;

const CONSOLE_LOGGER: PolicyLogger = {
  info: () => undefined,
  warn: (msg) => console.warn(msg),
  error: (msg) => console.error(msg),
};

/**
 * oslo.policy's Enforcer for one service: the registered defaults overlaid by an optional policy
 * file, with Glance's settings (`enforce_new_defaults` and `enforce_scope` on).
 *
 * Differences from oslo.policy, all deliberate:
 * - every rule is parsed and validated at load; a rule oslo.policy would silently turn into "deny"
 *   (unparsable, `http:` checks, a word without `kind:`) or into a 500 at request time (invalid
 *   left side, malformed `%(key)s`, cyclic references) is refused with a one-line error;
 * - a reload replaces the previous file's entries, so a rule removed from the file reverts to its
 *   default (oslo.policy merges reloads into what it had, and its workers can disagree);
 * - an invalid file on reload keeps the last good rules (Glance answers 500 to every request);
 * - an evaluation error (a credential of the wrong shape) denies and logs instead of raising.
 */
export class PolicyEnforcer {
  private readonly defaults: readonly RuleDefault[];
  private readonly policyFile: string | null;
  private readonly logger: PolicyLogger;
  private readonly enforceScope: boolean;
  private readonly scopeTypes: ReadonlyMap<string, readonly string[]>;

  private defaultChecks: ReadonlyMap<string, Check> | undefined;
  private current: RuleSet | undefined;
  /** The file as last looked at, valid or not, so that one bad edit is logged once. */
  private lastSeen: FileState | undefined;
  private readonly reportedEvaluationErrors = new Set<string>();

  private directoryWatcher: FSWatcher | undefined;
  private polling = false;
  private debounceTimer: NodeJS.Timeout | undefined;

  constructor(options: PolicyEnforcerOptions) {
    this.defaults = options.defaults;
    this.policyFile = options.policyFile ?? null;
    this.logger = options.logger ?? CONSOLE_LOGGER;
    this.enforceScope = options.enforceScope ?? true;
    // oslo.policy skips the scope check for empty scope_types too.
    this.scopeTypes = new Map(
      options.defaults
        .filter((rule) => rule.scopeTypes !== undefined && rule.scopeTypes.length > 0)
        .map((rule) => [rule.name, rule.scopeTypes as readonly string[]]),
    );
  }

  /** Parses the defaults and the policy file; throws PolicyFileError (or PolicyDefinitionError). */
  load(): void {
    this.defaultChecks = compileDefaults(this.defaults);
    if (this.policyFile === null) {
      this.install(this.buildRuleSet(null));
      return;
    }
    const file = readPolicyFile(this.policyFile);
    this.install(this.buildRuleSet(file.text));
    this.lastSeen = { kind: 'text', text: file.text };
  }

  /**
   * Re-reads the policy file. Returns whether new rules were applied; an invalid file keeps the
   * previous rules and logs why. A deleted file reverts to the defaults (with a warning): the
   * operator removed the overrides, and keeping rules from a file that no longer exists would make
   * the service's behaviour impossible to read from disk.
   */
  reload(): boolean {
    if (this.policyFile === null || this.defaultChecks === undefined) return false;
    return this.apply(this.readFileState());
  }

  /**
   * Follows the policy file without per-request I/O: a watch on its directory (which also sees
   * editors that save by rename, and Kubernetes ConfigMap symlink swaps) plus slow stat polling
   * for filesystems where watches are silent. Events are debounced and a change of content is
   * what triggers a reload.
   */
  watch(): void {
    if (this.policyFile === null || this.directoryWatcher !== undefined || this.polling) return;
    const path = resolve(this.policyFile);
    try {
      // Any entry of the directory counts: with a ConfigMap the file is a symlink into `..data`,
      // which is what changes; reading the file and comparing decides.
      const watcher = watch(dirname(path), { persistent: false }, () => this.scheduleCheck());
      watcher.on('error', (error) => {
        this.logger.warn(
          `${this.policyFile}: watching its directory failed (${error.message}); polling only`,
        );
        watcher.close();
        if (this.directoryWatcher === watcher) this.directoryWatcher = undefined;
      });
      this.directoryWatcher = watcher;
    } catch (error) {
      this.logger.warn(
        `${this.policyFile}: cannot watch its directory (${(error as Error).message}); polling only`,
      );
    }
    watchFile(path, { interval: POLL_INTERVAL_MS, persistent: false }, this.onPoll);
    this.polling = true;
  }

  close(): void {
    this.directoryWatcher?.close();
    this.directoryWatcher = undefined;
    if (this.polling && this.policyFile !== null) unwatchFile(resolve(this.policyFile), this.onPoll);
    this.polling = false;
    clearTimeout(this.debounceTimer);
    this.debounceTimer = undefined;
  }

  /**
   * Whether `creds` may do what `ruleName` protects on `target`. Runs on every request: the rule
   * trees are pre-parsed and evaluation neither allocates much nor touches the disk.
   */
  enforce(
    ruleName: string,
    target: Readonly<Record<string, unknown>>,
    creds: Readonly<Credentials>,
  ): boolean {
    const rules = this.current;
    if (rules === undefined) throw new Error('PolicyEnforcer.load() must be called before enforce()');
    const check = rules.checks.get(ruleName);
    if (check === undefined) throw new PolicyNotRegisteredError(ruleName);
    if (this.enforceScope) {
      const scopes = this.scopeTypes.get(ruleName);
      if (scopes !== undefined && !scopes.includes(tokenScope(creds))) return false;
    }
    try {
      return check.evaluate(target, creds, rules.checks, 0);
    } catch (error) {
      this.reportEvaluationError(ruleName, error);
      return false;
    }
  }

  /** The effective rules, name → rule string, for diagnostics. */
  rules(): Readonly<Record<string, string>> {
    if (this.current === undefined) throw new Error('PolicyEnforcer.load() must be called before rules()');
    return this.current.texts;
  }

  private readonly onPoll = () => this.scheduleCheck();

  private scheduleCheck(): void {
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => this.checkForChange(), DEBOUNCE_MS);
    this.debounceTimer.unref();
  }

  private checkForChange(): void {
    if (this.policyFile === null || this.defaultChecks === undefined) return;
    const state = this.readFileState();
    if (sameFileState(state, this.lastSeen)) return;
    this.apply(state);
  }

  private readFileState(): FileState {
    try {
      return { kind: 'text', text: readFileSync(this.policyFile as string, 'utf8') };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      return code === 'ENOENT' ? { kind: 'missing' } : { kind: 'unreadable', reason: code };
    }
  }

  private apply(state: FileState): boolean {
    this.lastSeen = state;
    if (state.kind === 'missing') {
      if (this.current?.fileText === null) return false;
      this.install(this.buildRuleSet(null));
      this.logger.warn(
        `${this.policyFile}: the policy file was deleted; using the default rules until it is back`,
      );
      return true;
    }
    if (state.kind === 'unreadable') {
      this.logger.error(
        `${this.policyFile}: cannot read it (${state.reason}); keeping the previous policy rules`,
      );
      return false;
    }
    try {
      const rules = this.buildRuleSet(state.text);
      this.install(rules);
      this.logger.info(
        `${this.policyFile}: policy reloaded (${rules.fileRuleCount} ${rules.fileRuleCount === 1 ? 'rule' : 'rules'} from the file)`,
      );
      return true;
    } catch (error) {
      if (!(error instanceof PolicyFileError || error instanceof PolicyDefinitionError)) throw error;
      this.logger.error(`${error.message}; keeping the previous policy rules`);
      return false;
    }
  }

  private install(rules: RuleSet): void {
    this.current = rules;
    this.reportedEvaluationErrors.clear();
  }

  private buildRuleSet(fileText: string | null): RuleSet {
    const defaultChecks = this.defaultChecks as ReadonlyMap<string, Check>;
    const checks = new Map(defaultChecks);
    const texts: Record<string, string> = Object.fromEntries(
      this.defaults.map((rule) => [rule.name, rule.checkStr]),
    );
    const fileRules =
      fileText === null ? new Map<string, string>() : parsePolicyText(this.policyFile as string, fileText);
    const fail = (name: string, message: string) =>
      new PolicyFileError(`${this.policyFile}: rule ${JSON.stringify(name)}: ${message}`);

    for (const [name, text] of fileRules) {
      const parsed = parseRule(text);
      const problem = parsed.syntaxError ?? parsed.problems[0];
      if (problem !== undefined) throw fail(name, `${problem} in ${JSON.stringify(text)}`);
      checks.set(name, parsed.check);
      texts[name] = text;
    }
    for (const rule of this.defaults) {
      const renamed = rule.deprecatedRule;
      if (!renamed || renamed.name === rule.name || !fileRules.has(renamed.name) || fileRules.has(rule.name))
        continue;
      // oslo.policy: an override of a rule's old name keeps applying to the new name, unless it is
      // just the alias the sample file suggests ("old": "rule:new").
      const override = checks.get(renamed.name) as Check;
      if (override.toString() === `rule:${rule.name}`) continue;
      checks.set(rule.name, override);
      texts[rule.name] = fileRules.get(renamed.name) as string;
      this.logger.warn(
        `${this.policyFile}: rule "${renamed.name}" is deprecated in favour of "${rule.name}"; its override applies to "${rule.name}"`,
      );
    }

    const cycle = findCycle(checks);
    if (cycle !== undefined) {
      const message = `rules reference each other in a cycle: ${cycle.join(' -> ')}`;
      const fromFile = cycle.find((name) => fileRules.has(name));
      if (fromFile === undefined) throw new PolicyDefinitionError(message);
      throw fail(fromFile, message);
    }
    const undefinedReferences = findUndefinedReferences(checks);
    if (undefinedReferences.length > 0) {
      const fallback = checks.has(DEFAULT_RULE_NAME) ? `the "${DEFAULT_RULE_NAME}" rule` : 'deny';
      this.logger.warn(
        `${this.policyFile ?? 'policy'}: references to undefined rules evaluate ${fallback}: ${undefinedReferences.join(', ')}`,
      );
    }
    return { checks, texts: Object.freeze(texts), fileText, fileRuleCount: fileRules.size };
  }

  private reportEvaluationError(ruleName: string, error: unknown): void {
    const message = `policy rule ${JSON.stringify(ruleName)} could not be evaluated, denying: ${error instanceof Error ? error.message : String(error)}`;
    if (this.reportedEvaluationErrors.has(message)) return;
    if (this.reportedEvaluationErrors.size < MAX_REMEMBERED_EVALUATION_ERRORS)
      this.reportedEvaluationErrors.add(message);
    this.logger.error(message);
  }
}

function compileDefaults(defaults: readonly RuleDefault[]): ReadonlyMap<string, Check> {
  const checks = new Map<string, Check>();
  for (const rule of defaults) {
    if (checks.has(rule.name))
      throw new PolicyDefinitionError(
        `policy defaults: rule ${JSON.stringify(rule.name)} is registered twice`,
      );
    const candidates = [rule.checkStr, ...(rule.deprecatedRule ? [rule.deprecatedRule.checkStr] : [])];
    for (const text of candidates) {
      const parsed = parseRule(text);
      const problem = parsed.syntaxError ?? parsed.problems[0];
      if (problem !== undefined)
        throw new PolicyDefinitionError(
          `policy defaults: rule ${JSON.stringify(rule.name)}: ${problem} in ${JSON.stringify(text)}`,
        );
    }
    checks.set(rule.name, parseRule(rule.checkStr).check);
  }
  return checks;
}

/** oslo.policy's token scope: system if `system_scope` (or `system`) is set, else domain, else project. */
function tokenScope(creds: Readonly<Credentials>): string {
  if (pyTruthy(creds.system_scope) || pyTruthy(creds.system)) return 'system';
  if (pyTruthy(creds.domain_id)) return 'domain';
  return 'project';
}

function referencedRules(check: Check, into: string[] = []): string[] {
  if (check instanceof RuleCheck) into.push(check.ruleName);
  else if (check instanceof NotCheck) referencedRules(check.operand, into);
  else if (check instanceof AndCheck || check instanceof OrCheck)
    for (const operand of check.operands) referencedRules(operand, into);
  return into;
}

/** A cycle of `rule:` references, following missing names to the default rule as evaluation does. */
function findCycle(checks: ReadonlyMap<string, Check>): string[] | undefined {
  const resolveName = (name: string) =>
    checks.has(name) ? name : checks.has(DEFAULT_RULE_NAME) ? DEFAULT_RULE_NAME : undefined;
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const reference of referencedRules(checks.get(name) as Check)) {
      const next = resolveName(reference);
      const cycle = next === undefined ? undefined : visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of checks.keys()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
}

function findUndefinedReferences(checks: ReadonlyMap<string, Check>): string[] {
  const missing = new Set<string>();
  for (const check of checks.values())
    for (const name of referencedRules(check)) if (!checks.has(name)) missing.add(name);
  return [...missing].sort();
}
