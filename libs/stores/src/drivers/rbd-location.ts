/**
 * The rbd store's layout, which every writer into an rbd store (this driver, volume uploads) shares:
 * an image's data is the RBD image named by the image id in the store's pool, served from its
 * protected snapshot RBD_SNAPSHOT.
 */

/** Glance's snapshot name for image data (glance_store/_drivers/rbd.py DEFAULT_SNAPNAME). */
export const RBD_SNAPSHOT = 'snap';

/**
 * Glance's rbd location URLs (glance_store/_drivers/rbd.py StoreLocation):
 * `rbd://<fsid>/<pool>/<image>/<snapshot>` (each part percent-encoded), or the old `rbd://<image>`
 * that names an image in the store's own pool with no snapshot.
 */
export interface RbdLocation {
  fsid: string | null;
  pool: string | null;
  image: string;
  snapshot: string | null;
}

/** Parses an rbd URL; the reason string when it is not one (Glance: BadStoreUri). */
export function parseRbdLocation(url: string): RbdLocation | string {
  const prefix = 'rbd://';
  if (!url.startsWith(prefix)) return 'URI must start with rbd://';
  const parts = url.slice(prefix.length).split('/');
  let decoded: string[];
  try {
    decoded = parts.map((part) => decodeURIComponent(part));
  } catch {
    return 'URI contains invalid percent-encoding';
  }
  if (decoded.some((part) => part === '')) return 'URI cannot contain empty components';
  if (decoded.length === 1) return { fsid: null, pool: null, image: decoded[0], snapshot: null };
  if (decoded.length === 4) {
    const [fsid, pool, image, snapshot] = decoded;
    return { fsid, pool, image, snapshot };
  }
  return 'URI must have exactly 1 or 4 components';
}

/** `rbd://<fsid>/<pool>/<image>/<snapshot>`, each part percent-encoded. */
export function formatRbdLocation(location: {
  fsid: string;
  pool: string;
  image: string;
  snapshot: string;
}): string {
  return `rbd://${[location.fsid, location.pool, location.image, location.snapshot].map(encodeURIComponent).join('/')}`;
}
