import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { type FastifyBaseLogger, LogController } from 'fastify';
import pino, { type Logger } from 'pino';
import { GLANCE_POLICY_DEFAULTS, PolicyEnforcer } from '@glance-ts/policy';
import type { GlanceConfig } from '@glance-ts/config';
import { openImageDatabase } from '@glance-ts/db';
import { HashJobRunner } from './images/hash-job-runner';
import { UploadRecovery } from './images/upload-recovery';
import { AppModule, type GlanceRuntime } from './app.module';
import { registerAuthHook } from './auth/auth.hook';
import { newRequestId } from './auth/request-context';
import type { AuthStrategy } from './auth/auth-strategy';
import { createAuthStrategy } from './auth/strategies';
import { buildOpenApiDocument, OpenApiDocumentHolder } from './docs/openapi-document';
import { registerBodyParsers } from './http/body-parsers';
import { GlanceExceptionFilter } from './http/glance-exception.filter';
import { translateImageErrors } from './images/image-error-answers';
import { RouteTable } from './http/route-table';
import { StoreRegistry } from '@glance-ts/stores';
import { versionNegotiator } from './versions/api-versions';

/** How long a stopping worker waits for requests in flight before closing their connections. */
export const SHUTDOWN_GRACE_MS = 10_000;

export interface CreateAppOptions {
  /** pino level; tests pass 'silent'. */
  logLevel?: pino.Level | 'silent';
  /** A pino destination (tests capture logs); stdout by default. */
  logDestination?: pino.DestinationStream;
  /** Watch the policy file for changes (on in the service; tests that don't need it turn it off). */
  watchPolicy?: boolean;
}

export interface GlanceApp {
  app: NestFastifyApplication;
  runtime: GlanceRuntime;
  logger: Logger;
}

/** The service's logger: JSON lines on stdout (or the given destination). */
export function createLogger(
  level: pino.Level | 'silent',
  destination?: pino.DestinationStream,
  options: { sync?: boolean } = {},
): Logger {
  let stream = destination;
  if (!stream) {
    // Asynchronous, buffered stdout: one access-log line per request must not cost a write(2) each.
    // Flushes stay below PIPE_BUF (4096) so lines of several workers sharing a pipe never interleave.
    // The supervising primary writes its few lines at once (sync).
    const stdout = options.sync
      ? pino.destination({ dest: 1, sync: true })
      : pino.destination({ dest: 1, sync: false, minLength: 3072 });
    // A quiet service must not sit on its last lines until 3 KiB more arrive: written within a
    // second, whatever the traffic.
    if (!options.sync) setInterval(() => flushStream(stdout), LOG_FLUSH_INTERVAL_MS).unref();
    stream = stdout;
  }
  return pino(
    {
      level,
      base: { service: 'glance-ts-api', pid: process.pid },
      hooks: {
        // Warnings and errors are written at once: a process that dies next must not take them with it.
        logMethod(args, method, levelValue) {
          method.apply(this, args);
          if (levelValue >= 40) flushLoggerSync(this);
        },
      },
    },
    stream,
  );
}

/** Buffered log lines are written at least this often. */
export const LOG_FLUSH_INTERVAL_MS = 1000;

function flushStream(stream: { flush?: () => void }): void {
  try {
    stream.flush?.();
  } catch {
    // Not open yet, or stdout is gone: the next tick (or the exit) writes it.
  }
}

/** Writes out what the logger has buffered, before a process exits. */
export function flushLoggerSync(logger: Logger): void {
  const stream = (logger as unknown as Record<symbol, { flushSync?: () => void }>)[pino.symbols.streamSym];
  try {
    stream?.flushSync?.();
  } catch {
    // Nothing buffered, or stdout is gone: nothing more can be done.
  }
}

/**
 * An error nobody handled ends the process, as Node would, but only after its stack is logged
 * and the log flushed: a worker's death must say why, in the log, at once.
 */
