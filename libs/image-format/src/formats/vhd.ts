import { startsWith, u64be } from '../bytes';
import { CaptureRegion } from '../capture-region';
import { FileInspector, NULL_CHECK } from '../inspector';

const MAGIC = Buffer.from('conectix', 'latin1');
const CURRENT_SIZE = 40;

/**
 * Microsoft's VHD (qemu's "vpc"): dynamic disks start with a copy of the 512-byte big-endian footer,
 * which holds the disk size. Fixed disks have the footer only at the end and read as raw.
 */
export class VhdInspector extends FileInspector {
  readonly name = 'vhd';

  constructor() {
    super();
    this.newRegion('header', new CaptureRegion(0, 512));
    this.addSafetyCheck('null', NULL_CHECK);
  }

  // Not gated on completeness, as oslo's: the magic alone decides.
  get formatMatch(): boolean {
    return startsWith(this.region('header').data, MAGIC);
  }

  override get virtualSize(): number {
    const header = this.region('header');
    if (!header.complete || !this.formatMatch) return 0;
    return u64be(header.data, CURRENT_SIZE);
  }
}
