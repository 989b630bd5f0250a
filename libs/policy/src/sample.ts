import type { RuleDefault } from './rule-default';
import { wrapText } from './textwrap';

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

// str.splitlines() boundaries and str.strip() whitespace.
// eslint-disable-next-line no-control-regex -- Python splits lines at \x1c-\x1e too
const LINE_BREAK = /\r\n|[\n\v\f\r\x1c-\x1e\x85\u2028\u2029]/;
const PYTHON_SPACE = String.raw`[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]`;
const STRIP = new RegExp(`^${PYTHON_SPACE}+|${PYTHON_SPACE}+$`, 'g');
const LEADING_SPACE = new RegExp(`^${PYTHON_SPACE}+`);
const TRAILING_SPACE = new RegExp(`${PYTHON_SPACE}+$`);

/** generator._format_help_text: paragraphs wrapped at 70 columns, indented lines kept verbatim. */
function formatHelpText(description: string | undefined): string {
  if (!description) return '#';
  const formatted: string[] = [];
  let paragraph: string[] = [];
  const flush = () => formatted.push(...wrapText(paragraph.join(' '), 70, '# ', '# '));
  const stripped = description.replace(STRIP, '');
  const lines = stripped === '' ? [] : stripped.split(LINE_BREAK);
  for (const line of lines) {
    if (line.replace(STRIP, '') === '') {
      flush();
      formatted.push('#');
      paragraph = [];
    } else if (!LEADING_SPACE.test(line)) {
      paragraph.push(line.replace(TRAILING_SPACE, ''));
    } else {
      if (paragraph.length > 0) {
        flush();
        formatted.push('#');
        paragraph = [];
      }
      formatted.push(`# ${line.replace(TRAILING_SPACE, '')}`);
    }
  }
  if (paragraph.length > 0) flush();
  return formatted.join('\n');
}
