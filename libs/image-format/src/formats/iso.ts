import { CaptureRegion } from '../capture-region';
import { FileInspector, NULL_CHECK } from '../inspector';

/** The first 16 2-KiB sectors are free for boot code; the first volume descriptor follows. */
const SYSTEM_AREA = 32 * 1024;
const SECTOR = 2 * 1024;
const IDENTIFIERS = new Set(['CD001', 'NSR02', 'NSR03']);
const PRIMARY_VOLUME_DESCRIPTOR = 1;

/**
 * ISO 9660 and UDF: identified by the first volume descriptor; a primary volume descriptor gives
 * the size as its block count times its block size (both stored little- then big-endian).
 * https://wiki.osdev.org/ISO_9660
 */
export class IsoInspector extends FileInspector {
  readonly name = 'iso';

  constructor() {
    super();
    this.newRegion('system_area', new CaptureRegion(0, SYSTEM_AREA));
    this.newRegion('header', new CaptureRegion(SYSTEM_AREA, SECTOR));
    this.addSafetyCheck('null', NULL_CHECK);
  }

  get formatMatch(): boolean {
    return this.complete && IDENTIFIERS.has(this.region('header').data.toString('latin1', 1, 6));
  }

  override get virtualSize(): number {
    if (!this.formatMatch) return 0;
    const descriptor = this.region('header').data;
    if (descriptor[0] !== PRIMARY_VOLUME_DESCRIPTOR) return 0;
    const blockSize = descriptor.readUInt16LE(128);
    const blocks = descriptor.readUInt32LE(80);
    return blocks * blockSize;
  }
}
