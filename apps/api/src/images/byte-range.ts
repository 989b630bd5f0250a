/** An inclusive byte range of an image, as a `Range: bytes=a-b` request asks for it. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses a `Range` header against an image of `size` bytes (RFC 9110 §14.1.2, one range only, as
 * Glance serves). Returns null when the whole image should be sent — no header, another unit, or
 * a syntax the server may ignore (several ranges) — and 'unsatisfiable' for a range outside the
 * image (416).
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (header === undefined) return null;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return null;
  const [, first, last] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    // A suffix: the last N bytes.
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return null;
  return { start, end };
}
