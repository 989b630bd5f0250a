import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { GlanceConfig } from '@glance-ts/config';

/**
 * glibc gives every thread that calls malloc an arena of its own and keeps freed blocks there; with
 * librbd's threads and libuv's 16 copying multi-megabyte buffers, that held ~160 MiB per worker
 * after a 256 MiB rbd upload; two arenas did not slow the benchmarks. Read by glibc at process start,
 * so it is set for the workers here; an operator's own value wins.
 */
const WORKER_ENV = { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' };

/** A worker that lived less than this died "at once": its replacement waits longer each time. */
const STABLE_AFTER_MS = 10_000;

export interface SuperviseOptions {
  /** Delay before the first replacement of a crashing worker, doubled per crash in a row (default 1 s). */
  restartDelayMs?: number;
  /** The longest delay between replacements (default 30 s). */
  maxRestartDelayMs?: number;
}

/**
 * Forks `[DEFAULT] workers` API processes that share the listening socket (node:cluster) and keeps
 * that many alive, for as long as it is supposed to serve:
 * - start-up is all or nothing: a worker that exits before the service first listened (port in
 *   use, a file changed under us) stops the whole service with exit code 1;
 * - afterwards a worker that dies is replaced, after 1 s; when workers keep dying soon after they
 *   start (a crash loop), each replacement waits twice as long as the last, up to 30 s, and the log
 *   says so. The pending replacement keeps the primary alive even when no worker is left;
 * - SIGTERM/SIGINT stop the workers gracefully, then the primary.
 * Its lines are written at once (a sync logger), each naming the worker's pid.
 */
export function superviseWorkers(config: GlanceConfig, logger: Logger, options: SuperviseOptions = {}): void {
  const { workers: count, bindHost, bindPort } = config.server;
  const baseDelay = options.restartDelayMs ?? 1000;
  const maxDelay = options.maxRestartDelayMs ?? 30_000;
  let servedOnce = false;
  let listening = 0;
  let stopping = false;
  /** The primary's exit code once stopping: 0 for a signal, 1 when the workers could not start. */
  let stopCode = 0;
  /** Crashes in a row of workers that died before they were stable. */
  let crashStreak = 0;
  const startedAt = new Map<Worker, number>();
  const replacements = new Set<NodeJS.Timeout>();

  const fork = () => {
    const worker = cluster.fork(WORKER_ENV);
    startedAt.set(worker, Date.now());
    worker.once('listening', () => {
      listening += 1;
      if (!servedOnce && listening === count) {
        servedOnce = true;
        logger.info(
          `glance-ts API listening on http://${bindHost}:${bindPort} with ${count} workers (primary pid ${process.pid})`,
        );
      } else if (servedOnce) {
        logger.info(`worker ${worker.process.pid} replaced a dead worker and is listening`);
      }
    });
  };

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker) ?? Date.now());
    startedAt.delete(worker);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(stopCode);
      return;
    }
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (!servedOnce) {
      logger.error(`worker ${worker.process.pid} exited with ${how} before the service listened; stopping`);
      stopping = true;
      // The other workers' exits may come before the exit below: they must not turn it into a 0.
      stopCode = 1;
      for (const other of Object.values(cluster.workers ?? {})) other?.kill();
      setImmediate(() => process.exit(1));
      return;
    }
    crashStreak = lived < STABLE_AFTER_MS ? crashStreak + 1 : 0;
    const delay = Math.min(maxDelay, baseDelay * 2 ** Math.max(0, crashStreak - 1));
    const loop =
      crashStreak > 1
        ? `; ${crashStreak} workers in a row died within ${STABLE_AFTER_MS / 1000} s, backing off`
        : '';
    logger.error(
      `worker ${worker.process.pid} exited with ${how} after ${(lived / 1000).toFixed(1)} s; ` +
        `starting a replacement in ${delay / 1000} s${loop}`,
    );
    // Not unref'd: with every worker dead, this timer is what keeps the primary serving.
    const timer = setTimeout(() => {
      replacements.delete(timer);
      if (!stopping) fork();
    }, delay);
    replacements.add(timer);
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const timer of replacements) clearTimeout(timer);
    logger.info(`${signal}: stopping ${Object.keys(cluster.workers ?? {}).length} workers`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  for (let i = 0; i < count; i++) fork();
}
