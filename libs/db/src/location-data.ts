import { posix } from 'node:path';

/**
 * Which data a location names, for the stores whose delete removes data (file, rbd): two locations
 * with the same key share data, so removing one image's location must not remove the data while
 * another image still has a location on it (OSSN-0065: an image pointed at another image's data
 * could otherwise delete it). Null for locations whose data glance-ts never deletes (http).
 *
 * - `file:///dir/../dir/x` → `file:///dir/x` (the normalised path);
 * - `rbd://<fsid>/<pool>/<image>/<snapshot>` → `rbd://<fsid>/<pool>/<image>`: deleting an rbd
 *   location removes the image with all its snapshots, so every snapshot of one image is one datum.
 *   The old one-part form `rbd://<image>` (an image in the store's pool) keys as `rbd:///<image>`.
 */
export function locationDataKey(url: string): string | null {
  if (url.startsWith('file://')) {
    const path = url.slice('file://'.length);
    return path.startsWith('/') ? `file://${posix.normalize(path)}` : null;
  }
  if (url.startsWith('rbd://')) {
    let parts: string[];
    try {
      parts = url.slice('rbd://'.length).split('/').map(decodeURIComponent);
    } catch {
      return null;
    }
    if (parts.some((part) => part === '')) return null;
    if (parts.length === 1) return `rbd:///${encodeURIComponent(parts[0])}`;
    if (parts.length === 4) return `rbd://${parts.slice(0, 3).map(encodeURIComponent).join('/')}`;
    return null;
  }
  return null;
}
