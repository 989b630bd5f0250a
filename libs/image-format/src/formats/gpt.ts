import { CaptureRegion } from '../capture-region';
import { SafetyViolation } from '../errors';
import { FileInspector } from '../inspector';

const MBR_SIGNATURE = 0xaa55;
const PARTITION_TABLE = 446;
const PROTECTIVE_MBR_TYPE = 0xee;
const MEDIA_FIXED_DISK = 0xf8;

/**
 * A partitioned disk: legacy MBR or GPT (whose protective MBR is checked the same way). The virtual
 * size is the bytes seen, as for raw.
 * https://uefi.org/specs/UEFI/2.10/05_GUID_Partition_Table_Format.html
 */
export class GptInspector extends FileInspector {
  readonly name = 'gpt';

  constructor() {
    super();
    this.newRegion('mbr', new CaptureRegion(0, 512));
    this.addSafetyCheck('mbr', () => this.checkMbrPartitions());
  }

  get formatMatch(): boolean {
    const mbr = this.region('mbr');
    if (!mbr.complete) return false;
    return mbr.data.readUInt16LE(510) === MBR_SIGNATURE && !this.isFatBootSector();
  }

  /** A FAT volume's boot sector carries the same signature: two FATs on a fixed disk tells it apart. */
  private isFatBootSector(): boolean {
    const sector = this.region('mbr').data;
    return sector[0x10] === 2 && sector[0x15] === MEDIA_FIXED_DISK;
  }

  private checkMbrPartitions(): void {
    const mbr = this.region('mbr').data;
    const used: number[] = [];
    let protective = false;
    for (let i = 0; i < 4; i++) {
      const entry = mbr.subarray(PARTITION_TABLE + 16 * i, PARTITION_TABLE + 16 * (i + 1));
      const boot = entry[0];
      const type = entry[4];
      if (boot !== 0x00 && boot !== 0x80) throw new SafetyViolation(`MBR PTE ${i} has invalid boot flag`);
      if (type !== 0) used.push(i);
      if (type === PROTECTIVE_MBR_TYPE) {
        protective = true;
        if (entry[1] !== 0x00 || entry[2] !== 0x02 || entry[3] !== 0x00) {
          throw new SafetyViolation('GPT MBR has invalid start CHS');
        }
        if (entry.readUInt32LE(8) !== 1) throw new SafetyViolation('GPT MBR has invalid start LBA');
      }
    }
    // A protective MBR must be alone, in the first entry.
    if (protective && !(used.length === 1 && used[0] === 0)) {
      throw new SafetyViolation('GPT MBR defines invalid extra partitions');
    }
    if (used.length === 0) throw new SafetyViolation('GPT MBR has no partitions defined');
  }
}