export function exitOnUncaughtErrors(logger: Logger): void {
  const die = (kind: string) => (error: unknown) => {
    logger.fatal(
      `${kind}, exiting (pid ${process.pid}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    flushLoggerSync(logger);
    process.exit(1);
  };
  process.on('uncaughtException', die('uncaught exception'));
  process.on('unhandledRejection', die('unhandled promise rejection'));
}

/**
 * Loads what the configuration names besides itself — the policy file and the token file — and
 * fails with PolicyFileError / ConfigError when either is invalid. The cluster primary calls it to
 * refuse a bad start before forking; createApp to build the service.
 */
export function loadPolicyAndAuth(
  config: GlanceConfig,
  logger: Logger,
): { enforcer: PolicyEnforcer; strategy: AuthStrategy } {
  const enforcer = new PolicyEnforcer({
    defaults: GLANCE_POLICY_DEFAULTS,
    policyFile: config.policy.policyFile,
    logger: {
      info: (msg) => logger.info(msg),
      warn: (msg) => logger.warn(msg),
      error: (msg) => logger.error(msg),
    },
  });
  enforcer.load();
  const strategy = createAuthStrategy(config.auth, {
    info: (msg) => logger.info(`auth: ${msg}`),
    warn: (msg) => logger.warn(`auth: ${msg}`),
    error: (msg) => logger.error(`auth: ${msg}`),
  });
  return { enforcer, strategy };
}

/**
 * Builds the whole service from a validated config. Everything that can be wrong in the
 * configuration (policy file, token file) fails here, before a port is opened.
 */
export async function createApp(config: GlanceConfig, options: CreateAppOptions = {}): Promise<GlanceApp> {
  const logger = createLogger(options.logLevel ?? (config.debug ? 'debug' : 'info'), options.logDestination);
  for (const warning of config.warnings) logger.warn(`${config.source.path}: ${warning}`);

  const { enforcer, strategy } = loadPolicyAndAuth(config, logger);
  const warning = strategy.startupWarning?.();
  if (warning) logger.warn(warning);

  const database = await openImageDatabase(config.database, {
    logger: { info: (msg) => logger.info(msg) },
    poolSize: config.databaseMaxPoolSize,
  });
  const runtime: GlanceRuntime = {
    config,
    enforcer,
    stores: new StoreRegistry(config, {
      logger: { log: (msg) => logger.info(msg), warn: (msg) => logger.warn(msg) },
      allowedNetworks: config.importFiltering.allowedNetworks,
    }),
    openApi: new OpenApiDocumentHolder(),
    database,
  };

  const negotiateVersionUrl = versionNegotiator(config.multiStore);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // Our onResponse hook writes the one access-log line; Fastify's own two lines are off.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: newRequestId,
    // No per-request child logger (a pino child per request is measurable at 10k req/s): the
    // access-log line carries the request id itself.
    childLoggerFactory: (rootLogger: FastifyBaseLogger) => rootLogger,
    // No Nest middleware is used; without middie every request skips a hook.
    skipMiddie: true,
    // Glance answers HEAD with 405; Fastify would otherwise add a HEAD route for every GET.
    exposeHeadRoutes: false,
    rewriteUrl: (request: IncomingMessage) => negotiateVersionUrl(request.url ?? '/'),
    // Glance's client_socket_timeout: a connection idle that long (a client that stopped sending
    // or reading) is closed. Uploads also have a progress check of their own (image-data.service).
    connectionTimeout: config.server.clientSocketTimeout * 1000,
  });
  const fastify = adapter.getInstance();
  const routes = new RouteTable();
  fastify.addHook('onRoute', (route) => routes.add(route.url, route.method));
  registerAuthHook(fastify, strategy, enforcer);
  registerBodyParsers(fastify);
  // One access-log line per request, like Glance's eventlet log. A preformatted message: pino
  // serialising a merge object per request cost ~15 % of throughput on the discovery benchmark.
  fastify.addHook('onResponse', (request, reply, done) => {
    logger.info(
      `${request.id} "${request.method} ${request.url}" ${reply.statusCode} ${reply.elapsedTime.toFixed(1)}ms`,
    );
    done();
  });

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(runtime, logger), adapter, {
    bufferLogs: true,
    // Our own parsers (registerBodyParsers): uploads must stay streams.
    bodyParser: false,
  });
  app.useLogger(app.get(PinoNestLogger));
  app.useGlobalFilters(new GlanceExceptionFilter(routes, [translateImageErrors]));
  app.enableShutdownHooks();
  await app.init();
  runtime.openApi.document = buildOpenApiDocument(app);

  await runtime.stores.start();
  app.get(HashJobRunner).start();
  app.get(UploadRecovery).start();
  if (options.watchPolicy ?? true) enforcer.watch();
  // A stop (SIGTERM) lets requests in flight finish for a while, then cuts what is left (a stalled
  // upload must not hold a restart for client_socket_timeout); cut uploads are queued again.
  fastify.addHook('preClose', (done) => {
    setTimeout(() => fastify.server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
    done();
  });
  fastify.addHook('onClose', async () => {
    enforcer.close();
    await strategy.close?.();
    await runtime.stores.close();
    await database.close();
    // The last requests' access-log lines, before the process exits.
    flushLoggerSync(logger);
  });
  return { app, runtime, logger };
}
