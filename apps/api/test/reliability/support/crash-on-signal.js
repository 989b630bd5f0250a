// Preloaded into the service's processes by the supervisor test (NODE_OPTIONS=--require): SIGUSR2
// makes a worker throw an error nobody catches, standing in for a bug, so the test can check that
// the worker logs its stack before it dies and that the primary replaces it.
process.on('SIGUSR2', () => {
  setImmediate(() => {
    throw new Error('injected crash (SIGUSR2 from the reliability test)');
  });
});
