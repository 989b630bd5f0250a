import { constants } from 'node:os';

const ERRNO_NAMES = new Map<number, string>(
  Object.entries(constants.errno).map(([name, value]) => [value, name]),
);

/**
 * A librados/librbd call that returned a negative errno. `errno` is positive (ENOENT = 2), `code`
 * its name, `operation` the C function and its subject, e.g. `rbd_open(images/abc@snap)`.
 */
export class CephError extends Error {
  readonly code: string;

  constructor(
    readonly operation: string,
    readonly errno: number,
    detail?: string,
  ) {
    const code = ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
    super(`${operation} failed: ${code}${detail ? ` (${detail})` : ''}`);
    this.name = new.target.name;
    this.code = code;
  }
}

/** ENOENT: no such pool, image, snapshot or object. */
export class CephNotFoundError extends CephError {}
/** EEXIST: the image or snapshot already exists. */
export class CephExistsError extends CephError {}
/** EBUSY: the snapshot has clones, the image has watchers or snapshots. */
export class CephBusyError extends CephError {}
/** EPERM/EACCES: cephx caps do not allow it. */
export class CephPermissionError extends CephError {}
/** ENOSPC/EDQUOT: the pool is full or over quota. */
export class CephNoSpaceError extends CephError {}
/** EINVAL/ENOSYS/EOPNOTSUPP: bad argument or a feature the cluster or image lacks. */
export class CephInvalidError extends CephError {}
/** EROFS: writing through a read-only handle or to a snapshot. */
export class CephReadOnlyError extends CephError {}
/** ETIMEDOUT, ENOTCONN, ESHUTDOWN, ECONNREFUSED, …: the cluster cannot be reached. */
export class CephUnavailableError extends CephError {}

const CLASS_BY_CODE: Record<string, new (operation: string, errno: number, detail?: string) => CephError> = {
  ENOENT: CephNotFoundError,
  EEXIST: CephExistsError,
  EBUSY: CephBusyError,
  ENOTEMPTY: CephBusyError,
  EPERM: CephPermissionError,
  EACCES: CephPermissionError,
  ENOSPC: CephNoSpaceError,
  EDQUOT: CephNoSpaceError,
  EINVAL: CephInvalidError,
  ENOSYS: CephInvalidError,
  EOPNOTSUPP: CephInvalidError,
  EROFS: CephReadOnlyError,
  ETIMEDOUT: CephUnavailableError,
  ENOTCONN: CephUnavailableError,
  ESHUTDOWN: CephUnavailableError,
  ECONNREFUSED: CephUnavailableError,
  ECONNRESET: CephUnavailableError,
  EHOSTUNREACH: CephUnavailableError,
  ENETUNREACH: CephUnavailableError,
  EIO: CephUnavailableError,
  EBLOCKLISTED: CephUnavailableError,
};

/** The error for a negative return code `rc` of `operation`. */
export function cephError(operation: string, rc: number, detail?: string): CephError {
  const errno = Math.abs(rc);
  const code = ERRNO_NAMES.get(errno);
  // librados reports a blocklisted client as ESHUTDOWN (108) and sometimes as EBLOCKLISTED (= ESHUTDOWN).
  const ErrorClass = (code ? CLASS_BY_CODE[code] : undefined) ?? CephError;
  return new ErrorClass(operation, errno, detail);
}

/** The Ceph client libraries are not installed (Debian: librados2, librbd1). */
export class CephLibraryMissingError extends Error {
  constructor(library: string, cause: unknown) {
    super(
      `Cannot load ${library}: install the Ceph client libraries (Debian: apt-get install librados2 librbd1)`,
      {
        cause,
      },
    );
    this.name = 'CephLibraryMissingError';
  }
}
