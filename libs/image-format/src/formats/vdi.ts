import { u64le } from '../bytes';
import { CaptureRegion } from '../capture-region';
import { FileInspector, NULL_CHECK } from '../inspector';

const SIGNATURE_OFFSET = 0x40;
const SIGNATURE = 0xbeda107f;
const SIZE = 0x170;

/** VirtualBox's VDI: a 512-byte little-endian header with the signature and the disk size. */
export class VdiInspector extends FileInspector {
  readonly name = 'vdi';

  constructor() {
    super();
    this.newRegion('header', new CaptureRegion(0, 512));
    this.addSafetyCheck('null', NULL_CHECK);
  }

  get formatMatch(): boolean {
    const header = this.region('header');
    return header.complete && header.data.readUInt32LE(SIGNATURE_OFFSET) === SIGNATURE;
  }

  override get virtualSize(): number {
    if (!this.formatMatch) return 0;
    return u64le(this.region('header').data, SIZE);
  }
}
