export {
  PolicyEnforcer,
  PolicyNotRegisteredError,
  PolicyDefinitionError,
  type PolicyEnforcerOptions,
  type PolicyLogger,
} from './enforcer';
export { PolicyFileError } from './policy-file';
export type { Credentials, DeprecatedRule, RuleDefault, RuleOperation } from './rule-default';
export { parseRule, type ParseResult } from './parser';
export {
  Check,
  DEFAULT_RULE_NAME,
  PolicyEvaluationError,
  type CredentialValues,
  type RuleLookup,
  type Target,
} from './checks';
export { GLANCE_POLICY_DEFAULTS } from './glance-defaults';
export { renderSamplePolicy } from './sample';
