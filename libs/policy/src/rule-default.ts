/** An API operation a rule protects, as listed in the sample policy file. */
export interface RuleOperation {
  readonly method: string;
  readonly path: string;
}

/** oslo.policy's DeprecatedRule: the name and check string a rule had before. */
export interface DeprecatedRule {
  readonly name: string;
  readonly checkStr: string;
  readonly deprecatedReason?: string;
  readonly deprecatedSince?: string;
}

/** A rule registered in code (oslo.policy's RuleDefault / DocumentedRuleDefault). */
export interface RuleDefault {
  readonly name: string;
  readonly checkStr: string;
  readonly description: string;
  readonly operations?: readonly RuleOperation[];
  /** Token scopes the rule applies to: `project`, `domain`, `system`. */
  readonly scopeTypes?: readonly string[];
  readonly deprecatedRule?: DeprecatedRule;
  readonly deprecatedReason?: string;
  /** A release name or oslo_log's letter for it (`W` for Wallaby). */
  readonly deprecatedSince?: string;
  readonly deprecatedForRemoval?: boolean;
}

/**
 * oslo.context's policy values, as the API builds them. Any other key is visible to generic checks
 * (`user_domain_id:%(domain_id)s`).
 */
export interface Credentials {
  readonly roles: readonly string[];
  readonly user_id?: string | null;
  readonly project_id?: string | null;
  readonly is_admin?: boolean;
  readonly system_scope?: string | null;
  readonly domain_id?: string | null;
  readonly [key: string]: unknown;
}
