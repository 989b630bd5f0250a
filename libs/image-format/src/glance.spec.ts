import { decideVirtualSize, FormatDetector, InvalidImageDataError } from './index';
import { qcow2Header, withMbr } from './testing/craft';
import { detect } from './testing/feed';

// Glance's decision after an upload (glance/location.py, ImageProxy.set_data).

const GIB = 2 ** 30;
const qcow2 = () => detect(qcow2Header({ size: 5 * GIB }));
const raw = () => detect(Buffer.alloc(10_000, 1));

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidImageDataError) return error.message;
    throw error;
  }
  throw new Error('not refused');
}

describe('decideVirtualSize', () => {
  it("records the detected format's virtual size when it is the declared one", () => {
    expect(decideVirtualSize('qcow2', 'bare', qcow2())).toBe(5 * GIB);
    expect(decideVirtualSize('raw', 'bare', raw())).toBe(10_000);
  });

  it('inspects only bare containers', () => {
    expect(decideVirtualSize('qcow2', 'ova', qcow2())).toBeNull();
    expect(decideVirtualSize('qcow2', 'ovf', detect(qcow2Header({ backingFileOffset: 512 })))).toBeNull();
    expect(decideVirtualSize('qcow2', null, raw())).toBeNull();
  });

  it('refuses data of another format than declared, unless the match is not required', () => {
    expect(refusal(() => decideVirtualSize('qcow2', 'bare', raw()))).toBe(
      'Image disk_format qcow2 does not match stream data raw',
    );
    expect(refusal(() => decideVirtualSize('vmdk', 'bare', qcow2()))).toBe(
      'Image disk_format vmdk does not match stream data qcow2',
    );
    expect(decideVirtualSize('qcow2', 'bare', raw(), { requireImageFormatMatch: false })).toBeNull();
  });

  it('records the length of data declared raw, whatever format it looks like', () => {
    const data = qcow2Header({ size: 5 * GIB, length: 3000 });
    expect(decideVirtualSize('raw', 'bare', detect(data))).toBe(3000);
  });

  it('still safety checks data declared raw that is another format', () => {
    const withBacking = detect(qcow2Header({ backingFileOffset: 512 }));
    expect(refusal(() => decideVirtualSize('raw', 'bare', withBacking))).toBe('Image failed safety checks');
  });

  it('lets formats Glance cannot inspect through when the data is unrecognised, recording nothing', () => {
    for (const format of ['ami', 'ari', 'aki', 'ploop']) {
      expect(decideVirtualSize(format, 'bare', raw())).toBeNull();
    }
    expect(decideVirtualSize(null, 'bare', raw())).toBeNull();
    // ...but not when the data is a format it knows.
    expect(refusal(() => decideVirtualSize('ami', 'bare', qcow2()))).toBe(
      'Image disk_format ami does not match stream data qcow2',
    );
  });

  it('refuses images failing a safety check, even when the format match is not required', () => {
    const withBacking = detect(qcow2Header({ backingFileOffset: 512 }));
    expect(refusal(() => decideVirtualSize('qcow2', 'bare', withBacking))).toBe('Image failed safety checks');
    expect(
      refusal(() => decideVirtualSize('qcow2', 'bare', withBacking, { requireImageFormatMatch: false })),
    ).toBe('Image failed safety checks');
  });

  it('tolerates the gpt checks named non-fatal, for gpt only', () => {
    const badMbr = detect(withMbr([{ type: 0x83, boot: 0x12 }]));
    expect(refusal(() => decideVirtualSize('gpt', 'bare', badMbr))).toBe('Image failed safety checks');
    expect(decideVirtualSize('gpt', 'bare', badMbr, { gptSafetyChecksNonfatal: ['mbr'] })).toBe(4096);
    expect(
      refusal(() => decideVirtualSize('gpt', 'bare', badMbr, { gptSafetyChecksNonfatal: ['gptmbr'] })),
    ).toBe('Image failed safety checks');
  });

  it('refuses with the safety check error when the inspection is incomplete', () => {
    const vhdx = Buffer.alloc(1000);
    vhdx.write('vhdxfile', 0, 'latin1');
    expect(refusal(() => decideVirtualSize('vhdx', 'bare', detect(vhdx)))).toBe(
      'Incomplete file cannot be safety checked',
    );
    expect(decideVirtualSize('vhdx', 'bare', detect(vhdx), { requireImageFormatMatch: false })).toBeNull();
  });

  it('fails as an inspection failure when the matched format cannot tell its size', () => {
    // A descriptor-only VMDK claiming a sparse type has no sparse header to read the size from.
    const descriptor = Buffer.from(
      '# Disk DescriptorFile\ncreateType="monolithicSparse"\nRW 2048 SPARSE "a.vmdk"\n',
    );
    const detector = detect(descriptor);
    expect(detector.format()?.name).toBe('vmdk');
    expect(refusal(() => decideVirtualSize('vmdk', 'bare', detector))).toBe('Image format inspection failed');
    expect(decideVirtualSize('vmdk', 'bare', detector, { requireImageFormatMatch: false })).toBeNull();
  });

  it('fails as an inspection failure when the detector has not finished', () => {
    const detector = new FormatDetector();
    detector.update(qcow2Header());
    expect(refusal(() => decideVirtualSize('qcow2', 'bare', detector))).toBe(
      'Image format inspection failed',
    );
    expect(decideVirtualSize('qcow2', 'bare', detector, { requireImageFormatMatch: false })).toBeNull();
  });

  it('records nothing for a matched format of unknown (zero) size', () => {
    // A supplementary volume descriptor first: an ISO, but not sized.
    const iso = Buffer.alloc(40 * 1024);
    iso[32 * 1024] = 2;
    iso.write('CD001', 32 * 1024 + 1, 'latin1');
    expect(decideVirtualSize('iso', 'bare', detect(iso))).toBeNull();
  });
});
