import type {
  ImageChanges,
  ImageListQuery,
  ImageLocation,
  ImageRecord,
  ImageStatus,
  ImageWriteResult,
  NewImage,
  UploadInProgress,
} from './types';

/**
 * Image metadata, as the API needs it. Every method is one transaction; none holds a lock across
 * calls. Concurrency between API processes (workers) is handled by compare-and-set updates
 * (`transition`), never by in-memory locks.
 */
export interface ImageRepository {
  /** Throws DuplicateImageError when the id exists. */
  create(image: NewImage): Promise<ImageRecord>;
  get(id: string): Promise<ImageRecord | null>;
  /** Throws MarkerNotFoundError when `query.marker` is not an image the scope can see. */
  list(query: ImageListQuery): Promise<ImageRecord[]>;
  /**
   * Applies the changes and bumps `updatedAt`. Null when the image does not exist. With
   * `changes.locations`, the result lists the locations the change released (see ReleasedLocation).
   */
  update(id: string, changes: ImageChanges): Promise<ImageWriteResult | null>;
  /**
   * Compare-and-set on status: applies `changes` (and bumps `updatedAt`) only if the image's
   * status is one of `from`. Returns the updated record, or null when the image is missing or
   * in another status (the caller answers 409 / 404 after re-reading).
   */
  transition(
    id: string,
    from: readonly ImageStatus[],
    changes: ImageChanges,
  ): Promise<ImageWriteResult | null>;
  /** Adds a tag if absent (idempotent). Null when the image does not exist. */
  addTag(id: string, tag: string): Promise<ImageRecord | null>;
  /** False when the image or the tag does not exist. */
  removeTag(id: string, tag: string): Promise<boolean>;
  /** Appends a location. Null when the image does not exist. */
  addLocation(id: string, location: ImageLocation): Promise<ImageRecord | null>;
  /**
   * Removes the image row with its properties, tags and locations; returns what was removed, with
   * its locations as released (data another image still names is marked shared: keep it).
   */
  delete(id: string): Promise<ImageWriteResult | null>;
  /** The images in `saving`, with their upload leases. */
  uploadsInProgress(): Promise<UploadInProgress[]>;
  /** Refreshes an upload's lease; false when the image is no longer this owner's upload. */
  heartbeatUpload(id: string, owner: string, at: number): Promise<boolean>;
  /**
   * `saving` → `queued` for an upload whose owner is gone: only if the lease is still exactly the
   * one seen (a live owner's heartbeat in between wins). True when the image was recovered.
   */
  recoverUpload(id: string, lease: Omit<UploadInProgress, 'imageId' | 'store'>): Promise<boolean>;
  /** Whether any image has a location on the data `key` names (locationDataKey). */
  isDataReferenced(key: string): Promise<boolean>;
}
