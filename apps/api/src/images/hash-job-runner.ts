import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { GlanceConfig } from '@glance-ts/config';
import type { HashJob, HashJobRepository, ImageRepository } from '@glance-ts/db';
import { GLANCE_CONFIG } from '../config/config.tokens';
import { StoreNotFoundError, StoreRegistry } from '@glance-ts/stores';
import { createImageHasher } from './image-hasher';
import { HASH_JOB_REPOSITORY, IMAGE_REPOSITORY } from './images.tokens';

/** How long a job is this process's before another may take it over (a crashed worker's job). */
const LEASE_MS = 30 * 60_000;
/** How often an idle runner looks for jobs another process queued. */
const POLL_MS = 2_000;
/** The first retry waits this long, each next one twice as long. */
const RETRY_BASE_MS = 2_000;

/**
 * Computes checksum and os_hash_value for images whose data arrived by location, one image at a
 * time per process, from the durable job queue (so a restart picks up where it stopped, and several
 * workers share the work). Reads the data through its store, hashing on worker threads, like an
 * upload. A job whose declared hash does not match puts the image back to `queued` without the
 * location (Glance's location_import revert); one that keeps failing gives up after `http_retries`
 * attempts, leaving an active image without hashes or an importing image queued again.
 */
@Injectable()
export class HashJobRunner implements OnModuleDestroy {
  private readonly logger = new Logger(HashJobRunner.name);
  private readonly owner = `${hostname()}:${process.pid}`;
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private current: AbortController | null = null;

  constructor(
    @Inject(HASH_JOB_REPOSITORY) private readonly jobs: HashJobRepository,
    @Inject(IMAGE_REPOSITORY) private readonly images: ImageRepository,
    @Inject(StoreRegistry) private readonly stores: StoreRegistry,
    @Inject(GLANCE_CONFIG) private readonly config: GlanceConfig,
  ) {}

  /** Called by bootstrap once the stores have started (a job needs its store). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Nest's first shutdown hook: the runner stops before the stores and the database close. */
  async onModuleDestroy(): Promise<void> {
    this.running = false;
    this.current?.abort(new Error('shutting down'));
    this.wake();
    await this.loop;
  }

  /** A job was queued in this process: look now rather than at the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let job: HashJob | null = null;
      try {
        job = await this.jobs.claim(this.owner, LEASE_MS);
      } catch (error) {
        this.logger.error(`cannot read the hashing queue: ${String(error)}`);
      }
      if (job) {
        await this.process(job);
        continue;
      }
      // Stopped while claiming: nobody would wake the sleep below, and its timer is unref'd.
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_MS);
        timer.unref();
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = null;
    }
  }

  private async process(job: HashJob): Promise<void> {
    const image = await this.images.get(job.imageId);
    const location = image?.locations.find((candidate) => candidate.url === job.locationUrl);
    if (!image || !location || !['active', 'importing'].includes(image.status)) {
      // Deleted, re-pointed, or the process died before the image was updated: nothing to hash.
      await this.jobs.finish(job.imageId, this.owner);
      return;
    }
    const store = this.stores.storeForLocation(job.locationUrl);
    if (!store) {
      this.logger.warn(`image ${job.imageId}: no configured store reads ${job.locationUrl}; not hashing it`);
      await this.jobs.finish(job.imageId, this.owner);
      return;
    }
    const abort = new AbortController();
    this.current = abort;
    let digest;
    try {
      const { stream } = await store.get(job.locationUrl, { signal: abort.signal });
      const hasher = createImageHasher({ maxBytes: Number.MAX_SAFE_INTEGER });
      const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
      await pipeline(stream, hasher, sink, { signal: abort.signal });
      digest = await hasher.digest();
    } catch (error) {
      if (!this.running) {
        // Shutting down: give the job back at once for the next start (or another worker).
        await this.jobs
          .retryLater(job.imageId, this.owner, 'interrupted by shutdown', 0)
          .catch(() => undefined);
        return;
      }
      await this.failed(job, image.status, error);
      return;
    } finally {
      this.current = null;
    }

    if (job.expectedHash !== null && job.expectedHash !== digest.osHashValue) {
      this.logger.warn(
        `image ${job.imageId}: os_hash_value ${job.expectedHash} declared with the location does not match the data (${digest.osHashValue}); back to queued`,
      );
      await this.revert(job, image.status);
      return;
    }
    const updated = await this.images.transition(job.imageId, ['active', 'importing'], {
      core: {
        status: 'active',
        size: digest.size,
        checksum: digest.checksum,
        osHashAlgo: this.config.secureHash.algorithm,
        osHashValue: digest.osHashValue,
      },
    });
    if (updated) this.logger.log(`image ${job.imageId}: hashed ${digest.size} bytes from ${job.locationUrl}`);
    await this.jobs.finish(job.imageId, this.owner);
  }

  private async failed(job: HashJob, status: string, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof StoreNotFoundError) {
      this.logger.warn(`image ${job.imageId}: its data is gone from ${job.locationUrl}; not hashing it`);
      await this.jobs.finish(job.imageId, this.owner);
      return;
    }
    const attempt = job.attempts + 1;
    if (attempt > this.config.secureHash.retries) {
      this.logger.error(`image ${job.imageId}: hashing failed ${attempt} times, giving up: ${message}`);
      if (status === 'importing') await this.revert(job, status);
      else await this.jobs.finish(job.imageId, this.owner);
      return;
    }
    const delay = RETRY_BASE_MS * 2 ** job.attempts;
    this.logger.warn(
      `image ${job.imageId}: hashing failed (attempt ${attempt}), retrying in ${delay} ms: ${message}`,
    );
    await this.jobs.retryLater(job.imageId, this.owner, message, delay);
  }

  /** The location's data cannot be trusted: the image goes back to queued without it. */
  private async revert(job: HashJob, status: string): Promise<void> {
    const image = await this.images.get(job.imageId);
    if (image) {
      await this.images.transition(job.imageId, [status as 'active' | 'importing'], {
        core: { status: 'queued', size: null, checksum: null, osHashAlgo: null, osHashValue: null },
        locations: image.locations.filter((location) => location.url !== job.locationUrl),
      });
    }
    await this.jobs.finish(job.imageId, this.owner);
  }
}
