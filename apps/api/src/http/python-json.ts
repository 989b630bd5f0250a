/**
 * JSON text as Python's `json.dumps(obj)` writes it: `", "` and `": "` separators, non-ASCII
 * escaped as \uXXXX (ensure_ascii). Glance builds its bodies that way; clients must not depend on
 * it, but byte-for-byte compatibility costs nothing and keeps Content-Length identical.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return escapeString(value);
    case 'number':
      return Number.isFinite(value)
        ? String(value)
        : value > 0
          ? 'Infinity'
          : Number.isNaN(value)
            ? 'NaN'
            : '-Infinity';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
      return `{${Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${escapeString(k)}: ${pythonJsonDumps(v)}`)
        .join(', ')}}`;
    default:
      throw new TypeError(`cannot serialise a ${typeof value} as JSON`);
  }
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

function escapeString(text: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${text.replace(/["\\\u0000-\u001f\u007f-\uffff]/g, (ch) => ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/**
 * A response body as Glance sends it. A Buffer, not a string: Fastify would append
 * `; charset=utf-8` to the Content-Type of a string payload, and Glance sends plain `application/json`.
 */
export const pythonJsonBody = (value: unknown): Buffer => Buffer.from(pythonJsonDumps(value));
