// Image data on the client side: where an upload reads from (glanceclient's get_data_file and
// get_file_size) and how a download is written and verified (utils.integrity_iter and
// serious_integrity_iter). Data is streamed in both directions, never held in memory whole.
import { createHash, getHashes, type Hash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  fstatSync,
  readFileSync,
  readlinkSync,
  statSync,
} from 'node:fs';
import { type Readable, Transform, type Writable } from 'node:stream';
import { pyStrRepr } from '@glance-ts/pycompat';
import { CliError } from '../errors';
import type { Progress } from '../progress';

/** Python's strerror texts for the errors opening a file commonly meets. */
const STRERROR: Record<string, [number, string]> = {
  EPERM: [1, 'Operation not permitted'],
  ENOENT: [2, 'No such file or directory'],
  EACCES: [13, 'Permission denied'],
  ENOTDIR: [20, 'Not a directory'],
  EISDIR: [21, 'Is a directory'],
  ELOOP: [40, 'Too many levels of symbolic links'],
  ENAMETOOLONG: [36, 'File name too long'],
  ENOSPC: [28, 'No space left on device'],
  EPIPE: [32, 'Broken pipe'],
  EROFS: [30, 'Read-only file system'],
};

/** The line Python prints for an OSError on `path`: "[Errno 2] No such file or directory: 'x'". */
export function osErrorMessage(error: unknown, path?: string): string {
  const code = (error as { code?: string }).code ?? '';
  const known = STRERROR[code];
  const text = known ? `[Errno ${known[0]}] ${known[1]}` : String((error as Error).message ?? error);
  return path === undefined ? text : `${text}: ${pyStrRepr(path)}`;
}

export interface DataSource {
  stream: Readable;
  /** Bytes to come, when the source can tell (a file, or stdin redirected from one). */
  size?: number;
}

/**
 * Node's stand-in for a closed stdin (`glance ... <&-`): at start-up it opens /dev/null read-write
 * on a missing fd 0, where a shell's `</dev/null` opens it read-only. Linux only (/proc).
 */
function stdinWasClosed(): boolean {
  try {
    if (readlinkSync('/proc/self/fd/0') !== '/dev/null') return false;
    const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/fdinfo/0', 'utf8'));
    return flags !== null && (parseInt(flags[1], 8) & 3) === 2; // O_ACCMODE == O_RDWR
  } catch {
    return false;
  }
}

/**
 * Whether stdin brings image data. glanceclient's test: stdin is open and not a terminal — so a
 * pipe, a file and `</dev/null` (an empty upload) do; a terminal and a closed stdin do not.
 */
export function stdinHasData(stdin: { isTTY?: boolean } = process.stdin): boolean {
  return !stdin.isTTY && !stdinWasClosed();
}

/** The size of what fd `fd` reads, if it is a regular file (get_file_size seeks to its end). */
function regularFileSize(stats: { isFile(): boolean; size: number }): number | undefined {
  return stats.isFile() ? stats.size : undefined;
}

/** glanceclient's get_data_file: --file if given, else stdin when it is not a terminal. */
export function openDataSource(file: string | undefined): DataSource | undefined {
  if (file !== undefined) {
    let size: number | undefined;
    try {
      const stats = statSync(file);
      // Python's open() refuses a directory; Node's would only fail at the first read.
      if (stats.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
      size = regularFileSize(stats);
    } catch (error) {
      throw new CliError(osErrorMessage(error, file));
    }
    return { stream: createReadStream(file), size };
  }
  if (!stdinHasData()) return undefined;
  let size: number | undefined;
  try {
    size = regularFileSize(fstatSync(0));
  } catch {
    size = undefined;
  }
  return { stream: process.stdin, size };
}

/**
 * The same data, counted for a progress bar as it is read. A pass-through stream rather than a
 * 'data' listener on the source: that would start the flow before the HTTP client reads it.
 */
export function withProgress(source: Readable, progress: Progress): Readable {
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      progress.advance(chunk.length);
      callback(null, chunk);
    },
    flush(callback) {
      progress.done();
      callback();
    },
  });
  source.on('error', (error) => counted.destroy(error));
  return source.pipe(counted);
}

