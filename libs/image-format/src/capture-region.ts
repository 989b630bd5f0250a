/**
 * A byte range of the stream an inspector wants to keep. It is offered every chunk while incomplete
 * and copies only the part of the chunk that falls in the range, so memory is bounded by the range
 * length, never by the stream.
 */
export class CaptureRegion {
  /** Set by the inspector once it has run its completion hook for this region. */
  announced = false;
  private buffer: Buffer = EMPTY;
  private size = 0;

  /**
   * @param minLength when set, the region counts as complete once it holds this many bytes (for
   *   structures of unknown length); it then stops capturing, even short of `length`.
   */
  constructor(
    public offset: number,
    public length: number,
    readonly minLength?: number,
  ) {}

  /** What has been captured so far (a view: valid until the next capture). */
  get data(): Buffer {
    return this.buffer.subarray(0, this.size);
  }

  /** How many bytes are captured (without making a view of them). */
  get captured(): number {
    return this.size;
  }

  get complete(): boolean {
    return this.minLength !== undefined ? this.minLength <= this.size : this.length === this.size;
  }

  /**
   * Offers the chunk that ended at `position`. Appends from the region's start if the chunk covers
   * it, or the whole chunk when the chunk starts inside the region. The second case also fires for a
   * region created after its start was streamed past: it then holds the bytes that follow instead,
   * as oslo's does, and the inspector's own parsing rejects them.
   */
  capture(chunk: Buffer, position: number): void {
    const readStart = position - chunk.length;
    const end = this.offset + this.length;
    if (!(
      (readStart <= this.offset && this.offset <= position) ||
      (this.offset <= readStart && readStart <= end)
    )) {
      return;
    }
    if (this.size > this.length) this.size = this.length;
    const from = readStart < this.offset ? this.offset - readStart : 0;
    const n = Math.min(chunk.length - from, this.length - this.size);
    if (n <= 0) return;
    this.reserve(this.size + n);
    chunk.copy(this.buffer, this.size, from, from + n);
    this.size += n;
  }

  private reserve(needed: number): void {
    if (needed <= this.buffer.length) return;
    const capacity = Math.min(this.length, Math.max(needed, this.buffer.length * 2, 64));
    const grown = Buffer.alloc(capacity);
    this.buffer.copy(grown, 0, 0, this.size);
    this.buffer = grown;
  }
}

/**
 * The last `length` bytes of the stream (from the moment the region was added), kept in a ring so
 * each chunk costs only the bytes it contributes. Complete only once the end of the stream is known.
 */
export class EndCaptureRegion extends CaptureRegion {
  private readonly ring: Buffer;
  private start = 0;
  private filled = 0;
  private finished = false;
  private view: Buffer | null = null;

  constructor(length: number) {
    super(0, length);
    this.ring = Buffer.alloc(length);
  }

  override get data(): Buffer {
    if (this.view === null) {
      const out = Buffer.alloc(this.filled);
      const firstPart = Math.min(this.filled, this.ring.length - this.start);
      this.ring.copy(out, 0, this.start, this.start + firstPart);
      this.ring.copy(out, firstPart, 0, this.filled - firstPart);
      this.view = out;
    }
    return this.view;
  }

  override get captured(): number {
    return this.filled;
  }

  override get complete(): boolean {
    return this.finished && this.filled === this.length;
  }

  override capture(chunk: Buffer, position: number): void {
    const cap = this.ring.length;
    if (cap === 0) return;
    this.view = null;
    if (chunk.length >= cap) {
      chunk.copy(this.ring, 0, chunk.length - cap);
      this.start = 0;
      this.filled = cap;
    } else {
      const overflow = this.filled + chunk.length - cap;
      if (overflow > 0) {
        this.start = (this.start + overflow) % cap;
        this.filled -= overflow;
      }
      const at = (this.start + this.filled) % cap;
      const head = Math.min(chunk.length, cap - at);
      chunk.copy(this.ring, at, 0, head);
      chunk.copy(this.ring, 0, head);
      this.filled += chunk.length;
    }
    this.offset = position - this.filled;
  }

  finish(): void {
    this.finished = true;
  }
}

const EMPTY = Buffer.alloc(0);
