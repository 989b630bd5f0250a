import { join } from 'node:path';
import { api, Service, until } from './support/service';

/**
 * The primary keeps the service up: workers that die are replaced (even all at once, which used to
 * leave the primary with nothing keeping it alive: it exited and the port stayed closed), a crash
 * loop backs off, and a worker that dies of a bug says why, in the log, at once.
 */
jest.setTimeout(180_000);

const CRASH_ON_SIGNAL = join(__dirname, 'support/crash-on-signal.js');

describe('the supervisor', () => {
  let service: Service;
  beforeAll(async () => {
    service = await Service.start({ workers: 2, env: { NODE_OPTIONS: `--require ${CRASH_ON_SIGNAL}` } });
  });
  afterAll(() => service?.stop());

  const answers = async () =>
    (await fetch(`${service.url}/versions`)
      .then((response) => response.status)
      .catch(() => 0)) === 200;

  it('replaces every worker killed at once, and keeps serving', async () => {
    const before = service.workerPids();
    expect(before).toHaveLength(2);
    for (const pid of before) process.kill(pid, 'SIGKILL');
    const after = await until(
      () => service.workerPids(),
      (pids) => pids.length === 2 && pids.every((pid) => !before.includes(pid)),
      20_000,
      'two new workers',
    );
    expect(after).toHaveLength(2);
    await until(answers, (ok) => ok, 20_000, 'the service answers');
    expect((await api(service, 'GET', '/v2/info/stores')).status).toBe(200);
    expect(service.log).toMatch(new RegExp(`worker ${before[0]} exited with signal SIGKILL`));
  });

  it('logs the stack of a worker that dies of an uncaught error, then replaces it', async () => {
    const [victim] = service.workerPids();
    process.kill(victim, 'SIGUSR2');
    await until(
      () => service.workerPids(),
      (pids) => pids.length === 2 && !pids.includes(victim),
      20_000,
      'replaced',
    );
    const exitLine = await until(
      () => service.log.split('\n').find((line) => line.includes(`worker ${victim} exited`)),
      (line) => line !== undefined,
      10_000,
      'the exit line',
    );
    expect(exitLine).toMatch(/exited with code 1/);
    const crash = service.log.split('\n').find((line) => line.includes('injected crash'));
    expect(crash).toBeDefined();
    expect(JSON.parse(crash!)).toMatchObject({ level: 60, pid: victim });
    expect(crash).toMatch(/uncaught exception, exiting .*at Immediate/);
    expect(service.log).toMatch(new RegExp(`worker ${victim} exited with code 1`));
  });

  it('backs off when workers keep dying right after they start, and says so', async () => {
    for (let round = 0; round < 3; round++) {
      const pids = await until(
        () => service.workerPids(),
        (found) => found.length > 0,
        30_000,
        'a worker',
      );
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await until(
      () => service.log,
      (log) => /backing off/.test(log),
      30_000,
      'a back-off line',
    );
    expect(service.log).toMatch(/starting a replacement in [248] s; \d+ workers in a row died/);
    await until(answers, (ok) => ok, 60_000, 'the service answers again');
    expect(service.primaryPid).toBeGreaterThan(0);
  });
});
