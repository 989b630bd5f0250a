import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { GlanceConfig } from '@glance-ts/config';

/** A worker that dies after start-up is replaced after this delay (no tight crash loop). */
const RESTART_DELAY_MS = 1000;

/**
 * glibc gives every thread that calls malloc an arena of its own and keeps freed blocks there; with
 * librbd's threads and libuv's 16 copying multi-megabyte buffers, that held ~160 MiB per worker
 * after a 256 MiB rbd upload; two arenas did not slow the benchmarks. Read by glibc at process start,
 * so it is set for the workers here; an operator's own value wins.
 */
const WORKER_ENV = { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' };

/**
 * Forks `[DEFAULT] workers` API processes that share the listening socket (node:cluster) and keeps
 * that many alive. Start-up is all or nothing: a worker that exits before listening (port in use, a
 * file changed under us) stops the whole service with exit code 1. SIGTERM/SIGINT stop the workers
 * gracefully, then the primary.
 */
export function superviseWorkers(config: GlanceConfig, logger: Logger): void {
  const { workers: count, bindHost, bindPort } = config.server;
  let listening = 0;
  let stopping = false;
  const started = new WeakSet<Worker>();

  const fork = () => {
    const worker = cluster.fork(WORKER_ENV);
    worker.once('listening', () => {
      started.add(worker);
      listening += 1;
      if (listening === count) {
        logger.info(
          `glance-ts API listening on http://${bindHost}:${bindPort} with ${count} workers (primary pid ${process.pid})`,
        );
        // The log is buffered; the one line saying the service is up must not wait for more.
        logger.flush();
      }
    });
  };

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (!started.has(worker) && listening < count) {
      logger.error(`worker ${worker.process.pid} exited with ${how} before listening; stopping`);
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.kill();
      logger.flush();
      setImmediate(() => process.exit(1));
      return;
    }
    logger.error(`worker ${worker.process.pid} exited with ${how}; starting a replacement`);
    setTimeout(fork, RESTART_DELAY_MS).unref();
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: stopping ${count} workers`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  for (let i = 0; i < count; i++) fork();
}
