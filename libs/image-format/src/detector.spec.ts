import { randomBytes } from 'node:crypto';
import {
  decideVirtualSize,
  FormatDetector,
  ImageFormatError,
  INSPECTABLE_FORMATS,
  InvalidImageDataError,
} from './index';
import { isoImage, PROTECTIVE_MBR, qcow2Header, withMbr } from './testing/craft';
import { detect, formatNames } from './testing/feed';

const CHUNKS = [1, 511, 4096, 65536, 1 << 30];

describe('INSPECTABLE_FORMATS', () => {
  it("lists oslo's formats", () => {
    expect(INSPECTABLE_FORMATS).toEqual([
      'raw',
      'qcow2',
      'vhd',
      'vhdx',
      'vmdk',
      'vdi',
      'qed',
      'iso',
      'gpt',
      'luks',
    ]);
  });
});

describe('iso', () => {
  it.each(CHUNKS)(
    'sizes a primary volume descriptor as blocks times block size (%p-byte chunks)',
    (chunk) => {
      const format = detect(isoImage({ blocks: 1000, blockSize: 2048 }), chunk).format();
      expect(format?.name).toBe('iso');
      expect(format?.virtualSize).toBe(2_048_000);
      expect(() => format?.safetyCheck()).not.toThrow();
    },
  );

  it('uses the block size the descriptor gives', () => {
    expect(detect(isoImage({ blocks: 4000, blockSize: 512 })).format()?.virtualSize).toBe(2_048_000);
  });

  it('recognises UDF, and sizes nothing but a primary volume descriptor', () => {
    expect(detect(isoImage({ identifier: 'NSR02' })).format()?.virtualSize).toBe(2_048_000);
    const supplementary = detect(isoImage({ descriptorType: 2 })).format();
    expect(supplementary?.name).toBe('iso');
    expect(supplementary?.virtualSize).toBe(0);
  });

  it('is raw without the identifier, or when the stream ends inside the descriptor', () => {
    expect(formatNames(detect(isoImage({ identifier: 'CD002' })))).toEqual(['raw']);
    expect(formatNames(detect(isoImage().subarray(0, 33 * 1024)))).toEqual(['raw']);
  });

  it('with a GPT in front matches both, and Glance takes it as the ISO', () => {
    const data = withMbr(PROTECTIVE_MBR, isoImage());
    const detector = detect(data, 4096);
    expect(formatNames(detector)).toEqual(['iso', 'gpt']);
    expect(() => detector.format()).toThrow(new ImageFormatError('Multiple formats detected: iso,gpt'));
    expect(decideVirtualSize('iso', 'bare', detector)).toBe(2_048_000);
    // Declared gpt, the pair is still read as the ISO.
    expect(() => decideVirtualSize('gpt', 'bare', detector)).toThrow(
      new InvalidImageDataError('Image disk_format gpt does not match stream data iso'),
    );
    // Declared raw: its length.
    expect(decideVirtualSize('raw', 'bare', detector)).toBe(data.length);
  });
});