/** Python hashlib names (os_hash_algo) to OpenSSL's, where they differ. */
const HASH_NAMES: Record<string, string> = {
  sha3_224: 'sha3-224',
  sha3_256: 'sha3-256',
  sha3_384: 'sha3-384',
  sha3_512: 'sha3-512',
  sha512_224: 'sha512-224',
  sha512_256: 'sha512-256',
  blake2b: 'blake2b512',
  blake2s: 'blake2s256',
};

/** hashlib.new(name), or undefined where Python would raise "unsupported hash type". */
export function newHash(pythonName: string): Hash | undefined {
  const lower = pythonName.toLowerCase();
  const name = HASH_NAMES[lower] ?? lower;
  // shake_* need a digest length Glance never gives: as good as unsupported.
  if (lower.startsWith('shake') || !getHashes().includes(name)) return undefined;
  return createHash(name);
}

/** What a download is checked against, chosen as glanceclient's images.data() chooses. */
export interface IntegrityCheck {
  hash: Hash;
  expected: string;
  /** glanceclient's two messages: "Hash was" (os_hash_value) and "Checksum was" (md5). */
  kind: 'Hash' | 'Checksum';
}

export interface ImageHashes {
  checksum?: string | null;
  os_hash_algo?: string | null;
  os_hash_value?: string | null;
}

/**
 * os_hash_value with os_hash_algo first; the md5 `checksum` when there is none (or, with
 * allowMd5Fallback, when the algorithm is unknown here); else the Content-MD5 header; else nothing.
 */
export function integrityCheck(
  image: ImageHashes,
  contentMd5: string | undefined,
  allowMd5Fallback: boolean,
): IntegrityCheck | undefined {
  if (image.os_hash_value !== null && image.os_hash_value !== undefined) {
    const algorithm = String(image.os_hash_algo ?? 'None');
    const hash = newHash(algorithm);
    if (hash) return { hash, expected: image.os_hash_value, kind: 'Hash' };
    if (!allowMd5Fallback) throw new CliError(`unsupported hash type ${algorithm}`);
  }
  const expected = image.checksum ?? contentMd5;
  if (expected === null || expected === undefined) return undefined;
  return { hash: createHash('md5'), expected, kind: 'Checksum' };
}

/** glanceclient's IOError(EPIPE, ...) once all the data has been written. */
export function corruptDownloadMessage(check: IntegrityCheck, actual: string): string {
  return `[Errno 32] Corrupt image download. ${check.kind} was ${actual} expected ${check.expected}`;
}

/**
 * Copies `source` to `destination` with backpressure, feeding each chunk to the hash and the
 * progress bar after it is written (as glanceclient hashes after yielding). The destination is
 * ended only when `endDestination` (a file, not stdout).
 */
export async function copyData(
  source: Readable,
  destination: Writable,
  options: { onChunk?: (chunk: Buffer) => void; endDestination: boolean },
): Promise<void> {
  let failure: Error | undefined;
  const onError = (error: Error) => {
    failure ??= error;
    source.destroy();
  };
  destination.on('error', onError);
  try {
    for await (const chunk of source) {
      if (failure) break;
      const buffer = chunk as Buffer;
      if (!destination.write(buffer)) await drainedOrClosed(destination);
      options.onChunk?.(buffer);
    }
    if (failure) throw failure;
    if (options.endDestination) {
      destination.end();
      await drainedOrClosed(destination, 'close');
    }
    if (failure) throw failure;
  } catch (error) {
    throw failure ?? error;
  } finally {
    destination.off('error', onError);
  }
}

/** Resolves once the destination can take more ('drain'), or is finished or broken ('close'). */
function drainedOrClosed(destination: Writable, event: 'drain' | 'close' = 'drain'): Promise<void> {
  if (destination.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const settle = () => {
      destination.off(event, settle);
      destination.off('close', settle);
      resolve();
    };
    destination.on(event, settle);
    destination.on('close', settle);
  });
}

/** Where a download goes: the --file (truncated now, as open(path, 'wb')) or stdout. */
export function openDestination(file: string | undefined): { stream: Writable; isFile: boolean } {
  if (file === undefined) return { stream: process.stdout, isFile: false };
  return { stream: createWriteStream(file), isFile: true };
}
