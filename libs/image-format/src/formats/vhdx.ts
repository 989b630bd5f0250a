import { startsWith, u64le } from '../bytes';
import { CaptureRegion } from '../capture-region';
import { ImageFormatError } from '../errors';
import { FileInspector, NULL_CHECK } from '../inspector';

const IDENTITY = Buffer.from('vhdxfile', 'latin1');
/** The region table: 'regi', checksum, entry count, reserved, then 32-byte entries. */
const REGION_TABLE_OFFSET = 192 * 1024;
const REGION_TABLE_SIZE = 64 * 1024;
const REGION_SIGNATURE = 0x69676572;
const METADATA_REGION = guidBytes('8B7CA206-4790-4B9A-B8FE-575F050F886E');
const VIRTUAL_DISK_SIZE = guidBytes('2FA54224-CD1B-4876-B211-5DBED83BF4B8');
const MAX_ENTRIES = 2047;
/** Only the metadata table is needed: a 32-byte header and up to 2047 32-byte entries. */
const METADATA_TABLE_SIZE = 2048 * 32;
const METADATA_SIGNATURE = Buffer.from('metadata', 'latin1');

/**
 * Microsoft's VHDX: the identity says it is one; the size is found by following the region table
 * to the metadata region, its table to the "virtual disk size" item, and reading that item.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-vhdx/
 */
export class VhdxInspector extends FileInspector {
  readonly name = 'vhdx';
  // The tables searched do not change once captured, so a search that found nothing is not repeated
  // for every following chunk (a crafted table of 2047 entries would make each chunk expensive).
  private regionTableSearched = false;
  private metadataTableSearched = false;

  constructor() {
    super();
    this.newRegion('ident', new CaptureRegion(0, 32));
    this.newRegion('header', new CaptureRegion(REGION_TABLE_OFFSET, REGION_TABLE_SIZE));
    this.addSafetyCheck('null', NULL_CHECK);
  }

  protected override postProcess(): void {
    if (this.region('header').complete && !this.hasRegion('metadata')) {
      if (this.regionTableSearched) return;
      const region = this.findMetadataRegion();
      if (region) this.newRegion('metadata', region);
    } else if (this.hasRegion('metadata') && !this.hasRegion('vds') && !this.metadataTableSearched) {
      const region = this.findMetadataItem(VIRTUAL_DISK_SIZE);
      if (region) this.newRegion('vds', region);
    }
  }

  get formatMatch(): boolean {
    return startsWith(this.region('ident').data, IDENTITY);
  }

  override get virtualSize(): number {
    if (!this.hasRegion('vds') || !this.region('vds').complete) return 0;
    const data = this.region('vds').data;
    if (data.length !== 8) throw new ImageFormatError(`VHDX virtual disk size item is ${data.length} bytes`);
    return u64le(data, 0);
  }

  private findMetadataRegion(): CaptureRegion | null {
    const table = this.region('header').data;
    if (table.readUInt32LE(0) !== REGION_SIGNATURE) {
      throw new ImageFormatError(`Region signature not found at ${REGION_TABLE_OFFSET.toString(16)}`);
    }
    const count = table.readUInt32LE(8);
    if (count > MAX_ENTRIES) throw new ImageFormatError(`Region count is ${count} (limit ${MAX_ENTRIES})`);
    this.regionTableSearched = true;
    for (let i = 0; i < count; i++) {
      const entry = 16 + i * 32;
      if (sameGuid(table, entry, METADATA_REGION)) {
        // The entry's length covers the metadata items too; only the table is wanted.
        return new CaptureRegion(u64le(table, entry + 16), METADATA_TABLE_SIZE);
      }
    }
    return null;
  }

  private findMetadataItem(wanted: Buffer): CaptureRegion | null {
    const metadata = this.region('metadata');
    if (metadata.captured < 32) return null;
    const table = metadata.data;
    if (!table.subarray(0, 8).equals(METADATA_SIGNATURE)) {
      throw new ImageFormatError(
        `Invalid signature for metadata region: ${JSON.stringify(table.toString('latin1', 0, 8))}`,
      );
    }
    const count = table.readUInt16LE(10);
    // With 2048 entries or more the table never fits the region, so this waits forever, as oslo's does.
    if (table.length < 32 + count * 32) return null;
    if (count > MAX_ENTRIES)
      throw new ImageFormatError(`Metadata item count is ${count} (limit ${MAX_ENTRIES})`);
    this.metadataTableSearched = true;
    for (let i = 0; i < count; i++) {
      const entry = 32 + i * 32;
      if (sameGuid(table, entry, wanted)) {
        const itemOffset = table.readUInt32LE(entry + 16);
        const itemLength = Math.min(table.readUInt32LE(entry + 20), METADATA_TABLE_SIZE);
        // Stop capturing the table: the rest is not needed.
        metadata.length = table.length;
        // Item offsets count from the start of the metadata region.
        return new CaptureRegion(metadata.offset + itemOffset, itemLength);
      }
    }
    return null;
  }
}

/** A GUID's 16 bytes as Microsoft stores them: the first three fields little-endian. */
function guidBytes(text: string): Buffer {
  const [a, b, c, d, e] = text.split('-');
  const le = (hex: string) => Buffer.from(hex, 'hex').reverse();
  return Buffer.concat([le(a), le(b), le(c), Buffer.from(d + e, 'hex')]);
}

function sameGuid(data: Buffer, offset: number, guid: Buffer): boolean {
  return data.compare(guid, 0, 16, offset, offset + 16) === 0;
}
