// Shared jest settings: tests run against TypeScript sources (workspace libs are mapped to their
// src/ so no build is needed first); type checking is the build's job, so ts-jest transpiles only.
//
// Tests come in kinds, told apart by their file name (docs/architecture.md, README "Tests"):
//   *.spec.ts          test     pure: no other process, database server, Docker or Python
//                               (in-process loopback servers are fine); the fast loop
//   *.e2e.spec.ts      e2e      the real app or a real tool: HTTP against the API, PostgreSQL, qemu-img
//   *.interop.spec.ts  interop  Python peers: python-glanceclient, openstackclient, oslo.policy,
//                               Keystone, CPython as the oracle of the Python behaviours we mimic
//   *.ceph.spec.ts     ceph     a real Ceph cluster in Docker
// GLANCE_TEST_KIND (test | e2e | interop | ceph) selects one kind; unset, jest runs them all (so that
// `npx jest -c <project>/jest.config.js <file>` runs any file).
const path = require('node:path');

const SUFFIX_KINDS = ['e2e', 'interop', 'ceph'];

function selection(kind) {
  const everywhere = (suffix) => [`<rootDir>/src/**/*${suffix}`, `<rootDir>/test/**/*${suffix}`];
  if (kind === undefined || kind === '') return { testMatch: everywhere('.spec.ts'), ignore: [] };
  if (kind === 'test') {
    return { testMatch: everywhere('.spec.ts'), ignore: [`\\.(${SUFFIX_KINDS.join('|')})\\.spec\\.ts$`] };
  }
  if (SUFFIX_KINDS.includes(kind)) return { testMatch: everywhere(`.${kind}.spec.ts`), ignore: [] };
  throw new Error(`GLANCE_TEST_KIND must be one of test, ${SUFFIX_KINDS.join(', ')}; got ${kind}`);
}

module.exports = (projectDir, overrides = {}) => {
  const { testPathIgnorePatterns = ['/node_modules/'], ...rest } = overrides;
  const kind = process.env.GLANCE_TEST_KIND;
  const selected = selection(kind);
  return {
    displayName: path.relative(__dirname, projectDir) + (kind ? `:${kind}` : ''),
    rootDir: projectDir,
    testEnvironment: 'node',
    // Inside the checkout (jest's default is the temporary directory, which tests leave empty).
    cacheDirectory: path.join(__dirname, 'node_modules/.cache/jest'),
    testMatch: selected.testMatch,
    testPathIgnorePatterns: [...testPathIgnorePatterns, ...selected.ignore],
    transform: {
      '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.jest.json') }],
    },
    moduleNameMapper: {
      '^@glance-ts/([a-z-]+)$': path.join(__dirname, 'libs/$1/src/index.ts'),
      // Test entry points (helpers for specs): the API's, and a library's such as `@glance-ts/db/testing`.
      '^@glance-ts/api/testing$': path.join(__dirname, 'apps/api/test/support/index.ts'),
      '^@glance-ts/([a-z-]+)/testing$': path.join(__dirname, 'libs/$1/src/testing/index.ts'),
    },
    ...rest,
  };
};
