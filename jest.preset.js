// Shared jest settings: tests run against TypeScript sources (workspace libs are mapped to their
// src/ so no build is needed first); type checking is the build's job, so ts-jest transpiles only.
const path = require('node:path');

module.exports = (projectDir, overrides = {}) => ({
  displayName: path.relative(__dirname, projectDir),
  rootDir: projectDir,
  testEnvironment: 'node',
  // Inside the checkout (jest's default is the temporary directory, which tests leave empty).
  cacheDirectory: path.join(__dirname, 'node_modules/.cache/jest'),
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.jest.json') }],
  },
  moduleNameMapper: {
    '^@glance-ts/([a-z-]+)$': path.join(__dirname, 'libs/$1/src/index.ts'),
    // Test entry points (helpers for specs): the API's, and a library's such as `@glance-ts/db/testing`.
    '^@glance-ts/api/testing$': path.join(__dirname, 'apps/api/test/support/index.ts'),
    '^@glance-ts/([a-z-]+)/testing$': path.join(__dirname, 'libs/$1/src/testing/index.ts'),
  },
  ...overrides,
});
