import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { GlanceConfig } from '@glance-ts/config';
import { type ImageRepository, locationDataKey, type UploadInProgress } from '@glance-ts/db';
import { GLANCE_CONFIG } from '../config/config.tokens';
import { ownerIsGone, ownerPid } from '../process/process-identity';
import { StoreRegistry } from '@glance-ts/stores';
import { IMAGE_REPOSITORY } from './images.tokens';

/** The longest pause between two sweeps, whatever the timeout. */
const MAX_SWEEP_INTERVAL_MS = 30_000;

/**
 * Puts back to `queued` the images an upload left `saving` and will never finish: its process died
 * (a crash, kill -9, the server restarted) or stopped heart-beating (another host went away, a
 * hung process) for `stale_upload_timeout`. Their partial data is removed from the store first,
 * then the image is released with a compare-and-set on the lease it was seen with, so an upload
 * that is alive after all keeps its image, and every worker of every host can sweep at once.
 * Runs at start (an upload of a process that died with the server is recovered right away) and
 * then periodically.
 */
@Injectable()
export class UploadRecovery implements OnModuleDestroy {
  private readonly logger = new Logger(UploadRecovery.name);
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private stopped = false;

  constructor(
    @Inject(IMAGE_REPOSITORY) private readonly images: ImageRepository,
    @Inject(StoreRegistry) private readonly stores: StoreRegistry,
    @Inject(GLANCE_CONFIG) private readonly config: GlanceConfig,
  ) {}

  /** Called by bootstrap once the stores have started (the partial data is in them). */
  start(): void {
    const interval = Math.min(MAX_SWEEP_INTERVAL_MS, (this.config.staleUploadTimeout * 1000) / 3);
    const next = () => {
      if (this.stopped) return;
      // Jitter spreads the sweeps of several workers.
      this.timer = setTimeout(() => void this.sweepThen(next), interval * (0.75 + Math.random() / 2));
      this.timer.unref();
    };
    void this.sweepThen(next);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.sweeping;
  }

  /** One pass over the `saving` images; resolves when done (tests call it directly). */
  async sweep(now = Date.now()): Promise<string[]> {
    const recovered: string[] = [];
    let uploads: UploadInProgress[];
    try {
      uploads = await this.images.uploadsInProgress();
    } catch (error) {
      this.logger.warn(`cannot look for abandoned uploads: ${String(error)}`);
      return recovered;
    }
    for (const upload of uploads) {
      if (this.stopped) break;
      const why = this.abandoned(upload, now);
      if (why === null) continue;
      try {
        if (await this.recover(upload)) {
          recovered.push(upload.imageId);
          this.logger.warn(`image ${upload.imageId}: upload abandoned (${why}); the image is queued again`);
        }
      } catch (error) {
        this.logger.error(
          `image ${upload.imageId}: cannot recover the abandoned upload (${why}): ${String(error)}`,
        );
      }
    }
    return recovered;
  }

  private async sweepThen(next: () => void): Promise<void> {
    this.sweeping = this.sweep().then(() => undefined);
    await this.sweeping;
    this.sweeping = null;
    next();
  }

  /** Why the upload will never finish, or null while its owner may still be at work. */
  private abandoned(upload: UploadInProgress, now: number): string | null {
    if (upload.owner === null) return 'left by a glance-ts without upload leases';
    const gone = ownerIsGone(upload.owner);
    if (gone === true) return `its process ${upload.owner} is gone`;
    if (gone === false) return null;
    const timeoutMs = this.config.staleUploadTimeout * 1000;
    if (upload.heartbeatAt === null || now - upload.heartbeatAt > timeoutMs) {
      return `no heartbeat from ${upload.owner} for ${this.config.staleUploadTimeout} s`;
    }
    return null;
  }

  /**
   * Removes the partial data (while the image is still `saving`, so no new upload can be writing
   * it), then releases the image if its lease is still the one seen.
   */
  private async recover(upload: UploadInProgress): Promise<boolean> {
    const store = upload.store === null ? undefined : this.stores.getDataStore(upload.store);
    if (store) {
      const url = store.uploadLocation(upload.imageId);
      const key = url === null ? null : locationDataKey(url);
      // Data another image has a location on is that image's now: keep it.
      const finalData = key === null || !(await this.images.isDataReferenced(key));
      await store.discardUpload(upload.imageId, {
        finalData,
        ownerPid: upload.owner === null ? null : ownerPid(upload.owner),
      });
    }
    return this.images.recoverUpload(upload.imageId, {
      owner: upload.owner,
      heartbeatAt: upload.heartbeatAt,
    });
  }
}
