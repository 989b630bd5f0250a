module.exports = require('../../jest.preset.js')(__dirname, {
  // HTTP tests start the real app and real peers (python-glanceclient): give them room on 2 cores.
  testTimeout: 30000,
});
