import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decideVirtualSize,
  type FormatDetectorOptions,
  ImageFormatError,
  InvalidImageDataError,
} from './index';
import { qcow2Header, withMbr } from './testing/craft';
import { detect, formatNames, safetyFailures } from './testing/feed';
import { placeLuksImage, qemuImg, scratchDir } from './testing/qemu-img';

// Images qemu would open other files for, or that hide one format in another, must be refused.

const scratch = scratchDir();
const files = new Map<string, Buffer>();

function make(file: string, ...args: string[]): void {
  qemuImg(scratch.dir, ...args);
  files.set(file, readFileSync(join(scratch.dir, file)));
}

function file(name: string): Buffer {
  const data = files.get(name);
  if (data === undefined) throw new Error(`${name} was not made`);
  return Buffer.from(data);
}

beforeAll(() => {
  make('base.qcow2', 'create', '-f', 'qcow2', 'base.qcow2', '1M');
  make('top.qcow2', 'create', '-f', 'qcow2', '-b', 'base.qcow2', '-F', 'qcow2', 'top.qcow2');
  make(
    'top-v2.qcow2',
    'create',
    '-f',
    'qcow2',
    '-o',
    'compat=0.10',
    '-b',
    'base.qcow2',
    '-F',
    'qcow2',
    'top-v2.qcow2',
  );
  make(
    'external.qcow2',
    'create',
    '-f',
    'qcow2',
    '-o',
    `data_file=${join(scratch.dir, 'external.raw')}`,
    'external.qcow2',
    '1M',
  );
  make('extended-l2.qcow2', 'create', '-f', 'qcow2', '-o', 'extended_l2=on', 'extended-l2.qcow2', '1M');
  make('flat.vmdk', 'create', '-f', 'vmdk', '-o', 'subformat=monolithicFlat', 'flat.vmdk', '1M');
  make('split.vmdk', 'create', '-f', 'vmdk', '-o', 'subformat=twoGbMaxExtentSparse', 'split.vmdk', '1M');
  make('sparse.vmdk', 'create', '-f', 'vmdk', '-o', 'subformat=monolithicSparse', 'sparse.vmdk', '1M');
  make('stream.vmdk', 'create', '-f', 'vmdk', '-o', 'subformat=streamOptimized', 'stream.vmdk', '1M');
  placeLuksImage(scratch.dir, 'disk.luks');
  files.set('disk.luks', readFileSync(join(scratch.dir, 'disk.luks')));
}, 60_000);

afterAll(() => scratch.remove());

function checkFailures(data: Buffer, chunkSize?: number, options?: FormatDetectorOptions) {
  const format = detect(data, chunkSize, options).format();
  if (format === null) throw new Error('undecided');
  return { name: format.name, failures: safetyFailures(() => format.safetyCheck()) };
}

describe('qcow2', () => {
  it('passes with no backing file, data file or unknown feature', () => {
    expect(checkFailures(file('base.qcow2'))).toEqual({ name: 'qcow2', failures: {} });
  });

  it('refuses a backing file (v3)', () => {
    const { name, failures } = checkFailures(file('top.qcow2'));
    expect(name).toBe('qcow2');
    expect(failures).toEqual({ backing_file: 'Image has a backing file' });
  });

  it('refuses a backing file (v2)', () => {
    const { failures } = checkFailures(file('top-v2.qcow2'));
    expect(failures.backing_file).toBe('Image has a backing file');
    expect(failures.unknown_features).toBeUndefined();
  });

  it('refuses an external data file', () => {
    expect(checkFailures(file('external.qcow2')).failures).toEqual({ data_file: 'Image has data_file set' });
  });

  it('refuses incompatible features it does not know (extended L2 entries, bit 4)', () => {
    expect(checkFailures(file('extended-l2.qcow2')).failures).toEqual({
      unknown_features: 'Unknown QCOW2 features found',
    });
  });

  it.each([
    ['bit 5', 1n << 5n],
    ['bit 63', 1n << 63n],
    ['bit 8', 1n << 8n],
  ])('refuses an unknown incompatible feature %s set in a real image', (_, bit) => {
    const data = file('base.qcow2');
    data.writeBigUInt64BE(data.readBigUInt64BE(0x48) | bit, 0x48);
    expect(checkFailures(data).failures).toEqual({ unknown_features: 'Unknown QCOW2 features found' });
  });

  it('accepts the known incompatible features other than the data file (dirty, corrupt, compression type)', () => {
    expect(checkFailures(qcow2Header({ features: 0b1011n })).failures).toEqual({});
  });

  it('refuses versions other than 2 and 3', () => {
    expect(checkFailures(qcow2Header({ version: 4 })).failures).toEqual({
      unknown_features: 'Unsupported qcow2 version',
    });
  });

  it('is refused as several formats when an MBR is written over its first cluster', () => {
    const data = withMbr([{ type: 0x83, boot: 0x80, startLba: 2048, sectors: 2048 }], file('base.qcow2'));
    const detector = detect(data);
    expect(formatNames(detector)).toEqual(['qcow2', 'gpt']);
    expect(() => detector.format()).toThrow(new ImageFormatError('Multiple formats detected: qcow2,gpt'));
    expect(() => decideVirtualSize('qcow2', 'bare', detector)).toThrow(
      new InvalidImageDataError('Multiple formats detected: qcow2,gpt'),
    );
    expect(decideVirtualSize('qcow2', 'bare', detector, { requireImageFormatMatch: false })).toBeNull();
  });
});

