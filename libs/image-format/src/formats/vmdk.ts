import { startsWith } from '../bytes';
import { CaptureRegion, EndCaptureRegion } from '../capture-region';
import { ImageFormatError, SafetyViolation } from '../errors';
import { FileInspector } from '../inspector';

const MAGIC = Buffer.from('KDMV', 'latin1');
/** Where qemu requires the embedded descriptor, and its largest size. */
const DESCRIPTOR_OFFSET = 0x200n;
const DESCRIPTOR_MAX_SIZE = (1 << 20) - 1;
const GD_AT_END = 0xffffffffffffffffn;
/** Enough of a "hosted sparse extent" header to recognise it and find the descriptor. */
const MIN_SPARSE_HEADER = 64;
const MARKER_EOS = 0;
const MARKER_FOOTER = 3;
/** The createTypes accepted by default: single self-contained files (compared case-insensitively). */
export const DEFAULT_VMDK_ALLOWED_TYPES: readonly string[] = ['monolithicSparse', 'streamOptimized'];
const EXTENT_ACCESS = new Set(['rw', 'rdonly', 'noaccess']);
const NOT_FOUND = 'formatnotfound';

interface SparseHeader {
  signature: Buffer;
  version: number;
  descriptorSector: bigint;
  descriptorSectors: bigint;
  gdOffset: bigint;
}

/**
 * VMware's VMDK. Only the single-file sparse variants are accepted: the descriptor (embedded after
 * a sparse header, or the whole file for a text-only descriptor) must name an allowed createType
 * and list extents with no path in them, since qemu would otherwise open the files they name.
 * streamOptimized images whose grain directory is at the end get their footer checked too.
 * https://www.vmware.com/app/vmdk/?src=vmdk
 */
export class VmdkInspector extends FileInspector {
  readonly name = 'vmdk';
  private readonly allowedTypes: ReadonlySet<string>;
  private descText: string | null = null;
  private vmdkType: string | null = null;
  /** The sparse header, once complete, no longer changes: once it has passed, there is nothing to redo. */
  private headerParsed = false;

  constructor(allowedTypes: readonly string[] = DEFAULT_VMDK_ALLOWED_TYPES) {
    super();
    this.allowedTypes = new Set(allowedTypes.map((type) => type.toLowerCase()));
    this.newRegion('header', new CaptureRegion(0, 512, MIN_SPARSE_HEADER));
    // A text-only descriptor starts the file; a sparse header moves this region once parsed.
    this.newRegion('descriptor', new CaptureRegion(0, DESCRIPTOR_MAX_SIZE, 4));
    this.addSafetyCheck('descriptor', () => this.checkDescriptor());
  }

  protected override postProcess(): void {
    if (this.headerParsed || !this.hasRegion('header') || !this.region('header').complete) return;
    const header = this.region('header').data;
    const sparse = parseSparseHeader(header, 0);
    if (!sparse.signature.equals(MAGIC)) {
      // Text with no sparse header may be a descriptor-only VMDK, which qemu opens: parse it.
      if (isText(header)) {
        this.deleteRegion('header');
        return;
      }
      throw new ImageFormatError(
        `Signature KDMV not found: ${JSON.stringify(sparse.signature.toString('latin1'))}`,
      );
    }
    if (sparse.version < 1 || sparse.version > 3) {
      throw new ImageFormatError(`Unsupported format version ${sparse.version}`);
    }
    // The grain directory (and the header that counts) is in a footer: keep the stream's tail.
    if (sparse.gdOffset === GD_AT_END && !this.hasRegion('footer')) {
      this.newRegion('footer', new EndCaptureRegion(1536));
      this.addSafetyCheck('footer', () => this.checkFooter());
    }
    const descriptorOffset = sparse.descriptorSector * 512n;
    if (descriptorOffset !== DESCRIPTOR_OFFSET) throw new ImageFormatError('Wrong descriptor location');
    if (this.region('descriptor').offset === 0) {
      const size = Math.min(Number(sparse.descriptorSectors) * 512, DESCRIPTOR_MAX_SIZE);
      this.deleteRegion('descriptor');
      this.newRegion('descriptor', new CaptureRegion(Number(descriptorOffset), size));
    }
    this.headerParsed = true;
  }

  protected override regionComplete(name: string): void {
    if (name === 'descriptor') this.parseDescriptor();
  }

  get formatMatch(): boolean {
    if (this.hasRegion('header')) return startsWith(this.region('header').data, MAGIC);
    // No descriptor decoded (not ASCII): not a VMDK. oslo fails with an AttributeError here instead.
    return this.vmdkType !== null && this.vmdkType !== NOT_FOUND;
  }

  override get virtualSize(): number {
    if (!this.descText || this.vmdkType === null || !this.allowedTypes.has(this.vmdkType)) return 0;
    // The capacity, in 512-byte sectors, is in the sparse header.
    const header = this.region('header').data;
    if (header.length < 44) throw new ImageFormatError('VMDK sparse header is truncated');
    return Number(header.readBigUInt64LE(12)) * 512;
  }

