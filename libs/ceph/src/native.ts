/**
 * The librados / librbd C functions glance-ts uses, declared once through koffi. Loaded lazily so
 * that importing the library (the API without an rbd store, the CLI, unit tests) never needs the
 * Ceph client libraries installed.
 *
 * Every call on a request path goes through `callAsync`: koffi runs it on a libuv pool thread, so
 * the event loop stays free while librados waits on the network. The synchronous form is used only
 * for calls that never leave the process (option setters, frees, struct cleanups).
 */
import koffi, { type LibraryHandle, type TypeObject } from 'koffi';
import { CephLibraryMissingError } from './errors';

/** librbd.h: `RBD_IMAGE_OPTION_*`. */
export const RBD_IMAGE_OPTION = { FORMAT: 0, FEATURES: 1, ORDER: 2 } as const;
/** librbd.h: `RBD_FEATURE_LAYERING` (clones need it). */
export const RBD_FEATURE_LAYERING = 1n;
/**
 * librbd.h feature bits for `CreateImageOptions.features`: LAYERING (clones need it) and
 * DEEP_FLATTEN (flattening a clone also detaches its own snapshots from the parent).
 */
export const RBD_FEATURES = { LAYERING: RBD_FEATURE_LAYERING, DEEP_FLATTEN: 32n } as const;

type KoffiFunction = ReturnType<LibraryHandle['func']>;

export interface CephNative {
  rados_create2: KoffiFunction;
  rados_conf_read_file: KoffiFunction;
  rados_conf_set: KoffiFunction;
  rados_conf_get: KoffiFunction;
  rados_connect: KoffiFunction;
  rados_shutdown: KoffiFunction;
  rados_cluster_fsid: KoffiFunction;
  rados_ioctx_create: KoffiFunction;
  rados_ioctx_destroy: KoffiFunction;
  rados_stat: KoffiFunction;
  rbd_image_options_create: KoffiFunction;
  rbd_image_options_destroy: KoffiFunction;
  rbd_image_options_set_uint64: KoffiFunction;
  rbd_create4: KoffiFunction;
  rbd_clone3: KoffiFunction;
  rbd_remove: KoffiFunction;
  rbd_list2: KoffiFunction;
  rbd_image_spec_list_cleanup: KoffiFunction;
  rbd_open: KoffiFunction;
  rbd_open_read_only: KoffiFunction;
  rbd_close: KoffiFunction;
  rbd_get_size: KoffiFunction;
  rbd_resize: KoffiFunction;
  rbd_read: KoffiFunction;
  rbd_write: KoffiFunction;
  rbd_flush: KoffiFunction;
  rbd_snap_create: KoffiFunction;
  rbd_snap_remove: KoffiFunction;
  rbd_snap_protect: KoffiFunction;
  rbd_snap_unprotect: KoffiFunction;
  rbd_snap_is_protected: KoffiFunction;
  rbd_snap_list: KoffiFunction;
  rbd_snap_list_end: KoffiFunction;
  rbd_snap_set: KoffiFunction;
  rbd_flatten: KoffiFunction;
  rbd_list_children3: KoffiFunction;
  rbd_linked_image_spec_list_cleanup: KoffiFunction;
  rbd_get_parent: KoffiFunction;
  rbd_snap_spec_cleanup: KoffiFunction;
  rbd_linked_image_spec_cleanup: KoffiFunction;
  types: {
    snapInfo: TypeObject;
    imageSpec: TypeObject;
    linkedImageSpec: TypeObject;
    snapSpec: TypeObject;
  };
}

let native: CephNative | null = null;

