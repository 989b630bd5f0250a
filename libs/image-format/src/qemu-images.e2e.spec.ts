import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decideVirtualSize, FormatDetector, InvalidImageDataError } from './index';
import { detect, formatNames } from './testing/feed';
import { placeLuksImage, qemuImg, qemuInfo, scratchDir } from './testing/qemu-img';

// Images made by qemu-img, the reference: each is fed in chunks of several sizes and the detector
// must name its format and find the virtual size `qemu-img info` reports.

interface RealImage {
  file: string;
  /** The detector's name for it. */
  format: string;
  /** qemu-img arguments that make it, run in the scratch directory; none for a file beforeAll places. */
  make: string[];
}

const IMAGES: RealImage[] = [
  {
    file: 'v2.qcow2',
    format: 'qcow2',
    make: ['create', '-f', 'qcow2', '-o', 'compat=0.10', 'v2.qcow2', '10M'],
  },
  { file: 'v3.qcow2', format: 'qcow2', make: ['create', '-f', 'qcow2', 'v3.qcow2', '1G'] },
  {
    // Not a multiple of the 4 KiB clusters (qemu rounds it up to whole sectors).
    file: 'odd.qcow2',
    format: 'qcow2',
    make: ['create', '-f', 'qcow2', '-o', 'cluster_size=4096', 'odd.qcow2', '10000000'],
  },
  { file: 'big.qcow2', format: 'qcow2', make: ['create', '-f', 'qcow2', 'big.qcow2', '3T'] },
  {
    file: 'data.qcow2',
    format: 'qcow2',
    make: ['convert', '-f', 'raw', '-O', 'qcow2', 'data.raw', 'data.qcow2'],
  },
  {
    file: 'sparse.vmdk',
    format: 'vmdk',
    make: ['create', '-f', 'vmdk', '-o', 'subformat=monolithicSparse', 'sparse.vmdk', '20M'],
  },
  {
    file: 'stream.vmdk',
    format: 'vmdk',
    make: ['create', '-f', 'vmdk', '-o', 'subformat=streamOptimized', 'stream.vmdk', '20M'],
  },
  {
    // Compressed grains after the metadata.
    file: 'stream-data.vmdk',
    format: 'vmdk',
    make: [
      'convert',
      '-f',
      'raw',
      '-O',
      'vmdk',
      '-o',
      'subformat=streamOptimized',
      'data.raw',
      'stream-data.vmdk',
    ],
  },
  { file: 'dynamic.vhd', format: 'vhd', make: ['create', '-f', 'vpc', 'dynamic.vhd', '20M'] },
  { file: 'disk.vhdx', format: 'vhdx', make: ['create', '-f', 'vhdx', 'disk.vhdx', '5000000'] },
  { file: 'disk.vdi', format: 'vdi', make: ['create', '-f', 'vdi', 'disk.vdi', '20M'] },
  { file: 'disk.qed', format: 'qed', make: ['create', '-f', 'qed', 'disk.qed', '20M'] },
  { file: 'disk.raw', format: 'raw', make: ['create', '-f', 'raw', 'disk.raw', '100000'] },
  { file: 'data.raw', format: 'raw', make: [] },
  // Vendored: placed by beforeAll.
  { file: 'disk.luks', format: 'luks', make: [] },
];

const CHUNK_SIZES: [string, (length: number) => number][] = [
  ['1-byte chunks', () => 1],
  ['511-byte chunks', () => 511],
  ['4096-byte chunks', () => 4096],
  ['65536-byte chunks', () => 65536],
  ['a single chunk', (length) => Math.max(length, 1)],
];

interface Made {
  data: Buffer;
  qemuFormat: string;
  qemuVirtualSize: number;
}

const scratch = scratchDir();
const made = new Map<string, Made>();

beforeAll(() => {
  // 3 MiB with data in some places and holes in others, to convert into images with allocated clusters.
  const raw = Buffer.alloc(3 << 20);
  for (let at = 0; at < raw.length; at += 256 * 1024) randomBytes(70000).copy(raw, at);
  // No chance of a stray MBR signature or magic number: raw must stay raw.
  raw.fill(0, 0, 512);
  raw.fill(0, 32 * 1024, 34 * 1024);
  writeFileSync(join(scratch.dir, 'data.raw'), raw);
  placeLuksImage(scratch.dir, 'disk.luks');
  for (const image of IMAGES) {
    if (image.make.length > 0) qemuImg(scratch.dir, ...image.make);
    const info = qemuInfo(scratch.dir, image.file);
    made.set(image.file, {
      data: readFileSync(join(scratch.dir, image.file)),
      qemuFormat: info.format,
      qemuVirtualSize: info.virtualSize,
    });
  }
}, 120_000);

afterAll(() => scratch.remove());

function image(file: string): Made {
  const found = made.get(file);
  if (found === undefined) throw new Error(`${file} was not made`);
  return found;
}

describe.each(IMAGES)('$file', ({ file, format }) => {
  it('is the format qemu-img says', () => {
    expect(image(file).qemuFormat).toBe(format === 'vhd' ? 'vpc' : format);
  });

  it.each(CHUNK_SIZES)(`is detected as ${format} with qemu-img's virtual size, fed in %s`, (_, size) => {
    const { data, qemuVirtualSize } = image(file);
    const detector = detect(data, size(data.length));
    const detected = detector.format();
    expect(detected?.name).toBe(format);
    expect(detected?.actualSize).toBe(data.length);
    if (format === 'qed') {
      // oslo reads no QED size (the format is refused anyway): it reports the bytes seen.
      expect(detected?.virtualSize).toBe(data.length);
      expect(detected?.virtualSize).not.toBe(qemuVirtualSize);
    } else {
      expect(detected?.virtualSize).toBe(qemuVirtualSize);
    }
  });

  it('passes the safety checks (QED is refused) and Glance records its virtual size', () => {
    const { data, qemuVirtualSize } = image(file);
    const detector = detect(data);
    expect(formatNames(detector)).toEqual([format]);
    if (format === 'qed') {
      expect(() => detector.format()?.safetyCheck()).toThrow('Safety checks failed: banned');
      expect(() => decideVirtualSize('qed', 'bare', detector)).toThrow(
        new InvalidImageDataError('Image failed safety checks'),
      );
    } else {
      expect(() => detector.format()?.safetyCheck()).not.toThrow();
      expect(decideVirtualSize(format, 'bare', detector)).toBe(qemuVirtualSize);
    }
  });
});

describe('a detector fed a real qcow2', () => {
  it('is decided once every format has what it needs, before the end of a large stream', () => {
    const { data } = image('data.qcow2');
    expect(data.length).toBeGreaterThan(256 * 1024);
    const fresh = new FormatDetector();
    fresh.update(data.subarray(0, 200 * 1024));
    expect(fresh.decided).toBe(false);
    expect(fresh.formats()).toBeNull();
    expect(fresh.format()).toBeNull();
    // VHDX's region table ends at 256 KiB: the last structure any format needs at a fixed place.
    fresh.update(data.subarray(200 * 1024, 256 * 1024));
    expect(fresh.decided).toBe(true);
    expect(fresh.bytesSeen).toBe(256 * 1024);
    expect(fresh.format()?.name).toBe('qcow2');
    expect(fresh.format()?.virtualSize).toBe(image('data.qcow2').qemuVirtualSize);
  });
});
