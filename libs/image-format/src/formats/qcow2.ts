import { u64be } from '../bytes';
import { CaptureRegion } from '../capture-region';
import { SafetyViolation } from '../errors';
import { FileInspector } from '../inspector';

const MAGIC = Buffer.from('QFI\xfb', 'latin1');
const BACKING_FILE_OFFSET = 0x08;
const SIZE = 0x18;
/** The incompatible-features bitfield: 8 bytes, big-endian. */
const FEATURES = 0x48;
const FEATURES_LENGTH = 8;
/** Bits 0-3 (dirty, corrupt, external data file, compression type) are known; any other is refused. */
const KNOWN_FEATURES_MASK = 0x0fn;
const DATA_FILE_FEATURE = 0x04;

/**
 * QEMU's qcow2 (and the v1 "qcow" magic shares it): the virtual size is in the first 32 bytes;
 * the checks need the 104-byte v3 header, so the first 512 bytes are kept.
 * https://gitlab.com/qemu-project/qemu/-/blob/master/docs/interop/qcow2.txt
 */
export class Qcow2Inspector extends FileInspector {
  readonly name = 'qcow2';
  private header: { version: number; size: number } | null = null;

  constructor() {
    super();
    this.newRegion('header', new CaptureRegion(0, 512));
    this.addSafetyCheck('backing_file', () => this.checkBackingFile());
    this.addSafetyCheck('data_file', () => this.checkDataFile());
    this.addSafetyCheck('unknown_features', () => this.checkUnknownFeatures());
  }

  protected override regionComplete(): void {
    const data = this.region('header').data;
    this.header = this.formatMatch ? { version: data.readUInt32BE(4), size: u64be(data, SIZE) } : null;
  }

  get formatMatch(): boolean {
    const header = this.region('header');
    return header.complete && header.data.subarray(0, 4).equals(MAGIC);
  }

  override get virtualSize(): number {
    return this.header?.size ?? 0;
  }

  private checkBackingFile(): void {
    if (this.region('header').data.readBigUInt64BE(BACKING_FILE_OFFSET) !== 0n) {
      throw new SafetyViolation('Image has a backing file');
    }
  }

  private checkUnknownFeatures(): void {
    const version = this.header?.version;
    // Version 2 has no feature bitfield.
    if (version === 2) return;
    if (version !== 3) throw new SafetyViolation('Unsupported qcow2 version');
    const features = this.region('header').data.readBigUInt64BE(FEATURES);
    if ((features & ~KNOWN_FEATURES_MASK) !== 0n) throw new SafetyViolation('Unknown QCOW2 features found');
  }

  // Not gated on the version, as oslo's: in a v2 header these bytes belong to what follows it.
  private checkDataFile(): void {
    const lowByte = this.region('header').data[FEATURES + FEATURES_LENGTH - 1];
    if (lowByte & DATA_FILE_FEATURE) throw new SafetyViolation('Image has data_file set');
  }
}
