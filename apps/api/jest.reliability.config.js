// The reliability suite (test/reliability): the built service under faults, fuzzing and load.
// Runs after the build, one file at a time: each starts multi-process services of its own.
module.exports = require('../../jest.preset.js')(__dirname, {
  displayName: 'api:reliability',
  testMatch: ['<rootDir>/test/reliability/**/*.spec.ts'],
  maxWorkers: 1,
});
