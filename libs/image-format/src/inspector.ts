import { type CaptureRegion, EndCaptureRegion } from './capture-region';
import { ImageFormatError, SafetyCheckFailed, SafetyViolation } from './errors';

/** A format the detector matched, with what it learnt about the image. */
export interface InspectedFormat {
  /** The format's name, as qemu-img spells it except vpc ('vhd'): 'qcow2', 'raw', ... */
  readonly name: string;
  /**
   * The disk's size in bytes; 0 when the format's structures did not tell it (oslo's "unknown").
   * Throws ImageFormatError when the structures it needs are truncated or inconsistent.
   */
  readonly virtualSize: number;
  /** The bytes seen. */
  readonly actualSize: number;
  /**
   * Runs the format's safety checks. Throws SafetyCheckFailed naming every failed check, or
   * ImageFormatError when the inspection is incomplete or the content is not this format.
   */
  safetyCheck(): void;
}

/** A safety check: returns when the image passes, throws SafetyViolation with the reason otherwise. */
export type SafetyCheck = () => void;

/** Checks for formats with nothing to check, and for formats refused whatever their content. */
export const NULL_CHECK: SafetyCheck = () => undefined;
export const BANNED_CHECK: SafetyCheck = () => {
  throw new SafetyViolation('This file format is not allowed');
};

/**
 * A format's hooks may add regions that start in the chunk just read; those are offered the chunk
 * and the hooks run again, so discovering a structure never waits for the next chunk (else a
 * structure found in the last chunk, as VHDX's size when the image comes in one piece, would be
 * missed). Each round adds a region or stops; this bounds a faulty format.
 */
const MAX_ROUNDS = 8;

/**
 * The regions of one inspector and the stream's progress through them. One class for every format,
 * so that the per-chunk loop over inspectors stays monomorphic and cheap; it calls into the format
 * (its hooks) only while the format may still learn something.
 */
export class RegionFeed {
  /** Bytes eaten so far. */
  position = 0;
  /**
   * Set once every region but the stream's tail is captured and a whole chunk went by without a
   * region being added or completed: the hooks would then see the same state every chunk and do the
   * same nothing, so chunks only advance the position and feed the tail regions.
   */
  dormant = false;
  finished = false;
  readonly regions = new Map<string, CaptureRegion>();
  /** The regions' names and the regions, in order, for the per-chunk loops. */
  private names: string[] = [];
  private list: CaptureRegion[] = [];
  private readonly added: CaptureRegion[] = [];
  /** The tail regions, still fed while dormant. */
  private tails: CaptureRegion[] = [];

  constructor(
    private readonly postProcess: () => void,
    private readonly regionComplete: (name: string) => void,
  ) {}

  get complete(): boolean {
    return this.list.every((region) => region.complete);
  }

  /** Takes the next chunk; throws when the content cannot be this format (the caller drops it). */
  eat(chunk: Buffer): void {
    if (this.finished) throw new Error('Inspector has been marked finished, no more data processing allowed');
    this.position += chunk.length;
    if (this.dormant) {
      for (let i = 0; i < this.tails.length; i++) this.tails[i].capture(chunk, this.position);
      return;
    }
    const list = this.list;
    for (let i = 0; i < list.length; i++) this.offer(list[i], chunk);
    let changed = false;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      this.added.length = 0;
      this.postProcess();
      if (this.added.length === 0) break;
      changed = true;
      for (const region of this.added) this.offer(region, chunk);
    }
    this.added.length = 0;
    let waiting = false;
    for (let i = 0; i < this.list.length; i++) {
      const region = this.list[i];
      if (!region.announced && region.complete) {
        region.announced = true;
        changed = true;
        this.regionComplete(this.names[i]);
      }
      if (!region.complete && !(region instanceof EndCaptureRegion)) waiting = true;
    }
    this.dormant = !changed && !waiting;
    if (this.dormant) this.tails = this.list.filter((region) => region instanceof EndCaptureRegion);
  }

  finish(): void {
    this.finished = true;
    for (const region of this.list) if (region instanceof EndCaptureRegion) region.finish();
  }

  add(name: string, region: CaptureRegion): void {
    if (this.regions.has(name)) throw new ImageFormatError(`Inspector re-added region ${name}`);
    this.regions.set(name, region);
    this.reindex();
    this.added.push(region);
  }

  delete(name: string): void {
    this.regions.delete(name);
    this.reindex();
  }

  private reindex(): void {
    this.names = [...this.regions.keys()];
    this.list = [...this.regions.values()];
  }

  private offer(region: CaptureRegion, chunk: Buffer): void {
    if (region instanceof EndCaptureRegion || !region.complete) region.capture(chunk, this.position);
  }
}

/**
 * Reads one format's structures out of the stream as it passes. Subclasses declare the regions they
 * need in their constructor and add more from postProcess() as offsets become known.
 */
export abstract class FileInspector implements InspectedFormat {
  abstract readonly name: string;
  readonly feed: RegionFeed = new RegionFeed(
    () => this.postProcess(),
    (name) => this.regionComplete(name),
  );
  private readonly checks = new Map<string, SafetyCheck>();

  /** Whether the content is this format (may be false until enough is read). */
  abstract get formatMatch(): boolean;

  get virtualSize(): number {
    return this.feed.position;
  }

  get actualSize(): number {
    return this.feed.position;
  }

  /** Whether every region is captured: reading more cannot change what this inspector knows. */
  get complete(): boolean {
    return this.feed.complete;
  }

  /** Takes the next chunk; throws when the content cannot be this format. */
  eatChunk(chunk: Buffer): void {
    this.feed.eat(chunk);
  }

  /** Marks the end of the stream, which completes the regions that capture the stream's tail. */
  finish(): void {
    this.feed.finish();
  }

  safetyCheck(): void {
    if (!this.complete) throw new ImageFormatError('Incomplete file cannot be safety checked');
    if (!this.formatMatch) {
      throw new ImageFormatError(`Unable to safety check format ${this.name} because content does not match`);
    }
    const failures: Record<string, string> = {};
    for (const [name, check] of this.checks) {
      try {
        check();
      } catch (error) {
        if (error instanceof SafetyViolation) failures[name] = error.message;
        else if (error instanceof SafetyCheckFailed) {
          for (const [inner, reason] of Object.entries(error.failures)) failures[`inner_${inner}`] = reason;
        } else failures[name] = 'Unexpected error';
      }
    }
    if (Object.keys(failures).length > 0) throw new SafetyCheckFailed(failures);
  }

  /** Runs after each chunk is captured; may add regions that the same chunk is then offered to. */
  protected postProcess(): void {}

  /** Runs once for each region when it becomes complete, after postProcess(). */
  protected regionComplete(_name: string): void {}

  protected region(name: string): CaptureRegion {
    const region = this.feed.regions.get(name);
    if (region === undefined) throw new ImageFormatError(`${this.name} inspector has no region ${name}`);
    return region;
  }

  protected hasRegion(name: string): boolean {
    return this.feed.regions.has(name);
  }

  protected newRegion(name: string, region: CaptureRegion): void {
    this.feed.add(name, region);
  }

  protected deleteRegion(name: string): void {
    this.feed.delete(name);
  }

  protected addSafetyCheck(name: string, check: SafetyCheck): void {
    if (this.checks.has(name)) throw new Error(`Duplicate check of name ${name}`);
    this.checks.set(name, check);
  }
}