describe('vmdk', () => {
  it('passes a monolithicSparse image and a streamOptimized one', () => {
    expect(checkFailures(file('sparse.vmdk'))).toEqual({ name: 'vmdk', failures: {} });
    expect(checkFailures(file('stream.vmdk'))).toEqual({ name: 'vmdk', failures: {} });
  });

  it.each([
    ['flat.vmdk', 'monolithicFlat'],
    ['split.vmdk', 'twoGbMaxExtentSparse'],
  ])('refuses the descriptor-only %s (%s), which names other files', (name) => {
    const data = file(name);
    expect(data.toString('latin1')).toContain('# Disk DescriptorFile');
    const { name: format, failures } = checkFailures(data, 65536);
    expect(format).toBe('vmdk');
    expect(failures).toEqual({ descriptor: 'Unsupported subformat' });
    expect(() => decideVirtualSize('vmdk', 'bare', detect(data))).toThrow(
      new InvalidImageDataError('Image failed safety checks'),
    );
  });

  it('sees a descriptor-only file as raw when its first chunk is too short to hold the descriptor, as oslo', () => {
    const data = file('flat.vmdk');
    // The descriptor is whatever the first chunk held once 4 bytes were in: no createType in 16 bytes.
    expect(formatNames(detect(data, 16))).toEqual(['raw']);
    expect(() => decideVirtualSize('vmdk', 'bare', detect(data, 16))).toThrow(
      new InvalidImageDataError('Image disk_format vmdk does not match stream data raw'),
    );
  });

  function withDescriptor(data: Buffer, text: string): Buffer {
    const out = Buffer.from(data);
    const start = 512;
    const end = out.indexOf(0, out.indexOf('createType', start));
    out.fill(0, start, end);
    out.write(text, start, 'latin1');
    return out;
  }

  const SPARSE_DESCRIPTOR = '# Disk DescriptorFile\nversion=1\ncreateType="monolithicSparse"\n';

  it('refuses an embedded descriptor whose extent has a path', () => {
    const data = withDescriptor(file('sparse.vmdk'), `${SPARSE_DESCRIPTOR}RW 2048 SPARSE "/etc/passwd"\n`);
    expect(checkFailures(data).failures).toEqual({ descriptor: 'Invalid extent filenames found' });
  });

  it('refuses an embedded descriptor with no extent', () => {
    const data = withDescriptor(file('sparse.vmdk'), SPARSE_DESCRIPTOR);
    expect(checkFailures(data).failures).toEqual({ descriptor: 'No extents found' });
  });

  it('refuses an embedded descriptor with a line it does not understand', () => {
    const data = withDescriptor(
      file('sparse.vmdk'),
      `${SPARSE_DESCRIPTOR}RW 2048 SPARSE "s.vmdk"\nfoo bar\n`,
    );
    expect(checkFailures(data).failures).toEqual({ descriptor: 'Invalid VMDK descriptor data' });
  });

  /**
   * stream.vmdk as VMware streams it (qemu never does): the header's grain directory offset says
   * "at the end", and the stream ends with a footer marker, a footer (the header with the real
   * offset) and an end-of-stream marker, 512 bytes each.
   */
  function withFooter(edit: (footer: Buffer) => void = () => undefined): Buffer {
    const data = file('stream.vmdk');
    const footer = Buffer.from(data.subarray(0, 512));
    data.writeBigUInt64LE(0xffffffffffffffffn, 56);
    const footerMarker = Buffer.alloc(512);
    footerMarker.writeUInt32LE(3, 12);
    const tail = Buffer.concat([footerMarker, footer, Buffer.alloc(512)]);
    edit(tail);
    return Buffer.concat([data, tail]);
  }

  it('passes a streamOptimized image with a valid footer, in any chunking', () => {
    for (const chunk of [1, 511, 65536, 1 << 30]) {
      expect(checkFailures(withFooter(), chunk)).toEqual({ name: 'vmdk', failures: {} });
    }
  });

  it.each<[string, (tail: Buffer) => void, string]>([
    [
      'a damaged end-of-stream marker',
      (tail) => tail.writeUInt32LE(7, 1024 + 12),
      'End-of-stream marker is invalid',
    ],
    ['a damaged footer marker', (tail) => (tail[100] = 1), 'Footer marker is invalid'],
    [
      'a footer naming another descriptor',
      (tail) => tail.writeBigUInt64LE(tail.readBigUInt64LE(512 + 36) + 1n, 512 + 36),
      'Footer specifies a different descriptor than header',
    ],
    [
      'a footer announcing another footer',
      (tail) => tail.writeBigUInt64LE(0xffffffffffffffffn, 512 + 56),
      'Footer indicates another footer',
    ],
    [
      'a footer of another version',
      (tail) => tail.writeUInt32LE(1, 512 + 4),
      'Header and footer versions do not match',
    ],
  ])('refuses a streamOptimized image with %s', (_, edit, reason) => {
    expect(checkFailures(withFooter(edit), 4096).failures).toEqual({ footer: reason });
  });

  it('takes its allowed createTypes from vmdkAllowedTypes', () => {
    const onlyStream = { vmdkAllowedTypes: ['streamOptimized'] };
    expect(checkFailures(file('stream.vmdk'), 65536, onlyStream).failures).toEqual({});
    expect(checkFailures(file('sparse.vmdk'), 65536, onlyStream).failures).toEqual({
      descriptor: 'Unsupported subformat',
    });
    expect(detect(file('sparse.vmdk'), 65536, onlyStream).format()?.virtualSize).toBe(0);
    expect(checkFailures(file('stream.vmdk'), 65536, { vmdkAllowedTypes: [] }).failures).toEqual({
      descriptor: 'Unsupported subformat',
    });
  });
});

