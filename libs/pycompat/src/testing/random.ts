/**
 * The seeded random-case harness of the differential and reliability tests: mulberry32, small,
 * fast, and the same sequence for the same seed everywhere, so that a failing case is replayed
 * from its seed.
 */

/** mulberry32: numbers in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seed of a run: the environment variable's value (to replay a run), else a fresh one. Print
 * it, so that a failure can be replayed.
 */
export function seedFromEnv(variable: string): number {
  const text = process.env[variable];
  return text ? Number(text) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
}

export class SeededRandom {
  readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** An integer in [0, bound). */
  below(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }
}
