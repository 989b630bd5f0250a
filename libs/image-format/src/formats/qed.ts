import { startsWith } from '../bytes';
import { CaptureRegion } from '../capture-region';
import { BANNED_CHECK, FileInspector } from '../inspector';

const MAGIC = Buffer.from('QED\0', 'latin1');

/**
 * QEMU's QED: recognised only to be refused (no one supports it). Its virtual size is not parsed,
 * so it is the bytes seen, as for raw.
 */
export class QedInspector extends FileInspector {
  readonly name = 'qed';

  constructor() {
    super();
    this.newRegion('header', new CaptureRegion(0, 512));
    this.addSafetyCheck('banned', BANNED_CHECK);
  }

  get formatMatch(): boolean {
    const header = this.region('header');
    return header.complete && startsWith(header.data, MAGIC);
  }
}
