import { ImageFormatError } from './errors';
import { GptInspector } from './formats/gpt';
import { IsoInspector } from './formats/iso';
import { LuksInspector } from './formats/luks';
import { QedInspector } from './formats/qed';
import { Qcow2Inspector } from './formats/qcow2';
import { RawInspector } from './formats/raw';
import { VdiInspector } from './formats/vdi';
import { VhdInspector } from './formats/vhd';
import { VhdxInspector } from './formats/vhdx';
import { VmdkInspector } from './formats/vmdk';
import type { FileInspector, InspectedFormat, RegionFeed } from './inspector';

interface InspectorOptions {
  vmdkAllowedTypes?: readonly string[];
}

const INSPECTORS: Record<string, (options: InspectorOptions) => FileInspector> = {
  raw: () => new RawInspector(),
  qcow2: () => new Qcow2Inspector(),
  vhd: () => new VhdInspector(),
  vhdx: () => new VhdxInspector(),
  vmdk: (options) => new VmdkInspector(options.vmdkAllowedTypes),
  vdi: () => new VdiInspector(),
  qed: () => new QedInspector(),
  iso: () => new IsoInspector(),
  gpt: () => new GptInspector(),
  luks: () => new LuksInspector(),
};

/** Formats the detector knows. */
export const INSPECTABLE_FORMATS: readonly string[] = Object.freeze(Object.keys(INSPECTORS));

export interface FormatDetectorOptions {
  /** Only these formats are considered (all when absent or empty). Leaving out raw makes unrecognised data an error. */
  allowedFormats?: readonly string[];
  /** VMDK createTypes accepted by its safety check and sized (default monolithicSparse, streamOptimized; case-insensitive). */
  vmdkAllowedTypes?: readonly string[];
}

/**
 * Runs every format's inspector over an image's bytes as they stream by, keeping only the small
 * regions each needs, then tells which format the data is.
 */
export class FormatDetector {
  private readonly inspectors: FileInspector[];
  /** The feeds of the inspectors that have not thrown. */
  private active: RegionFeed[];
  private seen = 0;
  private finished = false;

  constructor(options: FormatDetectorOptions = {}) {
    const allowed = options.allowedFormats;
    this.inspectors = Object.entries(INSPECTORS)
      .filter(([name]) => !allowed || allowed.length === 0 || allowed.includes(name))
      .map(([, create]) => create(options));
    this.active = this.inspectors.map((inspector) => inspector.feed);
  }

  /** Bytes fed so far. */
  get bytesSeen(): number {
    return this.seen;
  }

  /** Whether the answer is known: the stream is finished or every specific inspector has all it needs. */
  get decided(): boolean {
    return (
      this.finished || this.inspectors.every((inspector) => inspector.name === 'raw' || inspector.complete)
    );
  }

  /**
   * Feeds the next chunk (the caller may reuse it afterwards). An inspector that finds the data is
   * not its format stops being fed but still answers from what it saw, as oslo's. Chunks after
   * finish() are ignored.
   */
  update(chunk: Buffer): void {
    if (this.finished || chunk.length === 0) return;
    this.seen += chunk.length;
    let dropped: RegionFeed[] | null = null;
    for (const feed of this.active) {
      try {
        feed.eat(chunk);
      } catch {
        (dropped ??= []).push(feed);
      }
    }
    if (dropped !== null) {
      const gone = dropped;
      this.active = this.active.filter((feed) => !gone.includes(feed));
    }
  }

  /** Marks the end of the data: inspectors still waiting for data will not match. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const inspector of this.inspectors) inspector.finish();
  }

  /**
   * The formats that matched, or raw alone when none did (an empty list if raw is not allowed);
   * null while undecided. Several matches usually mean a header hidden in another.
   */
  formats(): readonly InspectedFormat[] | null {
    if (!this.decided) return null;
    const matches = this.inspectors.filter((inspector) => inspector.name !== 'raw' && inspector.formatMatch);
    if (matches.length > 0) return matches;
    return this.inspectors.filter((inspector) => inspector.name === 'raw');
  }

  /** The one format that matched (raw when none did), null while undecided; throws ImageFormatError otherwise. */
  format(): InspectedFormat | null {
    const matches = this.formats();
    if (matches === null) return null;
    if (matches.length > 1) {
      throw new ImageFormatError(
        `Multiple formats detected: ${matches.map((match) => match.name).join(',')}`,
      );
    }
    if (matches.length === 0) throw new ImageFormatError('Content does not match any allowed format');
    return matches[0];
  }
}
