import { dictSet } from './values';

describe('dictSet', () => {
  it('adds keys last and keeps a key where it was when set again, as a Python dict', () => {
    const record: Record<string, number> = {};
    for (const [key, value] of [
      ['b', 1],
      ['a', 2],
      ['b', 3],
    ] as const)
      dictSet(record, key, value);
    expect(Object.entries(record)).toEqual([
      ['b', 3],
      ['a', 2],
    ]);
  });

  it('makes __proto__ an own, enumerable key and leaves the prototype alone', () => {
    const record: Record<string, string> = {};
    dictSet(record, '__proto__', 'x');
    dictSet(record, 'constructor', 'y');
    expect(Object.keys(record)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(record['__proto__']).toBe('x');
  });
});
