/**
 * Test helpers of @glance-ts/pycompat (`@glance-ts/pycompat/testing`): the Python oracle every
 * differential test asks, and the seeded random-case harness. For specs only: the production entry
 * point does not export them, and lint refuses them outside specs.
 */
export {
  SYSTEM_PYTHON,
  type OracleAnswer,
  type OracleOptions,
  type OracleRequest,
  askPythonOracle,
  assertPythonModules,
  oracleValue,
} from './python-oracle';
export { SeededRandom, mulberry32, seedFromEnv } from './random';
export { RandomData } from './random-data';
export { PY_CHARACTER_POOLS, randomJsonValue, randomPyText, randomPyWords } from './random-python';
