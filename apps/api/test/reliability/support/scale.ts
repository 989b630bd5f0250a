import { createHash } from 'node:crypto';
import { mulberry32 } from '@glance-ts/pycompat/testing';

/**
 * How much the reliability suite does. CI runs it at scale 1 (a few minutes on two cores);
 * `RELIABILITY_SCALE=10 npm run test:reliability` is the long run.
 */
export const RELIABILITY_SCALE = Math.max(1, Number(process.env.RELIABILITY_SCALE ?? 1) || 1);

export const scaled = (count: number): number => Math.round(count * RELIABILITY_SCALE);

/**
 * The seed of this run: `RELIABILITY_SEED` replays a run, else a fresh one. Printed by the suites
 * that use it, so a failure can be replayed.
 */
export const RELIABILITY_SEED = process.env.RELIABILITY_SEED ?? String(Date.now());

/** mulberry32 seeded from the run's seed and a name (each suite its own stream). */
export function seededRandom(name: string, seed: string = RELIABILITY_SEED): () => number {
  return mulberry32(createHash('sha256').update(`${seed}:${name}`).digest().readUInt32LE(0));
}
