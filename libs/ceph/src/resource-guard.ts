/**
 * Tracks the native calls running on a handle so that it is freed only after the last one returns:
 * librados/librbd handles must not be destroyed while another thread is inside a call on them.
 */
export class ResourceGuard {
  private inFlight = 0;
  private closing: Promise<void> | null = null;
  private drained: (() => void) | null = null;

  constructor(private readonly what: string) {}

  get closed(): boolean {
    return this.closing !== null;
  }

  /** Runs `fn` while holding the handle open; refuses once `close` has begun. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closing) throw new Error(`${this.what} is closed`);
    this.inFlight++;
    try {
      return await fn();
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) this.drained?.();
    }
  }

  /** Waits for calls in flight, then runs `free` once; later calls return the same promise. */
  close(free: () => Promise<void>): Promise<void> {
    this.closing ??= (async () => {
      if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      await free();
    })();
    return this.closing;
  }
}
