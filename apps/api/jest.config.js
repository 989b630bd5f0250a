module.exports = require('../../jest.preset.js')(__dirname, {
  // HTTP tests start the real app and real peers (python-glanceclient): give them room on 2 cores.
  testTimeout: 30000,
  // The reliability suite has a target of its own (jest.reliability.config.js), after the build.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/reliability/'],
});
