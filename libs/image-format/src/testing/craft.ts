/** Small hand-made images, for the cases qemu-img does not make. */

export interface Qcow2HeaderOptions {
  version?: number;
  size?: number;
  backingFileOffset?: number;
  /** The incompatible-features bitfield. */
  features?: bigint;
  /** Total length (the inspector needs 512 bytes). */
  length?: number;
}

/** A qcow2 header with no tables: enough for the inspector, not for qemu. */
export function qcow2Header(options: Qcow2HeaderOptions = {}): Buffer {
  const data = Buffer.alloc(options.length ?? 1024);
  data.write('QFI\xfb', 0, 'latin1');
  data.writeUInt32BE(options.version ?? 3, 4);
  data.writeBigUInt64BE(BigInt(options.backingFileOffset ?? 0), 8);
  data.writeUInt32BE(16, 20);
  data.writeBigUInt64BE(BigInt(options.size ?? 1 << 30), 24);
  if ((options.version ?? 3) >= 3) {
    data.writeBigUInt64BE(options.features ?? 0n, 0x48);
    data.writeUInt32BE(104, 100);
  }
  return data;
}

export interface PartitionEntry {
  boot?: number;
  type: number;
  startChs?: [number, number, number];
  startLba?: number;
  sectors?: number;
}

/** `data` (or 4 KiB of zeros) with an MBR partition table and signature written over its first sector. */
export function withMbr(partitions: PartitionEntry[], data: Buffer = Buffer.alloc(4096)): Buffer {
  const out = Buffer.from(data);
  partitions.forEach((partition, i) => {
    const at = 446 + 16 * i;
    out[at] = partition.boot ?? 0;
    const [h, s, c] = partition.startChs ?? [0, 2, 0];
    out[at + 1] = h;
    out[at + 2] = s;
    out[at + 3] = c;
    out[at + 4] = partition.type;
    out.writeUInt32LE(partition.startLba ?? 1, at + 8);
    out.writeUInt32LE(partition.sectors ?? 0xffffffff, at + 12);
  });
  out.writeUInt16LE(0xaa55, 510);
  return out;
}

/** A protective MBR, as GPT disks have. */
export const PROTECTIVE_MBR: PartitionEntry[] = [{ type: 0xee, startChs: [0, 2, 0], startLba: 1 }];

export interface IsoOptions {
  descriptorType?: number;
  identifier?: string;
  blocks?: number;
  blockSize?: number;
  length?: number;
}

/** An ISO 9660 image reduced to its first volume descriptor, after the 32 KiB system area. */
export function isoImage(options: IsoOptions = {}): Buffer {
  const data = Buffer.alloc(options.length ?? 40 * 1024);
  const pvd = 32 * 1024;
  data[pvd] = options.descriptorType ?? 1;
  data.write(options.identifier ?? 'CD001', pvd + 1, 'latin1');
  data[pvd + 6] = 1;
  const blocks = options.blocks ?? 1000;
  const blockSize = options.blockSize ?? 2048;
  // Both-endian fields: little-endian then big-endian.
  data.writeUInt32LE(blocks, pvd + 80);
  data.writeUInt32BE(blocks, pvd + 84);
  data.writeUInt16LE(blockSize, pvd + 128);
  data.writeUInt16BE(blockSize, pvd + 130);
  return data;
}
