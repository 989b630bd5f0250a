import { randomBytes } from 'node:crypto';
import { type FileHandle, link, lstat, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { addAbortSignal, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileStoreConfig } from '@glance-ts/config';
import type { FileStorePropertiesDto } from '@glance-ts/contracts';
import { BackgroundWriteback, FileImageWriter } from './file-image-writer';
import { FileRangeStream } from './file-range-stream';
import {
  type DirectFileWrites,
  isFileWritingSource,
  StoreBadLocationError,
  type StoredImage,
  StoreDuplicateError,
  StoreError,
  StoreFullError,
  StoreNotFoundError,
  type StoreReadOptions,
  type StoreReadResult,
  StoreWriteDeniedError,
  type StoreWriteOptions,
} from './store-data';
import { StoreDriver } from './store-driver';

const FILE_URL_PREFIX = 'file://';

/**
 * Bytes the writer buffers while a write is in flight; the next writev takes all of them. It writes
 * what the store writes itself: thin-provisioned images, and what a FileWritingSource passed on
 * before writing into the file (the upload hasher's first 256 KiB). The kernel's copy into the
 * page cache is cheapest while the data is still in the CPU's caches. Per 1 GiB upload, every
 * write into just-freed pages, two APIs side by side and uploads alternating between them
 * (2026-12-05, before the hasher wrote, medians of 8): 8 MiB 3.56 and 4.12 core-s, 256 KiB 3.17
 * and 3.16 (one and two workers), the event loop paying ~0.06 of it in more system calls; 8 MiB
 * cost up to 1.1 core-s more on some uploads, 256 KiB never. 256 KiB is also the write path's
 * memory per upload; a disk stall longer than that pauses the client through TCP, as Glance's
 * does.
 */
export const FILE_WRITE_HIGH_WATER_MARK = 256 * 1024;

/**
 * An upload is synced in the background every this many bytes, so the disk writes it back while it
 * arrives and the final fdatasync before publishing has little left to do (1 GiB uploads measured
 * 10-25 % faster than with one fdatasync at the end, within 5 % of not syncing at all).
 */
export const FILE_WRITEBACK_BYTES = 64 * 1024 * 1024;

/**
 * Read size of downloads. Through Fastify to curl here: 64 KiB (Node's default) ~300 MB/s, 256 KiB
 * ~600 MB/s, 1 MiB ~1 GB/s, 2 and 4 MiB no faster. Each download buffers about two reads.
 */
export const FILE_READ_HIGH_WATER_MARK = 1024 * 1024;

/**
 * Temporary names: `.<image id>.<pid>-<random>.tmp`, hidden and never a valid image id, so a listing
 * of the data dir tells them apart and a crashed process's leftovers can be attributed to it.
 */
const TEMP_FILE_PATTERN = /^\.(.+)\.(\d+)-[0-9a-f]{12}\.tmp$/;

/** Image ids become file names: no separators, no dot files (the temporary files' namespace). */
const IMAGE_ID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

export interface FileStoreDriverOptions {
  /** Bytes buffered per upload while a write is in flight (default FILE_WRITE_HIGH_WATER_MARK). */
  writeHighWaterMark?: number;
  /** Read size of downloads (default FILE_READ_HIGH_WATER_MARK). */
  readHighWaterMark?: number;
  /** Background fdatasync every this many bytes of an upload (default FILE_WRITEBACK_BYTES; 0: off). */
  writebackBytes?: number;
  /**
   * fdatasync each image before publishing it, and the directory after (default true). Off only for
   * benchmarks and tests that measure the write path without the disk.
   */
  durable?: boolean;
}

/**
 * Images as files `<dataDir>/<image id>` (Glance's filesystem store, one data dir). An upload is
 * written under a temporary name in the same directory, synced, then hard-linked to its final name
 * (link fails when the name exists, so two uploads of one image cannot overwrite each other, unlike
 * a rename) and the temporary name removed: a reader never sees a partial image.
 */
export class FileStoreDriver extends StoreDriver<'file'> {
  /** The data dir, absolute and normalised (the config keeps the value as written, for discovery). */
  readonly directory: string;
  private readonly writeHighWaterMark: number;
  private readonly readHighWaterMark: number;
  private readonly durable: boolean;
  private readonly writebackBytes: number;
  private directoryReady: Promise<void> | null = null;
  /** Temporary files of this process's uploads in progress: cleanup leaves them alone. */
  private readonly activeTemporaryFiles = new Set<string>();

  constructor(config: FileStoreConfig, options: FileStoreDriverOptions = {}) {
    super(config);
    this.directory = resolve(config.dataDir);
    this.writeHighWaterMark = options.writeHighWaterMark ?? FILE_WRITE_HIGH_WATER_MARK;
    this.readHighWaterMark = options.readHighWaterMark ?? FILE_READ_HIGH_WATER_MARK;
    this.durable = options.durable ?? true;
    this.writebackBytes = options.writebackBytes ?? FILE_WRITEBACK_BYTES;
  }

  properties(): FileStorePropertiesDto {
    return {
      data_dir: this.config.dataDir,
      chunk_size: this.config.chunkSize,
      thin_provisioning: this.config.thinProvisioning,
    };
  }

  /**
   * Creates the data dir and removes temporary files a crashed process left. Failures are not fatal
   * here (the service starts; the first upload retries the directory and reports the real error).
   */
  override async start(): Promise<void> {
    try {
      await this.ensureDirectory();
      await this.cleanupTemporaryFiles();
    } catch {
      // Reported by the first upload, with the store's error type.
    }
  }

  override owns(url: string): boolean {
    return this.pathOf(url) !== null;
  }

  /**
   * Writes `<dataDir>/<imageId>` from `data`. Rejects with StoreDuplicateError when the image already
   * has a file (checked before reading, and again atomically when publishing), StoreFullError or
   * StoreWriteDeniedError for the file system's refusals, the signal's reason on abort, and the
   * source's own error when it fails. On failure nothing is left in the data dir and `data` is
   * destroyed (stream.pipeline semantics), even when it was never read.
   */
  override async add(imageId: string, data: Readable, options: StoreWriteOptions = {}): Promise<StoredImage> {
    try {
      if (!IMAGE_ID_PATTERN.test(imageId)) {
        throw new TypeError(`invalid image id for a file name: ${JSON.stringify(imageId)}`);
      }
      options.signal?.throwIfAborted();
      const finalPath = join(this.directory, imageId);
      const url = FILE_URL_PREFIX + finalPath;
      // Glance checks before reading any data; the link below is what makes it race-free.
      if (await exists(finalPath)) throw new StoreDuplicateError(this.id, url);
      await this.ensureDirectory();
      const size = await this.writeImage(imageId, finalPath, url, data, options.signal);
      return { url, size, metadata: {} };
    } catch (error) {
      // stream.pipeline semantics: the source is destroyed on failure, also when it was never read.
      if (!data.destroyed) data.destroy();
      throw this.storeError(error, options.signal);
    }
  }

  /**
   * Opens the file and returns its size and a stream of `[offset, offset + length)`, clamped to the
   * file (empty when the range starts at or after the end). StoreNotFoundError when the file is gone.
   */
  override async get(url: string, options: StoreReadOptions = {}): Promise<StoreReadResult> {
    const path = this.requirePath(url);
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`invalid offset ${offset}`);
    if (options.length !== undefined && (!Number.isSafeInteger(options.length) || options.length < 0)) {
      throw new RangeError(`invalid length ${options.length}`);
    }
    options.signal?.throwIfAborted();
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR')) throw new StoreNotFoundError(this.id, url, { cause: error });
      throw error;
    }
    let size: number;
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw new StoreNotFoundError(this.id, url);
      size = stats.size;
    } catch (error) {
      await handle.close();
      throw error;
    }
    const start = Math.min(offset, size);
    const end = options.length === undefined ? size : Math.min(size, start + options.length);
    if (end <= start) {
      await handle.close();
      return { size, stream: Readable.from([], { objectMode: false }) };
    }
    // The stream reads from the handle opened above, so the size and the data are of the same file even
    // if the name is replaced meanwhile; it closes the handle when it ends or is destroyed. Downloads
    // read it into pooled buffers (readInto) instead of flowing it.
    const stream = new FileRangeStream(handle, start, end, this.readHighWaterMark);
    if (options.signal) addAbortSignal(options.signal, stream);
    return { size, stream };
  }

  override async delete(url: string): Promise<void> {
    const path = this.requirePath(url);
    try {
      await unlink(path);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return;
      throw this.storeError(error);
    }
  }

  override uploadLocation(imageId: string): string | null {
    return IMAGE_ID_PATTERN.test(imageId) ? FILE_URL_PREFIX + join(this.directory, imageId) : null;
  }

  override async discardUpload(
    imageId: string,
    options: { finalData: boolean; ownerPid: number | null },
  ): Promise<void> {
    if (!IMAGE_ID_PATTERN.test(imageId)) return;
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return;
      throw this.storeError(error);
    }
    for (const name of names) {
      const match = TEMP_FILE_PATTERN.exec(name);
      if (!match || match[1] !== imageId || this.activeTemporaryFiles.has(name)) continue;
      if (options.ownerPid !== null && Number(match[2]) !== options.ownerPid) continue;
      await unlink(join(this.directory, name)).catch((error: unknown) => {
        if (!isCode(error, 'ENOENT')) throw this.storeError(error);
      });
    }
    if (options.finalData) await this.delete(FILE_URL_PREFIX + join(this.directory, imageId));
  }

  /**
   * Removes temporary files left by processes that are gone (a crash mid-upload). A temporary file
   * whose process still runs is another worker's upload in progress and is kept; one of this process
   * is kept only while its upload runs. Returns the number of files removed.
   */
  async cleanupTemporaryFiles(): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return 0;
      throw error;
    }
    let removed = 0;
    for (const name of names) {
      const match = TEMP_FILE_PATTERN.exec(name);
      if (!match || this.activeTemporaryFiles.has(name)) continue;
      const pid = Number(match[2]);
      if (pid !== process.pid && isProcessAlive(pid)) continue;
      try {
        await unlink(join(this.directory, name));
        removed += 1;
      } catch (error) {
        if (!isCode(error, 'ENOENT')) throw error;
      }
    }
    return removed;
  }

  private async writeImage(
    imageId: string,
    finalPath: string,
    url: string,
    data: Readable,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    const temporaryName = `.${imageId}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
    const temporaryPath = join(this.directory, temporaryName);
    this.activeTemporaryFiles.add(temporaryName);
    let handle: FileHandle | null = null;
    let direct: DirectFileWrites | null = null;
    let published = false;
    try {
      handle = await this.createTemporaryFile(temporaryPath);
      const writeback = new BackgroundWriteback(handle, this.durable ? this.writebackBytes : 0);
      const writer = new FileImageWriter(handle, {
        chunkSize: this.config.chunkSize,
        thinProvisioning: this.config.thinProvisioning,
        highWaterMark: this.writeHighWaterMark,
        writeback,
      });
      // A source that writes into the file itself (the upload hasher) is offered it, unless chunks
      // must be inspected for thin provisioning. It writes what it no longer passes on.
      let directBytes = 0;
      if (!this.config.thinProvisioning && isFileWritingSource(data)) {
        direct = data.writeIntoFile({
          fd: handle.fd,
          written: (bytes) => {
            directBytes += bytes;
            writeback.written(bytes);
          },
        });
      }
      // An abort destroys the writer with the signal's reason, which pipeline then rejects with.
      const onAbort = () => writer.destroy(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      // Aborted while the file was being created: the listener came too late to hear it.
      if (signal?.aborted) onAbort();
      try {
        // The writer's end also waits for the background fdatasync of the source's bytes.
        await pipeline(data, writer);
        await direct?.stopped;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
      signal?.throwIfAborted();
      const size = writer.size + directBytes;
      // A skipped trailing chunk left no bytes behind: extend the file over the hole.
      if (this.config.thinProvisioning) await handle.truncate(size);
      if (this.config.fileMode !== null) await handle.chmod(this.config.fileMode);
      if (this.durable) await handle.datasync();
      await handle.close();
      handle = null;
      await this.publish(temporaryPath, finalPath, url);
      published = true;
      if (this.durable) await syncDirectory(this.directory);
      return size;
    } finally {
      this.activeTemporaryFiles.delete(temporaryName);
      if (direct) {
        // The source's workers may still write into the file: stop them before closing it, or a
        // late write could land in whatever file is opened next under the same descriptor.
        if (!data.destroyed && !data.readableEnded) data.destroy();
        await direct.stopped;
      }
      if (handle) await handle.close().catch(() => undefined);
      if (!published) await unlink(temporaryPath).catch(() => undefined);
    }
  }

  /** Gives the temporary file its final name, refusing to replace an existing image. */
  private async publish(temporaryPath: string, finalPath: string, url: string): Promise<void> {
    try {
      await link(temporaryPath, finalPath);
    } catch (error) {
      if (isCode(error, 'EEXIST')) throw new StoreDuplicateError(this.id, url);
      // File systems without hard links: check, then rename (a race with another upload of the same
      // image is then possible, as in Glance).
      if (!isCode(error, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK')) throw error;
      if (await exists(finalPath)) throw new StoreDuplicateError(this.id, url);
      await rename(temporaryPath, finalPath);
      return;
    }
    await unlink(temporaryPath);
  }

  /** Opens a new temporary file; recreates the data dir once if it was removed since it was made. */
  private async createTemporaryFile(path: string): Promise<FileHandle> {
    try {
      return await open(path, 'wx');
    } catch (error) {
      if (!isCode(error, 'ENOENT')) throw error;
      this.directoryReady = null;
      await this.ensureDirectory();
      return open(path, 'wx');
    }
  }

  private ensureDirectory(): Promise<void> {
    this.directoryReady ??= mkdir(this.directory, { recursive: true }).then(
      () => undefined,
      (error: unknown) => {
        this.directoryReady = null;
        throw error;
      },
    );
    return this.directoryReady;
  }

  /** The file path of a `file://` URL inside the data dir, else null. */
  private pathOf(url: string): string | null {
    if (!url.startsWith(FILE_URL_PREFIX)) return null;
    const path = url.slice(FILE_URL_PREFIX.length);
    // `file://host/path` names another machine; only `file:///...` is local. A NUL cannot be in a path.
    if (!isAbsolute(path) || path.includes('\0')) return null;
    const inside = relative(this.directory, resolve(path));
    if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return null;
    return resolve(path);
  }

  private requirePath(url: string): string {
    const path = this.pathOf(url);
    if (path === null)
      throw new StoreBadLocationError(this.id, url, `not a file:// URL inside ${this.directory}`);
    return path;
  }

  /**
   * File system errors as the store errors the images service maps, also when one is the abort's
   * reason; any other abort reason as is.
   */
  private storeError(failure: unknown, signal?: AbortSignal): unknown {
    // An abort's reason may be the file's own failure: a FileWritingSource whose write failed
    // errors its stream, and the caller aborts the write with that error.
    const error: unknown = signal?.aborted ? signal.reason : failure;
    if (error instanceof StoreError) return error;
    if (isCode(error, 'ENOSPC', 'EDQUOT', 'EFBIG')) {
      return new StoreFullError(`No space left in ${this.directory}`, this.id, { cause: error });
    }
    if (isCode(error, 'EACCES', 'EPERM', 'EROFS')) {
      return new StoreWriteDeniedError(
        `Permission denied writing to ${this.directory} (${(error as NodeJS.ErrnoException).code})`,
        this.id,
        { cause: error },
      );
    }
    return error;
  }
}

function isCode(error: unknown, ...codes: string[]): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code !== undefined && codes.includes(code);
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (isCode(error, 'ENOENT')) return false;
    throw error;
  }
}

/** Makes a new directory entry durable (the file's own sync does not cover its name). */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Signal 0 probes a process: ESRCH means it is gone, EPERM that it exists under another user. */
function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isCode(error, 'EPERM');
  }
}
