import type { SeededRandom } from './random';

/**
 * Random str and JSON values that exercise Python's repr (quoting and escaping), str.isprintable,
 * pprint's word splitting and Python's whitespace. Characters are all assigned in Unicode 14
 * (CPython 3.11's tables).
 */
export const PY_CHARACTER_POOLS: readonly string[][] = [
  [...'abcdefghijklmnopqrstuvwxyzABCDEFXYZ0123456789'],
  [...' ', ' ', ' ', '-', '_', '.', ',', ':', '/', '~'],
  ["'", '"', '\\', '%', '&', '=', '+', '?', '#', '{', '}', '[', ']'],
  ['\t', '\n', '\r', '\v', '\f', '\x00', '\x1b', '\x1c', '\x1f', '\x7f', '\x85', '\xa0', '\xad'],
  ['é', 'ü', 'ß', 'Σ', 'ς', 'ǆ', 'İ', '中', '文', '\u200b', '\u2028', '\u2029', '\u3000', '\ufeff', '\u2003'],
  ['😀', '𝟘', '𐍈', '\ud800', '\udfff', '\ue000', '\uffff', '٣', '߂', '\u0660'],
];

/** Mostly up to `maxLength` characters from one pool, sometimes up to 320. */
export function randomPyText(random: SeededRandom, maxLength = 12): string {
  const length = random.chance(0.1) ? random.below(320) : random.below(maxLength + 1);
  const pool = random.pick(PY_CHARACTER_POOLS);
  let text = '';
  for (let i = 0; i < length; i += 1) {
    text += random.chance(0.8) ? random.pick(pool) : random.pick(random.pick(PY_CHARACTER_POOLS));
  }
  return text;
}

/** Up to 30 random words joined by spaces, newlines, tabs or quotes. */
export function randomPyWords(random: SeededRandom): string {
  const words = Array.from({ length: 1 + random.below(30) }, () => randomPyText(random, 10));
  return words.join(random.pick([' ', '  ', '\n', ' \t', "' ", '" ']));
}

const SCALARS: readonly unknown[] = [
  null,
  true,
  false,
  0,
  1,
  -1,
  5,
  255,
  2 ** 31,
  1.5,
  -0.25,
  1e-7,
  1e300,
  '',
];

/** A JSON value (as JavaScript holds it) nested up to `depth`. */
export function randomJsonValue(random: SeededRandom, depth: number): unknown {
  const roll = random.next();
  if (depth <= 0 || roll < 0.45) return random.chance(0.5) ? random.pick(SCALARS) : randomPyText(random);
  if (roll < 0.55) return randomPyWords(random);
  if (roll < 0.8) return Array.from({ length: random.below(5) }, () => randomJsonValue(random, depth - 1));
  return Object.fromEntries(
    Array.from({ length: random.below(5) }, () => [
      randomPyText(random, 6),
      randomJsonValue(random, depth - 1),
    ]),
  );
}
