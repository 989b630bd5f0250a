// Help pages laid out like Python 3.11's argparse.HelpFormatter, which glanceclient's help goes
// through: "usage: glance ..." wrapped under the program name, descriptions filled to the width,
// option help starting at column min(longest invocation + 2, 24) and wrapped below it, headings
// title-cased ("Options:", "Positional arguments:").
//
// One deliberate difference: argparse aligns every section of a page on the same column. Here
// sections align per `alignment` group, so that options glance-ts adds (in their own sections)
// do not move glanceclient's lines.
import { pyLen, pyStrip, wrap } from '@glance-ts/pycompat';

export interface HelpAction {
  /** ['-f', '--format'] for an option; empty for a positional argument. */
  optionStrings: readonly string[];
  /** Placeholder for the value (argparse's metavar); absent for a flag without value. */
  metavar?: string;
  help?: string;
  /** Required options are shown in the usage line without brackets. */
  required?: boolean;
  /** A positional that may be omitted (nargs='?'): [<X>] in the usage line. */
  optional?: boolean;
  /** Usage text after the metavar, like argparse's "..." for subcommands. */
  usageSuffix?: string;
  /** Listed below the action, indented (argparse's subparser choices). */
  subactions?: readonly HelpAction[];
}

export interface HelpSection {
  title: string;
  description?: string;
  actions: readonly HelpAction[];
  /** Sections sharing a group share their help column (default group: "main"). */
  alignment?: string;
}

export interface HelpPage {
  prog: string;
  /** Actions shown in the usage line, in order (optionals are moved before positionals). */
  usage: readonly HelpAction[];
  description?: string;
  sections: readonly HelpSection[];
  epilog?: string;
}

const MAX_HELP_POSITION = 24;
const INDENT = 2;

/** shutil.get_terminal_size().columns - 2, as argparse computes its width. */
export function helpWidth(): number {
  const fromEnv = Number.parseInt(process.env.COLUMNS ?? '', 10);
  const columns =
    fromEnv > 0 ? fromEnv : process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 80;
  return columns - 2;
}

/** argparse's _whitespace_matcher: runs of ASCII whitespace become one space. */
function collapseWhitespace(text: string): string {
  return pyStrip(text.replace(/[ \t\n\r\f\v]+/g, ' '));
}

function fillText(text: string, width: number, indent: number): string {
  const normalized = collapseWhitespace(text);
  const pad = ' '.repeat(indent);
  return wrap(normalized, Math.max(width - indent, 11), { initialIndent: pad, subsequentIndent: pad }).join(
    '\n',
  );
}

function usagePart(action: HelpAction): string {
  if (action.optionStrings.length === 0) {
    const metavar = action.metavar ?? '';
    const part = action.optional ? `[${metavar}]` : metavar;
    return action.usageSuffix ? `${part} ${action.usageSuffix}` : part;
  }
  const option = action.optionStrings[0];
  const part = action.metavar ? `${option} ${action.metavar}` : option;
  return action.required ? part : `[${part}]`;
}

function invocation(action: HelpAction): string {
  if (action.optionStrings.length === 0) return action.metavar ?? '';
  if (!action.metavar) return action.optionStrings.join(', ');
  return action.optionStrings.map((option) => `${option} ${action.metavar}`).join(', ');
}

