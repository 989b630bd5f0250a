/**
 * koffi registers type names for the whole process, and jest (like any code using module
 * isolation) may load this library more than once in one process: every load must bind.
 */
describe('the librados/librbd binding', () => {
  it('loads again in a fresh module registry of the same process', () => {
    const loads: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { cephNative } = require('./native') as typeof import('./native');
        loads.push(cephNative());
      });
    }
    expect(loads).toHaveLength(2);
    expect(loads[0]).not.toBe(loads[1]);
    for (const native of loads as ReturnType<typeof import('./native').cephNative>[]) {
      expect(typeof native.rbd_clone3).toBe('function');
      expect(native.types.linkedImageSpec.size).toBeGreaterThan(0);
    }
  });
});