  private parseDescriptor(): void {
    let data = this.region('descriptor').data;
    // An embedded descriptor is NUL-padded.
    const nul = data.indexOf(0);
    if (nul >= 0) data = data.subarray(0, nul);
    if (data.some((byte) => byte > 0x7f)) return;
    // Descriptors are case-insensitive.
    const text = data.toString('latin1').toLowerCase();
    const key = 'createtype="';
    const at = text.indexOf(key);
    let type = NOT_FOUND;
    if (at >= 0) {
      const start = at + key.length;
      const end = text.indexOf('"', start);
      // Unterminated: up to the last character, as a Python slice to -1 does. Long values are refused.
      if (end - start < 64) type = text.slice(start, end);
    }
    this.descText = text;
    this.vmdkType = type;
  }

  private checkDescriptor(): void {
    if (!this.descText) throw new SafetyViolation('No descriptor found');
    if (this.vmdkType === null || !this.allowedTypes.has(this.vmdkType)) {
      throw new SafetyViolation('Unsupported subformat');
    }
    const extents: string[] = [];
    // Every line must be understood: comments, ddb entries, header fields or extents.
    for (const line of this.descText.split('\n').map(pythonStrip)) {
      if (line === '' || line.startsWith('#') || line.startsWith('ddb')) continue;
      if (line.includes('=') && !line.split('=')[0].includes(' ')) continue;
      if (!EXTENT_ACCESS.has(line.split(' ')[0])) throw new SafetyViolation('Invalid VMDK descriptor data');
      extents.push(line);
    }
    // A path could name any file on the host.
    if (extents.some((extent) => extent.includes('/'))) {
      throw new SafetyViolation('Invalid extent filenames found');
    }
    if (extents.length === 0) throw new SafetyViolation('No extents found');
  }

  private checkFooter(): void {
    const header = parseSparseHeader(this.region('header').data, 0);
    const tail = this.region('footer').data;
    const footer = parseSparseHeader(tail, 512);
    if (!header.signature.equals(footer.signature)) {
      throw new SafetyViolation('Header and footer signature do not match');
    }
    if (header.version !== footer.version)
      throw new SafetyViolation('Header and footer versions do not match');
    if (
      header.descriptorSector !== footer.descriptorSector ||
      header.descriptorSectors !== footer.descriptorSectors
    ) {
      throw new SafetyViolation('Footer specifies a different descriptor than header');
    }
    if (footer.gdOffset === GD_AT_END) throw new SafetyViolation('Footer indicates another footer');
    const marker = (at: number) => ({
      value: tail.readBigUInt64LE(at),
      size: tail.readUInt32LE(at + 8),
      type: tail.readUInt32LE(at + 12),
      zeroPadded: isZero(tail.subarray(at + 16, at + 512)),
    });
    const footerMarker = marker(0);
    if (footerMarker.size !== 0 || footerMarker.type !== MARKER_FOOTER || !footerMarker.zeroPadded) {
      throw new SafetyViolation('Footer marker is invalid');
    }
    const eos = marker(tail.length - 512);
    if (eos.value !== 0n || eos.size !== 0 || eos.type !== MARKER_EOS || !eos.zeroPadded) {
      throw new SafetyViolation('End-of-stream marker is invalid');
    }
  }
}

function parseSparseHeader(data: Buffer, offset: number): SparseHeader {
  if (data.length < offset + MIN_SPARSE_HEADER) throw new ImageFormatError('VMDK sparse header is truncated');
  return {
    signature: data.subarray(offset, offset + 4),
    version: data.readUInt32LE(offset + 4),
    descriptorSector: data.readBigUInt64LE(offset + 28),
    descriptorSectors: data.readBigUInt64LE(offset + 36),
    gdOffset: data.readBigUInt64LE(offset + 56),
  };
}

/** ASCII whose every character is printable or whitespace, by Python's definitions. */
function isText(data: Buffer): boolean {
  for (const byte of data) {
    if (byte > 0x7e || (byte < 0x20 && !isPythonSpace(byte))) return false;
  }
  return true;
}

/** Python's str.isspace() on ASCII: \t \n \v \f \r, the four separators 0x1c-0x1f, and space. */
function isPythonSpace(byte: number): boolean {
  return (byte >= 0x09 && byte <= 0x0d) || (byte >= 0x1c && byte <= 0x20);
}

function pythonStrip(line: string): string {
  let start = 0;
  let end = line.length;
  while (start < end && isPythonSpace(line.charCodeAt(start))) start++;
  while (end > start && isPythonSpace(line.charCodeAt(end - 1))) end--;
  return line.slice(start, end);
}

function isZero(data: Buffer): boolean {
  for (const byte of data) if (byte !== 0) return false;
  return true;
}
