import { ConfigError, quote } from './errors';

/** One assignment as written: the value after quote stripping and continuation joining. */
export interface IniValue {
  value: string;
  /** 1-based line of the `key = value` line (continuation lines follow it). */
  line: number;
}

export interface IniSection {
  name: string;
  /** Line of the section's first header (a section may be opened more than once; they merge). */
  line: number;
  /**
   * Every assignment of each key, in file order. Options read the last one (oslo.config: the last
   * value wins); all of them are kept so a multi-valued option or a "set twice" warning can see them.
   */
  entries: Map<string, IniValue[]>;
}

export interface IniDocument {
  /** Sections in order of first appearance. Names are case-sensitive (`DEFAULT` is just a name here). */
  sections: Map<string, IniSection>;
}

/** The value that counts for a key (the last assignment), or undefined when the key is not set. */
export function lastValue(section: IniSection | undefined, key: string): IniValue | undefined {
  const values = section?.entries.get(key);
  return values?.[values.length - 1];
}

interface PendingAssignment {
  section: IniSection;
  key: string;
  lines: string[];
  line: number;
}

/**
 * Parses INI text with oslo.config's `iniparser` rules, so a file oslo accepts means the same here:
 * - `[section]` headers; the line must end with `]` (no trailing comment) and the name is taken
 *   verbatim, case-sensitive;
 * - `key = value` or `key: value` (whichever separator comes first), key and value stripped, and one
 *   pair of matching surrounding quotes (`"…"` or `'…'`) removed from the value;
 * - `#` and `;` start a comment only at the beginning of a line: `key = a # b` has the value `a # b`;
 * - a line starting with a space or tab continues the previous value (joined with "\n"); a blank
 *   line ends the value, so an indented line after a blank line is an error, as in oslo;
 * - a key set twice keeps both assignments (the last wins when read).
 * Syntax errors throw a ConfigError naming `file` and the line.
 */
export function parseIni(text: string, file: string): IniDocument {
  const sections = new Map<string, IniSection>();
  let current: IniSection | null = null;
  let pending: PendingAssignment | null = null;

  function fail(line: number, detail: string): never {
    throw new ConfigError({ file, line, section: current?.name ?? null }, detail);
  }
  function flush(): void {
    if (!pending) return;
    const values = pending.section.entries.get(pending.key) ?? [];
    values.push({ value: pending.lines.join('\n'), line: pending.line });
    pending.section.entries.set(pending.key, values);
    pending = null;
  }

  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const line = lines[index].replace(/\s+$/, '');
    if (line === '') {
      flush();
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!pending) fail(lineNumber, 'unexpected continuation line (an indented line must continue a value)');
      pending.lines.push(line.trimStart());
      continue;
    }
    flush();

    if (line.startsWith('[')) {
      if (!line.endsWith(']'))
        fail(lineNumber, `invalid section header ${quote(line)}: it must end with "]"`);
      if (line.length <= 2) fail(lineNumber, 'empty section name "[]"');
      const name = line.slice(1, -1);
      const section: IniSection = sections.get(name) ?? { name, line: lineNumber, entries: new Map() };
      sections.set(name, section);
      current = section;
      continue;
    }
    if (line.startsWith('#') || line.startsWith(';')) continue;

    const equal = line.indexOf('=');
    const colon = line.indexOf(':');
    if (equal < 0 && colon < 0) {
      fail(
        lineNumber,
        `invalid line ${quote(line)}: expected "key = value", a [section] header or a comment`,
      );
    }
    const at = colon < 0 || (equal >= 0 && equal < colon) ? equal : colon;
    const key = line.slice(0, at).trim();
    const value = stripMatchingQuotes(line.slice(at + 1).trim());
    if (!key) fail(lineNumber, `invalid line ${quote(line)}: the key is empty`);
    if (!current) fail(lineNumber, `"${key}" is set before any [section] header`);
    pending = { section: current, key, lines: [value], line: lineNumber };
  }
  flush();
  return { sections };
}

/** oslo strips one pair of identical quotes around a value: `"a b"` → `a b` (a lone `"` → empty). */
function stripMatchingQuotes(value: string): string {
  if (value && (value[0] === '"' || value[0] === "'") && value[0] === value[value.length - 1]) {
    return value.slice(1, -1);
  }
  return value;
}
