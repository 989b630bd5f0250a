// `npm test` runs these with UV_THREADPOOL_SIZE=16 (package.json), the pool size main.ts gives the
// service (src/thread-pool.ts): the tests that start the API in the jest process then see the
// service's thread pool, not libuv's default 4, which a few stuck Ceph calls would exhaust.
module.exports = require('../../jest.preset.js')(__dirname, {
  // HTTP tests start the real app and real peers (python-glanceclient): give them room on 2 cores.
  testTimeout: 30000,
  // The reliability suite has a target of its own (jest.reliability.config.js), after the build.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/reliability/'],
});
