import { isPyBlank, isPyWhitespace, pyRstrip, pySplitLines, pyStrip, wrap } from '@glance-ts/pycompat';
import type { RuleDefault } from './rule-default';

/**
 * The commented YAML `oslopolicy-sample-generator` writes for a list of defaults (its
 * `_format_rule_default_yaml`, help text on, rules commented out, deprecations included), byte for
 * byte, with one deliberate difference: names and check strings are escaped inside their double
 * quotes. oslo.policy prints them raw, so a Glance rule containing `"public":%(visibility)s`
 * becomes invalid YAML once uncommented; here every uncommented line loads back as written.
 */
export function renderSamplePolicy(defaults: readonly RuleDefault[]): string {
  return defaults.map(renderRuleDefault).join('');
}

function renderRuleDefault(rule: RuleDefault): string {
  let text = `${quoted(rule.name)}: ${quoted(rule.checkStr)}\n`;
  const operations = (rule.operations ?? [])
    .filter((operation) => operation.method && operation.path)
    .map((operation) => `# ${operation.method}  ${operation.path}\n`)
    .join('');
  const scope = rule.scopeTypes !== undefined ? `# Intended scope(s): ${rule.scopeTypes.join(', ')}\n` : '';
  text = `${operations}${scope}#${text}\n`;
  if (rule.description) text = `${formatHelpText(rule.description)}\n${text}`;

  if (rule.deprecatedForRemoval) {
    return `# DEPRECATED\n# "${rule.name}" has been deprecated since ${pythonOptional(rule.deprecatedSince)}.\n${formatHelpText(rule.deprecatedReason)}\n${text}`;
  }
  const deprecated = rule.deprecatedRule;
  if (deprecated) {
    const reason = deprecated.deprecatedReason || rule.deprecatedReason;
    const since = deprecated.deprecatedSince || rule.deprecatedSince;
    const notice =
      `"${deprecated.name}":"${deprecated.checkStr}" has been deprecated since ${pythonOptional(since)} ` +
      `in favor of "${rule.name}":"${rule.checkStr}".`;
    text += `# DEPRECATED\n${formatHelpText(notice)}\n${formatHelpText(reason)}\n`;
    if (deprecated.name !== rule.name) {
      text +=
        '# WARNING: A rule name change has been identified.\n' +
        '#          This may be an artifact of new rules being\n' +
        '#          included which require legacy fallback\n' +
        '#          rules to ensure proper policy behavior.\n' +
        '#          Alternatively, this may just be an alias.\n' +
        '#          Please evaluate on a case by case basis\n' +
        '#          keeping in mind the format for aliased\n' +
        '#          rules is:\n' +
        '#          "old_rule_name": "new_rule_name".\n' +
        `# "${deprecated.name}": "rule:${rule.name}"\n`;
    }
    text += '\n';
  }
  return text;
}

/** A YAML double-quoted scalar; identical to oslo.policy's raw quoting when nothing needs escaping. */
function quoted(text: string): string {
  return `"${text.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

/** How Python's %s renders an optional string: None when absent. */
function pythonOptional(text: string | undefined): string {
  return text ?? 'None';
}

/** generator._format_help_text: paragraphs wrapped at 70 columns, indented lines kept verbatim. */
function formatHelpText(description: string | undefined): string {
  if (!description) return '#';
  const formatted: string[] = [];
  let paragraph: string[] = [];
  const flush = () =>
    formatted.push(...wrap(paragraph.join(' '), 70, { initialIndent: '# ', subsequentIndent: '# ' }));
  const lines = pySplitLines(pyStrip(description));
  for (const line of lines) {
    if (isPyBlank(line)) {
      flush();
      formatted.push('#');
      paragraph = [];
    } else if (!isPyWhitespace(line[0])) {
      paragraph.push(pyRstrip(line));
    } else {
      if (paragraph.length > 0) {
        flush();
        formatted.push('#');
        paragraph = [];
      }
      formatted.push(`# ${pyRstrip(line)}`);
    }
  }
  if (paragraph.length > 0) flush();
  return formatted.join('\n');
}
