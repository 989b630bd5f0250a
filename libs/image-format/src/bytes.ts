/** Big-endian and little-endian 64-bit reads as numbers (exact up to 2^53, which covers any real disk). */
export function u64le(data: Buffer, offset: number): number {
  return Number(data.readBigUInt64LE(offset));
}

export function u64be(data: Buffer, offset: number): number {
  return Number(data.readBigUInt64BE(offset));
}

export function startsWith(data: Buffer, magic: Buffer): boolean {
  return data.length >= magic.length && data.compare(magic, 0, magic.length, 0, magic.length) === 0;
}
