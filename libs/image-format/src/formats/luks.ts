import { startsWith } from '../bytes';
import { CaptureRegion } from '../capture-region';
import { ImageFormatError, SafetyViolation } from '../errors';
import { FileInspector } from '../inspector';

const MAGIC = Buffer.from('LUKS\xba\xbe', 'latin1');
/** The LUKS1 header and its 8 key slots. */
const HEADER_SIZE = 592;
/** Through the fields read: version at 6, payload offset (in 512-byte sectors) at 104. */
const HEADER_FIELDS = 168;
const SECTOR = 512;

/**
 * LUKS version 1 (the only one qemu supports): a header, key material, then the encrypted payload,
 * whose size is the virtual size; it is exact only once the whole stream is read, as for raw.
 * The payload is not decrypted, so the inner format is not inspected.
 * https://gitlab.com/cryptsetup/cryptsetup/-/wikis/LUKS-standard/on-disk-format.pdf
 */
export class LuksInspector extends FileInspector {
  readonly name = 'luks';

  constructor() {
    super();
    this.newRegion('header', new CaptureRegion(0, HEADER_SIZE));
    this.addSafetyCheck('version', () => this.checkVersion());
  }

  // Not gated on completeness, as oslo's: the magic alone decides.
  get formatMatch(): boolean {
    return startsWith(this.region('header').data, MAGIC);
  }

  override get virtualSize(): number {
    return super.virtualSize - this.headerFields().readUInt32BE(104) * SECTOR;
  }

  private checkVersion(): void {
    const version = this.headerFields().readUInt16BE(6);
    if (version !== 1) throw new SafetyViolation(`LUKS version ${version} is not supported`);
  }

  private headerFields(): Buffer {
    const data = this.region('header').data;
    if (data.length < HEADER_FIELDS) throw new ImageFormatError('LUKS header is truncated');
    return data;
  }
}