/** The bound functions; loads librados.so.2 and librbd.so.1 on first use. */
export function cephNative(): CephNative {
  if (native) return native;
  const rados = loadLibrary('librados.so.2');
  const rbd = loadLibrary('librbd.so.1');

  declared('rados_t', () => koffi.pointer('rados_t', koffi.opaque('rados_cluster_s')));
  declared('rados_ioctx_t', () => koffi.pointer('rados_ioctx_t', koffi.opaque('rados_ioctx_s')));
  declared('rbd_image_t', () => koffi.pointer('rbd_image_t', koffi.opaque('rbd_image_s')));
  declared('rbd_image_options_t', () =>
    koffi.pointer('rbd_image_options_t', koffi.opaque('rbd_image_options_s')),
  );
  const snapInfo = declared('rbd_snap_info_t', () =>
    koffi.struct('rbd_snap_info_t', { id: 'uint64_t', size: 'uint64_t', name: 'const char *' }),
  );
  const imageSpec = declared('rbd_image_spec_t', () =>
    koffi.struct('rbd_image_spec_t', { id: 'char *', name: 'char *' }),
  );
  const linkedImageSpec = declared('rbd_linked_image_spec_t', () =>
    koffi.struct('rbd_linked_image_spec_t', {
      pool_id: 'int64_t',
      pool_name: 'char *',
      pool_namespace: 'char *',
      image_id: 'char *',
      image_name: 'char *',
      trash: 'bool',
    }),
  );
  const snapSpec = declared('rbd_snap_spec_t', () =>
    koffi.struct('rbd_snap_spec_t', { id: 'uint64_t', namespace_type: 'int', name: 'char *' }),
  );

  native = {
    rados_create2: rados.func(
      'int rados_create2(_Out_ rados_t *cluster, const char *clustername, const char *name, uint64_t flags)',
    ),
    rados_conf_read_file: rados.func('int rados_conf_read_file(rados_t cluster, const char *path)'),
    rados_conf_set: rados.func('int rados_conf_set(rados_t cluster, const char *option, const char *value)'),
    rados_conf_get: rados.func(
      'int rados_conf_get(rados_t cluster, const char *option, _Out_ uint8_t *buf, size_t len)',
    ),
    rados_connect: rados.func('int rados_connect(rados_t cluster)'),
    rados_shutdown: rados.func('void rados_shutdown(rados_t cluster)'),
    rados_cluster_fsid: rados.func('int rados_cluster_fsid(rados_t cluster, _Out_ uint8_t *buf, size_t len)'),
    rados_ioctx_create: rados.func(
      'int rados_ioctx_create(rados_t cluster, const char *pool, _Out_ rados_ioctx_t *ioctx)',
    ),
    rados_ioctx_destroy: rados.func('void rados_ioctx_destroy(rados_ioctx_t ioctx)'),
    rados_stat: rados.func(
      'int rados_stat(rados_ioctx_t ioctx, const char *oid, _Out_ uint64_t *size, _Out_ int64_t *mtime)',
    ),
    rbd_image_options_create: rbd.func('void rbd_image_options_create(_Out_ rbd_image_options_t *opts)'),
    rbd_image_options_destroy: rbd.func('void rbd_image_options_destroy(rbd_image_options_t opts)'),
    rbd_image_options_set_uint64: rbd.func(
      'int rbd_image_options_set_uint64(rbd_image_options_t opts, int option, uint64_t value)',
    ),
    rbd_create4: rbd.func(
      'int rbd_create4(rados_ioctx_t ioctx, const char *name, uint64_t size, rbd_image_options_t opts)',
    ),
    rbd_clone3: rbd.func(
      'int rbd_clone3(rados_ioctx_t p_ioctx, const char *p_name, const char *p_snap, rados_ioctx_t c_ioctx, const char *c_name, rbd_image_options_t opts)',
    ),
    rbd_remove: rbd.func('int rbd_remove(rados_ioctx_t ioctx, const char *name)'),
    rbd_list2: rbd.func('int rbd_list2(rados_ioctx_t ioctx, rbd_image_spec_t *images, _Inout_ size_t *max)'),
    rbd_image_spec_list_cleanup: rbd.func(
      'void rbd_image_spec_list_cleanup(rbd_image_spec_t *images, size_t n)',
    ),
    rbd_open: rbd.func(
      'int rbd_open(rados_ioctx_t ioctx, const char *name, _Out_ rbd_image_t *image, const char *snap)',
    ),
    rbd_open_read_only: rbd.func(
      'int rbd_open_read_only(rados_ioctx_t ioctx, const char *name, _Out_ rbd_image_t *image, const char *snap)',
    ),
    rbd_close: rbd.func('int rbd_close(rbd_image_t image)'),
    rbd_get_size: rbd.func('int rbd_get_size(rbd_image_t image, _Out_ uint64_t *size)'),
    rbd_resize: rbd.func('int rbd_resize(rbd_image_t image, uint64_t size)'),
    // The buffers are Node Buffers passed by address (no copy); callers keep them alive until done.
    rbd_read: rbd.func('int64_t rbd_read(rbd_image_t image, uint64_t offset, size_t len, void *buf)'),
    rbd_write: rbd.func('int64_t rbd_write(rbd_image_t image, uint64_t offset, size_t len, const void *buf)'),
    rbd_flush: rbd.func('int rbd_flush(rbd_image_t image)'),
    rbd_snap_create: rbd.func('int rbd_snap_create(rbd_image_t image, const char *snap)'),
    rbd_snap_remove: rbd.func('int rbd_snap_remove(rbd_image_t image, const char *snap)'),
    rbd_snap_protect: rbd.func('int rbd_snap_protect(rbd_image_t image, const char *snap)'),
    rbd_snap_unprotect: rbd.func('int rbd_snap_unprotect(rbd_image_t image, const char *snap)'),
    rbd_snap_is_protected: rbd.func(
      'int rbd_snap_is_protected(rbd_image_t image, const char *snap, _Out_ int *protected)',
    ),
    rbd_snap_list: rbd.func('int rbd_snap_list(rbd_image_t image, rbd_snap_info_t *snaps, _Inout_ int *max)'),
    rbd_snap_list_end: rbd.func('void rbd_snap_list_end(rbd_snap_info_t *snaps)'),
    rbd_snap_set: rbd.func('int rbd_snap_set(rbd_image_t image, const char *snap)'),
    rbd_flatten: rbd.func('int rbd_flatten(rbd_image_t image)'),
    rbd_list_children3: rbd.func(
      'int rbd_list_children3(rbd_image_t image, rbd_linked_image_spec_t *children, _Inout_ size_t *max)',
    ),
    rbd_linked_image_spec_list_cleanup: rbd.func(
      'void rbd_linked_image_spec_list_cleanup(rbd_linked_image_spec_t *specs, size_t n)',
    ),
    rbd_get_parent: rbd.func(
      'int rbd_get_parent(rbd_image_t image, _Out_ rbd_linked_image_spec_t *parent, _Out_ rbd_snap_spec_t *snap)',
    ),
    rbd_linked_image_spec_cleanup: rbd.func(
      'void rbd_linked_image_spec_cleanup(rbd_linked_image_spec_t *spec)',
    ),
    rbd_snap_spec_cleanup: rbd.func('void rbd_snap_spec_cleanup(rbd_snap_spec_t *spec)'),
    types: { snapInfo, imageSpec, linkedImageSpec, snapSpec },
  };
  return native;
}

/**
 * koffi's type names are process-wide, while this module may be loaded more than once in a process
 * (jest gives every test file fresh modules): a type declared by an earlier load is reused.
 */
function declared(name: string, declare: () => TypeObject): TypeObject {
  try {
    return koffi.type(name);
  } catch {
    return declare();
  }
}

function loadLibrary(name: string): LibraryHandle {
  try {
    return koffi.load(name);
  } catch (error) {
    throw new CephLibraryMissingError(name, error);
  }
}

/** Runs `fn` on a pool thread and resolves with its return value. */
export function callAsync<T = number>(fn: KoffiFunction, ...args: unknown[]): Promise<T> {
  return new Promise((resolve, reject) => {
    fn.async(...args, (error: unknown, result: T) => (error ? reject(error) : resolve(result)));
  });
}
