import { pyFloatRepr, pyIntRepr } from './repr';
import {
  forEachDictEntry,
  isDictLike,
  isIntegralNumber,
  PyDict,
  PyFloat,
  type PyReadOptions,
  type PyValue,
} from './values';

/**
 * Python's json module: `loads()` keeps what JSON.parse loses (int vs float, big ints, key order),
 * so that `dumps()` writes a value back exactly as `json.dumps()` would: `", "` and `": "`
 * separators (or `","` and newlines with an indent), non-ASCII escaped as \uXXXX (ensure_ascii),
 * Python's float repr, NaN and Infinity spelled out. Glance writes its bodies this way.
 */

export interface DumpsOptions extends PyReadOptions {
  /** As json.dumps(indent=N): newlines and N spaces per level, item separator "," instead of ", ". */
  readonly indent?: number;
}

const SIMPLE_ESCAPES: Readonly<Record<number, string>> = {
  0x22: '\\"',
  0x5c: '\\\\',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x08: '\\b',
  0x0c: '\\f',
};

/** Strings json.dumps writes as they are: printable ASCII without `"` or `\\` (most of a body). */
const VERBATIM = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** json.encoder.py_encode_basestring_ascii: UTF-16 units above 0x7e become \uXXXX (pairs stay pairs). */
function encodeString(text: string): string {
  if (VERBATIM.test(text)) return '"' + text + '"';
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x20 && unit <= 0x7e && unit !== 0x22 && unit !== 0x5c) out += text[i];
    else out += SIMPLE_ESCAPES[unit] ?? `\\u${unit.toString(16).padStart(4, '0')}`;
  }
  return out + '"';
}

function encodeFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return pyFloatRepr(x);
}

interface Separators {
  open: string;
  between: string;
  close: string;
}

/** json.dumps's default: items on one line. */
const ONE_LINE: Separators = { open: '', between: ', ', close: '' };

/** The separators of one nesting level: before the first item, between items, after the last. */
function separators(options: DumpsOptions, level: number): Separators {
  const indent = options.indent;
  if (indent === undefined) return ONE_LINE;
  const inner = '\n' + ' '.repeat(indent * (level + 1));
  return { open: inner, between: ',' + inner, close: '\n' + ' '.repeat(indent * level) };
}

// Strings are built by concatenation, not arrays of items joined: a listing's body is thousands of
// small values, and the arrays were a tenth of the API's CPU time under load (in garbage).
function encode(value: unknown, options: DumpsOptions, level: number): string {
  // An undefined list item (or the whole value) is null, as JSON.stringify writes it in a list.
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return encodeString(value);
  if (typeof value === 'bigint') return pyIntRepr(value);
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return String(value);
    return isIntegralNumber(value) ? pyIntRepr(value) : encodeFloat(value);
  }
  if (value instanceof PyFloat) return encodeFloat(value.value);

  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const { open, between, close } = separators(options, level);
    let out = '[' + open;
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += between;
      out += encode(value[i], options, level + 1);
    }
    return out + close + ']';
  }
  if (!isDictLike(value)) throw new TypeError(`Object of type ${typeof value} is not JSON serializable`);
  const { open, between, close } = separators(options, level);
  let out = '';
  forEachDictEntry(value, options, (key, member) => {
    out += (out === '' ? open : between) + encodeString(key) + ': ' + encode(member, options, level + 1);
  });
  return out === '' ? '{}' : '{' + out + close + '}';
}

/**
 * `json.dumps(value)` (or with indent=N), byte for byte. Unless `lenient`, a plain object's member
 * whose value is undefined is left out, as JSON.stringify leaves it out.
 */
export function dumps(value: unknown, options: DumpsOptions = {}): string {
  return encode(value, options, 0);
}

class JsonParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parse(): PyValue {
    this.skipWhitespace();
    const value = this.value();
    this.skipWhitespace();
    if (this.pos !== this.text.length) this.fail('Extra data');
    return value;
  }

  private fail(reason: string): never {
    throw new SyntaxError(`${reason} at position ${this.pos}`);
  }

  private skipWhitespace(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos])) this.pos++;
  }

  private value(): PyValue {
    const char = this.text[this.pos];
    if (char === '{') return this.object();
    if (char === '[') return this.array();
    if (char === '"') return this.string();
    for (const [literal, result] of LITERALS) {
      if (this.text.startsWith(literal, this.pos)) {
        this.pos += literal.length;
        return result;
      }
    }
    return this.number();
  }

  private object(): PyDict {
    const dict = new PyDict();
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return dict;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail('Expecting property name enclosed in double quotes');
      const key = this.string();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail("Expecting ':' delimiter");
      this.pos++;
      this.skipWhitespace();
      // Like a Python dict: a repeated key keeps its first position and takes the last value.
      dict.set(key, this.value());
      this.skipWhitespace();
      const next = this.text[this.pos++];
      if (next === '}') return dict;
      if (next !== ',') this.fail("Expecting ',' delimiter");
    }
  }

  private array(): PyValue[] {
    const list: PyValue[] = [];
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return list;
    }
    for (;;) {
      this.skipWhitespace();
      list.push(this.value());
      this.skipWhitespace();
      const next = this.text[this.pos++];
      if (next === ']') return list;
      if (next !== ',') this.fail("Expecting ',' delimiter");
    }
  }

  private string(): string {
    let out = '';
    this.pos++;
    for (;;) {
      if (this.pos >= this.text.length) this.fail('Unterminated string');
      const char = this.text[this.pos++];
      if (char === '"') return out;
      if (char === '\\') {
        const escape = this.text[this.pos++];
        if (escape === 'u') {
          const hex = this.text.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('Invalid \\uXXXX escape');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
        } else if (escape in STRING_ESCAPES) {
          out += STRING_ESCAPES[escape];
        } else {
          this.fail('Invalid \\escape');
        }
      } else if (char.charCodeAt(0) < 0x20) {
        this.fail('Invalid control character');
      } else {
        out += char;
      }
    }
  }

  private number(): PyValue {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) this.fail('Expecting value');
    this.pos += match[0].length;
    if (match[2] === undefined && match[3] === undefined) {
      const asNumber = Number(match[0]);
      return Number.isSafeInteger(asNumber) ? asNumber : BigInt(match[0]);
    }
    return new PyFloat(Number(match[0]));
  }
}

const LITERALS: [string, PyValue][] = [
  ['null', null],
  ['true', true],
  ['false', false],
  // Python's json accepts (and writes) these non-standard constants.
  ['NaN', new PyFloat(NaN)],
  ['Infinity', new PyFloat(Infinity)],
  ['-Infinity', new PyFloat(-Infinity)],
];
const STRING_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};
const NUMBER = /(-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?/y;

/** `json.loads(text)`: dicts as PyDict, floats as PyFloat, ints beyond 2^53 as bigint. */
export function loads(text: string): PyValue {
  return new JsonParser(text).parse();
}