describe('FormatDetector', () => {
  it('counts the bytes fed and ignores empty chunks and chunks after finish()', () => {
    const detector = new FormatDetector();
    detector.update(Buffer.alloc(1000));
    detector.update(Buffer.alloc(0));
    detector.update(Buffer.alloc(24));
    expect(detector.bytesSeen).toBe(1024);
    detector.finish();
    detector.update(qcow2Header());
    expect(detector.bytesSeen).toBe(1024);
    expect(detector.format()?.name).toBe('raw');
    expect(detector.format()?.virtualSize).toBe(1024);
  });

  it('is undecided until every specific format has what it needs or the stream ends', () => {
    const detector = new FormatDetector();
    detector.update(qcow2Header({ length: 4096 }));
    expect(detector.decided).toBe(false);
    expect(detector.formats()).toBeNull();
    expect(detector.format()).toBeNull();
    detector.finish();
    expect(detector.decided).toBe(true);
    expect(detector.format()?.name).toBe('qcow2');
  });

  it('is decided after 256 KiB of zeros: raw', () => {
    const detector = new FormatDetector();
    detector.update(Buffer.alloc(256 * 1024 - 1));
    expect(detector.decided).toBe(false);
    detector.update(Buffer.alloc(1));
    expect(detector.decided).toBe(true);
    expect(formatNames(detector)).toEqual(['raw']);
  });

  it('copies what it keeps: reusing a chunk buffer after update() does not change the answer', () => {
    const data = qcow2Header({ size: 123456789 * 512 });
    const detector = new FormatDetector();
    const chunk = Buffer.alloc(100);
    for (let offset = 0; offset < data.length; offset += chunk.length) {
      data.copy(chunk, 0, offset, offset + chunk.length);
      detector.update(chunk.subarray(0, Math.min(chunk.length, data.length - offset)));
      chunk.fill(0xff);
    }
    detector.finish();
    expect(detector.format()?.name).toBe('qcow2');
    expect(detector.format()?.virtualSize).toBe(123456789 * 512);
  });

  it.each([
    ['random bytes', () => randomBytes(300_000)],
    ['0xff', () => Buffer.alloc(300_000, 0xff)],
    ['text', () => Buffer.from('createType="monolithicSparse"\nKDMV QFI conectix vhdxfile '.repeat(5000))],
  ])('never throws from update(), whatever the data (%s)', (_, make) => {
    const data = make();
    for (const chunk of CHUNKS) {
      const detector = new FormatDetector();
      expect(() => {
        for (let offset = 0; offset < data.length; offset += chunk)
          detector.update(data.subarray(offset, offset + chunk));
      }).not.toThrow();
      detector.finish();
      expect(detector.formats()).not.toBeNull();
    }
  });

  it('considers only allowedFormats, and has no answer for unrecognised data when raw is left out', () => {
    const qcow2 = qcow2Header();
    expect(formatNames(detect(qcow2, 65536, { allowedFormats: ['raw', 'vmdk'] }))).toEqual(['raw']);
    expect(formatNames(detect(qcow2, 65536, { allowedFormats: ['qcow2'] }))).toEqual(['qcow2']);
    const noRaw = detect(Buffer.alloc(4096), 65536, { allowedFormats: ['qcow2', 'vmdk'] });
    expect(noRaw.formats()).toEqual([]);
    expect(() => noRaw.format()).toThrow(new ImageFormatError('Content does not match any allowed format'));
    expect(formatNames(detect(qcow2, 65536, { allowedFormats: [] }))).toEqual(['qcow2']);
  });

  it('keeps judging a format that failed to parse by what it saw, as oslo', () => {
    // A VHDX identity with no region table: the inspector fails at 256 KiB, yet still matches.
    const data = Buffer.alloc(300 * 1024);
    data.write('vhdxfile', 0, 'latin1');
    const format = detect(data).format();
    expect(format?.name).toBe('vhdx');
    expect(format?.virtualSize).toBe(0);
  });

  it('reads qcow2 sizes beyond 32 bits', () => {
    expect(detect(qcow2Header({ size: 2 ** 50 })).format()?.virtualSize).toBe(2 ** 50);
  });

  it('sizes vhd, vdi and luks headers and counts raw and gpt by their bytes', () => {
    const vhd = Buffer.alloc(1024);
    vhd.write('conectix', 0, 'latin1');
    vhd.writeBigUInt64BE(5n << 30n, 40);
    expect(detect(vhd, 7).format()).toMatchObject({ name: 'vhd', virtualSize: 5 * 2 ** 30 });
    const vdi = Buffer.alloc(1024);
    vdi.writeUInt32LE(0xbeda107f, 0x40);
    vdi.writeBigUInt64LE(3n << 30n, 0x170);
    expect(detect(vdi, 7).format()).toMatchObject({ name: 'vdi', virtualSize: 3 * 2 ** 30 });
    const luks = Buffer.alloc(8192);
    luks.write('LUKS\xba\xbe', 0, 'latin1');
    luks.writeUInt16BE(1, 6);
    luks.writeUInt32BE(4, 104);
    expect(detect(luks, 7).format()).toMatchObject({ name: 'luks', virtualSize: 8192 - 4 * 512 });
    expect(detect(withMbr([{ type: 0x83 }], Buffer.alloc(5000)), 7).format()).toMatchObject({
      name: 'gpt',
      virtualSize: 5000,
      actualSize: 5000,
    });
  });

  it('cannot size a LUKS header cut before its payload offset', () => {
    const luks = Buffer.from('LUKS\xba\xbe\x00\x01', 'latin1');
    const format = detect(luks).format();
    expect(format?.name).toBe('luks');
    expect(() => format?.virtualSize).toThrow(ImageFormatError);
  });
});