describe('luks', () => {
  it('passes a LUKS1 image', () => {
    expect(checkFailures(file('disk.luks'))).toEqual({ name: 'luks', failures: {} });
  });

  it('refuses other LUKS versions', () => {
    const data = file('disk.luks');
    data.writeUInt16BE(2, 6);
    expect(checkFailures(data).failures).toEqual({ version: 'LUKS version 2 is not supported' });
  });
});

describe('gpt', () => {
  it('passes a protective MBR and a legacy MBR with partitions', () => {
    expect(checkFailures(withMbr([{ type: 0xee }]))).toEqual({ name: 'gpt', failures: {} });
    expect(checkFailures(withMbr([{ type: 0x83, boot: 0x80 }, { type: 0x82 }]))).toEqual({
      name: 'gpt',
      failures: {},
    });
  });

  it.each<[string, Parameters<typeof withMbr>[0], string]>([
    ['an invalid boot flag', [{ type: 0x83, boot: 0x01 }], 'MBR PTE 0 has invalid boot flag'],
    ['no partition', [], 'GPT MBR has no partitions defined'],
    [
      'a protective partition beside others',
      [{ type: 0xee }, { type: 0x83 }],
      'GPT MBR defines invalid extra partitions',
    ],
    [
      'a protective partition not first',
      [{ type: 0 }, { type: 0xee }],
      'GPT MBR defines invalid extra partitions',
    ],
    [
      'a protective partition at the wrong CHS',
      [{ type: 0xee, startChs: [0, 1, 0] }],
      'GPT MBR has invalid start CHS',
    ],
    [
      'a protective partition at the wrong LBA',
      [{ type: 0xee, startLba: 2 }],
      'GPT MBR has invalid start LBA',
    ],
  ])('refuses %s', (_, partitions, reason) => {
    expect(checkFailures(withMbr(partitions))).toEqual({ name: 'gpt', failures: { mbr: reason } });
  });

  it('does not take a FAT boot sector (two FATs, fixed disk) for an MBR', () => {
    const data = withMbr([{ type: 0x83 }]);
    data[0x10] = 2;
    data[0x15] = 0xf8;
    expect(formatNames(detect(data))).toEqual(['raw']);
  });

  it('lets gpt_safety_checks_nonfatal tolerate MBR failures, for gpt only', () => {
    const detector = detect(withMbr([]));
    expect(() => decideVirtualSize('gpt', 'bare', detector)).toThrow(
      new InvalidImageDataError('Image failed safety checks'),
    );
    expect(decideVirtualSize('gpt', 'bare', detector, { gptSafetyChecksNonfatal: ['mbr'] })).toBe(4096);
    expect(() =>
      decideVirtualSize('qcow2', 'bare', detect(file('top.qcow2')), {
        gptSafetyChecksNonfatal: ['backing_file'],
      }),
    ).toThrow(new InvalidImageDataError('Image failed safety checks'));
  });
});

describe('qed', () => {
  it('is always refused', () => {
    const data = Buffer.alloc(1024);
    data.write('QED\0', 0, 'latin1');
    expect(checkFailures(data)).toEqual({
      name: 'qed',
      failures: { banned: 'This file format is not allowed' },
    });
  });
});

describe('safetyCheck before the inspection is complete', () => {
  it('throws ImageFormatError rather than passing', () => {
    // Matched on its identity, but the stream ended before its region table.
    const vhdx = Buffer.alloc(100);
    vhdx.write('vhdxfile', 0, 'latin1');
    const format = detect(vhdx).format();
    expect(format?.name).toBe('vhdx');
    expect(format?.virtualSize).toBe(0);
    expect(() => format?.safetyCheck()).toThrow(
      new ImageFormatError('Incomplete file cannot be safety checked'),
    );
  });

  it('is not reached for a qcow2 shorter than its 512-byte header region: that is raw', () => {
    expect(formatNames(detect(qcow2Header({ length: 300 })))).toEqual(['raw']);
  });
});