/** argparse's _format_usage, including how it wraps a long usage line. */
export function formatUsage(prog: string, actions: readonly HelpAction[], width = helpWidth()): string {
  const prefix = 'usage: ';
  const optionals = actions.filter((a) => a.optionStrings.length > 0).map(usagePart);
  const positionals = actions.filter((a) => a.optionStrings.length === 0).map(usagePart);
  const full = [prog, ...optionals, ...positionals].filter(Boolean).join(' ');
  if (prefix.length + pyLen(full) <= width) return prefix + full;

  // Bracketed parts stay whole; other parts split on spaces ("<subcommand>", "...").
  const splitParts = (parts: string[]) =>
    parts.flatMap((part) => part.match(/\(.*?\)+(?=\s|$)|\[.*?\]+(?=\s|$)|\S+/g) ?? []);
  const optParts = splitParts(optionals);
  const posParts = splitParts(positionals);

  const getLines = (parts: string[], indent: string, withPrefix?: string): string[] => {
    const lines: string[] = [];
    let line: string[] = [];
    let lineLength = pyLen(withPrefix ?? indent) - 1;
    for (const part of parts) {
      if (lineLength + 1 + pyLen(part) > width && line.length > 0) {
        lines.push(indent + line.join(' '));
        line = [];
        lineLength = indent.length - 1;
      }
      line.push(part);
      lineLength += pyLen(part) + 1;
    }
    if (line.length > 0) lines.push(indent + line.join(' '));
    if (withPrefix !== undefined) lines[0] = lines[0].slice(indent.length);
    return lines;
  };

  let lines: string[];
  if (prefix.length + pyLen(prog) <= 0.75 * width) {
    const indent = ' '.repeat(prefix.length + pyLen(prog) + 1);
    if (optParts.length > 0) {
      lines = getLines([prog, ...optParts], indent, prefix);
      lines.push(...getLines(posParts, indent));
    } else if (posParts.length > 0) {
      lines = getLines([prog, ...posParts], indent, prefix);
    } else {
      lines = [prog];
    }
  } else {
    const indent = ' '.repeat(prefix.length);
    lines = getLines([...optParts, ...posParts], indent);
    if (lines.length > 1) lines = [...getLines(optParts, indent), ...getLines(posParts, indent)];
    lines = [prog, ...lines];
  }
  return prefix + lines.join('\n');
}

/** argparse's _format_action: the invocation, then its help from `helpPosition` on. */
function formatAction(action: HelpAction, indent: number, helpPosition: number, width: number): string[] {
  const helpWidthLeft = Math.max(width - helpPosition, 11);
  const actionWidth = helpPosition - indent - 2;
  const header = invocation(action);
  const lines: string[] = [];
  const helpLines =
    action.help && pyStrip(action.help) ? wrap(collapseWhitespace(action.help), helpWidthLeft) : [];

  if (!action.help) {
    lines.push(' '.repeat(indent) + header);
  } else if (pyLen(header) <= actionWidth) {
    // A help of blanks still pads the line, as argparse does.
    lines.push(
      ' '.repeat(indent) + header + ' '.repeat(actionWidth - pyLen(header)) + '  ' + (helpLines[0] ?? ''),
    );
    for (const line of helpLines.slice(1)) lines.push(' '.repeat(helpPosition) + line);
  } else {
    lines.push(' '.repeat(indent) + header);
    for (const line of helpLines) lines.push(' '.repeat(helpPosition) + line);
  }
  for (const sub of action.subactions ?? [])
    lines.push(...formatAction(sub, indent + INDENT, helpPosition, width));
  return lines;
}

function longestInvocation(actions: readonly HelpAction[], indent: number): number {
  let longest = 0;
  for (const action of actions) {
    longest = Math.max(longest, pyLen(invocation(action)) + indent);
    if (action.subactions) longest = Math.max(longest, longestInvocation(action.subactions, indent + INDENT));
  }
  return longest;
}

/** The whole page, ending with one newline. */
export function formatHelp(page: HelpPage, width = helpWidth()): string {
  const maxHelpPosition = Math.min(MAX_HELP_POSITION, Math.max(width - 20, INDENT * 2));
  const helpPositions = new Map<string, number>();
  for (const section of page.sections) {
    const group = section.alignment ?? 'main';
    const longest = Math.max(helpPositions.get(group) ?? 0, longestInvocation(section.actions, INDENT));
    helpPositions.set(group, longest);
  }

  const blocks = [formatUsage(page.prog, page.usage, width)];
  if (page.description !== undefined) blocks.push(fillText(page.description, width, 0));
  for (const section of page.sections) {
    if (section.actions.length === 0 && section.description === undefined) continue;
    const helpPosition = Math.min(helpPositions.get(section.alignment ?? 'main')! + 2, maxHelpPosition);
    const lines = [`${section.title.charAt(0).toUpperCase()}${section.title.slice(1)}:`];
    if (section.description !== undefined) lines.push(fillText(section.description, width, INDENT), '');
    for (const action of section.actions) lines.push(...formatAction(action, INDENT, helpPosition, width));
    blocks.push(lines.join('\n'));
  }
  if (page.epilog !== undefined) blocks.push(fillText(page.epilog, width, 0));
  // As argparse: an empty text leaves blank lines, which collapse to one.
  return (
    blocks
      .join('\n\n')
      .replace(/\n\n\n+/g, '\n\n')
      .replace(/^\n+|\n+$/g, '') + '\n'
  );
}
