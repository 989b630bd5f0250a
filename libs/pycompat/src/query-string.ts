/**
 * Query strings as Python web code reads and writes them: webob's `parse_qsl_text` (what a WSGI
 * application such as Glance sees in `request.params`) and `urllib.parse.urlencode`.
 */

/**
 * webob's `parse_qsl_text`: `+` is a space, pairs split on `&` and `;`, empty pieces dropped, a
 * piece without `=` has an empty value, `%XX` decoded to bytes then UTF-8. A `%` not followed by
 * two characters Python's `int(x, 16)` reads as a byte stays as it is. The raw query is the request
 * line's bytes, each character of the string standing for one byte (as WSGI passes it); a
 * character above U+00FF is taken as its UTF-8 bytes. Invalid UTF-8 becomes U+FFFD (webob fails).
 * A leading `?` is ignored.
 */
export function parseWebobQueryString(raw: string): Array<[string, string]> {
  const bytes = toBytes(raw.startsWith('?') ? raw.slice(1) : raw).map((byte) =>
    byte === 0x2b ? 0x20 : byte,
  );
  const pairs: Array<[string, string]> = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i += 1) {
    if (i < bytes.length && bytes[i] !== 0x26 && bytes[i] !== 0x3b) continue;
    const piece = bytes.slice(start, i);
    start = i + 1;
    if (piece.length === 0) continue;
    const equals = piece.indexOf(0x3d);
    const name = equals < 0 ? piece : piece.slice(0, equals);
    const value = equals < 0 ? [] : piece.slice(equals + 1);
    pairs.push([decodeUtf8(unquoteBytes(name)), decodeUtf8(unquoteBytes(value))]);
  }
  return pairs;
}

function toBytes(text: string): number[] {
  const bytes: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (code <= 0xff) bytes.push(code);
    else bytes.push(...new TextEncoder().encode(char));
  }
  return bytes;
}

/**
 * webob's `unquote`: split on `%`, and read the first two bytes of each following piece (never
 * past the next `%`) as a hex byte, keeping the `%` when they are not one.
 */
function unquoteBytes(bytes: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < bytes.length && bytes[i] !== 0x25) out.push(bytes[i++]);
  while (i < bytes.length) {
    let end = i + 1;
    while (end < bytes.length && bytes[end] !== 0x25) end += 1;
    const piece = bytes.slice(i + 1, end);
    const value = hexByte(piece.slice(0, 2));
    if (value === undefined) out.push(0x25, ...piece);
    else out.push(value, ...piece.slice(2));
    i = end;
  }
  return out;
}

/** `bytes([int(two_bytes, 16)])`: surrounding ASCII whitespace and a sign are allowed by int(). */
function hexByte(bytes: number[]): number | undefined {
  const text = String.fromCharCode(...bytes).replace(/^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g, '');
  const match = /^([+-]?)([0-9a-fA-F]+)$/.exec(text);
  if (!match) return undefined;
  const value = (match[1] === '-' ? -1 : 1) * parseInt(match[2], 16);
  return value >= 0 && value <= 0xff ? value : undefined;
}

function decodeUtf8(bytes: number[]): string {
  // Python keeps a byte order mark; TextDecoder drops it unless told not to.
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(Uint8Array.from(bytes));
}

const URL_SAFE = /^[A-Za-z0-9_.~-]$/;

/** `urllib.parse.urlencode(pairs)`: `quote_plus` on keys and values (UTF-8). */
export function urlencode(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([key, value]) => `${quotePlus(key)}=${quotePlus(value)}`).join('&');
}

/** `urllib.parse.quote_plus(text)`. */
export function quotePlus(text: string): string {
  let out = '';
  for (const char of text) {
    if (char === ' ') out += '+';
    else if (URL_SAFE.test(char)) out += char;
    else
      for (const byte of new TextEncoder().encode(char))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
