import {
  compareCodePoints,
  pythonLength,
  pythonSplitLinesKeepEnds,
  PYTHON_WHITESPACE_CLASS,
} from './python-text';

/**
 * CPython's `repr()`, `str()` and `pprint.pformat()` for the JSON-shaped values that reach Glance's
 * messages: jsonschema builds its error text from them (`'x' is too long`, `None is not of type
 * 'string'`, the pretty-printed schema and instance), and Glance formats other messages with `%s`.
 *
 * JavaScript values map to Python as they cross JSON: null → None, booleans → True/False, integral
 * numbers → int, other numbers → float, arrays → list, plain objects → dict (in JavaScript's key
 * order, which differs from Python's insertion order only for integer-like keys).
 */

/** Thrown for a value no JSON document can hold (undefined, a function, a symbol...). */
export class UnrepresentableValueError extends Error {}

export function pythonRepr(value: unknown): string {
  return render(value, false);
}

/** `str(value)`: the text itself for a string, `repr()` otherwise. */
export function pythonStr(value: unknown): string {
  return typeof value === 'string' ? value : pythonRepr(value);
}

function render(value: unknown, sortDicts: boolean): string {
  switch (typeof value) {
    case 'string':
      return quoteString(value);
    case 'boolean':
      return value ? 'True' : 'False';
    case 'number':
      return numberRepr(value);
    case 'object': {
      if (value === null) return 'None';
      if (Array.isArray(value)) return `[${value.map((item) => render(item, sortDicts)).join(', ')}]`;
      const entries = dictEntries(value, sortDicts);
      return `{${entries.map(([key, item]) => `${quoteString(key)}: ${render(item, sortDicts)}`).join(', ')}}`;
    }
    default:
      throw new UnrepresentableValueError(`a ${typeof value} has no Python representation`);
  }
}

function dictEntries(value: object, sorted: boolean): Array<[string, unknown]> {
  const entries = Object.entries(value).filter(([, item]) => item !== undefined);
  return sorted ? entries.sort(([a], [b]) => compareCodePoints(a, b)) : entries;
}

function numberRepr(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return Object.is(value, -0) ? '0' : String(value);
  return pythonFloatRepr(value);
}

/**
 * CPython's `repr(float)`: the shortest round-tripping digits (JavaScript finds the same ones),
 * positional when the decimal exponent is in [-4, 16), otherwise `d.ddde±XX`; integral values keep
 * a trailing `.0`.
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  if (value === 0) return `${sign}0.0`;
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const pointPosition = Number(exponentText) + 1;
  if (pointPosition > -4 && pointPosition <= 16) {
    if (pointPosition <= 0) return `${sign}0.${'0'.repeat(-pointPosition)}${digits}`;
    if (pointPosition >= digits.length)
      return `${sign}${digits}${'0'.repeat(pointPosition - digits.length)}.0`;
    return `${sign}${digits.slice(0, pointPosition)}.${digits.slice(pointPosition)}`;
  }
  const exponent = pointPosition - 1;
  const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
  return `${sign}${digits[0]}${fraction}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

// str.isprintable() is false for these categories (the ASCII space excepted). JavaScript's Unicode
// tables are newer than CPython 3.11's (14.0): a character assigned since then is printed as is
// here, escaped by CPython.
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** CPython's unicode_repr: single quotes unless the text has a ' and no ". */
function quoteString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (char === quote || char === '\\') out += `\\${char}`;
    else if (char === '\t') out += '\\t';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${hex(code, 2)}`;
    else if (code < 0x7f || !NON_PRINTABLE.test(char)) out += char;
    else if (code <= 0xff) out += `\\x${hex(code, 2)}`;
    else if (code <= 0xffff) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return out + quote;
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

const WORD_AND_SPACE = new RegExp(`[^${PYTHON_WHITESPACE_CLASS}]*[${PYTHON_WHITESPACE_CLASS}]*`, 'gu');

/**
 * `pprint.pformat(value, width=width)` (indent 1, sort_dicts=True, not compact): what jsonschema
 * prints under "Failed validating ..." and "On instance...". A port of CPython 3.11's
 * PrettyPrinter for the types JSON produces: a value whose repr fits stays on one line; a dict,
 * list or string that does not is broken up, a string into adjacent literals at word boundaries.
 */
export function pythonPformat(value: unknown, width = 72): string {
  const out: string[] = [];
  new PrettyPrinter(width).format(value, out, 0, 0, 0);
  return out.join('');
}

class PrettyPrinter {
  constructor(private readonly width: number) {}

  format(value: unknown, out: string[], indent: number, allowance: number, level: number): void {
    const rep = render(value, true);
    if (pythonLength(rep) > this.width - indent - allowance) {
      if (typeof value === 'string') return this.formatString(value, out, indent, allowance, level + 1);
      if (Array.isArray(value)) return this.formatList(value, out, indent, allowance, level + 1);
      if (typeof value === 'object' && value !== null) {
        return this.formatDict(value, out, indent, allowance, level + 1);
      }
    }
    out.push(rep);
  }

  private formatDict(value: object, out: string[], indent: number, allowance: number, level: number): void {
    out.push('{');
    const entries = dictEntries(value, true);
    const itemIndent = indent + 1;
    entries.forEach(([key, item], index) => {
      const last = index === entries.length - 1;
      const keyRep = quoteString(key);
      out.push(keyRep, ': ');
      this.format(item, out, itemIndent + pythonLength(keyRep) + 2, last ? allowance + 1 : 1, level);
      if (!last) out.push(`,\n${' '.repeat(itemIndent)}`);
    });
    out.push('}');
  }

  private formatList(
    value: unknown[],
    out: string[],
    indent: number,
    allowance: number,
    level: number,
  ): void {
    out.push('[');
    const itemIndent = indent + 1;
    value.forEach((item, index) => {
      const last = index === value.length - 1;
      if (index > 0) out.push(`,\n${' '.repeat(itemIndent)}`);
      this.format(item, out, itemIndent, last ? allowance + 1 : 1, level);
    });
    out.push(']');
  }

  private formatString(value: string, out: string[], indent: number, allowance: number, level: number): void {
    if (value.length === 0) {
      out.push(quoteString(value));
      return;
    }
    // At the top level the literals are wrapped in parentheses, which take a column each side.
    if (level === 1) {
      indent += 1;
      allowance += 1;
    }
    const maxWidth = this.width - indent;
    const chunks: string[] = [];
    const lines = pythonSplitLinesKeepEnds(value);
    lines.forEach((line, lineIndex) => {
      const lastLine = lineIndex === lines.length - 1;
      const rep = quoteString(line);
      if (pythonLength(rep) <= (lastLine ? maxWidth - allowance : maxWidth)) {
        chunks.push(rep);
        return;
      }
      // Alternating runs of non-space and space, the last (empty) match dropped as pprint does.
      const parts = [...line.matchAll(WORD_AND_SPACE)].map((match) => match[0]);
      parts.pop();
      let current = '';
      parts.forEach((part, partIndex) => {
        const candidate = current + part;
        const limit = partIndex === parts.length - 1 && lastLine ? maxWidth - allowance : maxWidth;
        if (pythonLength(quoteString(candidate)) > limit) {
          if (current) chunks.push(quoteString(current));
          current = part;
        } else {
          current = candidate;
        }
      });
      if (current) chunks.push(quoteString(current));
    });
    if (chunks.length === 1) {
      out.push(quoteString(value));
      return;
    }
    if (level === 1) out.push('(');
    out.push(chunks.join(`\n${' '.repeat(indent)}`));
    if (level === 1) out.push(')');
  }
}
