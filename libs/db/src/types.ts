import type { MemberStatus } from './member-repository';
/**
 * The image records the data-access layer stores and returns. Field names are camelCase here;
 * the API's views turn them into Glance's snake_case bodies. Dates are JavaScript Dates (UTC);
 * sizes are numbers (safe up to 8 PiB, far beyond any image).
 */

export type ImageStatus =
  | 'queued'
  | 'saving'
  | 'active'
  | 'killed'
  | 'deleted'
  | 'uploading'
  | 'importing'
  | 'pending_delete'
  | 'deactivated';

export type ImageVisibility = 'public' | 'private' | 'community' | 'shared';

/** Where an image's data lives: one row per store holding a copy. */
export interface ImageLocation {
  /** A store URL: `file:///path`, `rbd://fsid/pool/image/snap`, `https://...`. */
  url: string;
  /** Glance's location metadata; `store` is the store id in a multi-store deployment. */
  metadata: Record<string, unknown>;
  /** `active` for usable data; `pending_delete` / `deleted` are Glance's other values. */
  status: 'active' | 'pending_delete' | 'deleted';
}

/** The core attributes Glance keeps as columns of its `images` table. */
export interface ImageCore {
  name: string | null;
  status: ImageStatus;
  visibility: ImageVisibility;
  size: number | null;
  virtualSize: number | null;
  diskFormat: string | null;
  containerFormat: string | null;
  checksum: string | null;
  osHashAlgo: string | null;
  osHashValue: string | null;
  owner: string | null;
  minDisk: number;
  minRam: number;
  protected: boolean;
  osHidden: boolean;
}

/**
 * Glance's defaults for a new image (the API's `visibility` default is `shared` since Rocky). Also
 * the list of core attribute names: `Object.keys(IMAGE_CORE_DEFAULTS)`.
 */
export const IMAGE_CORE_DEFAULTS: Readonly<ImageCore> = Object.freeze({
  name: null,
  status: 'queued',
  visibility: 'shared',
  size: null,
  virtualSize: null,
  diskFormat: null,
  containerFormat: null,
  checksum: null,
  osHashAlgo: null,
  osHashValue: null,
  owner: null,
  minDisk: 0,
  minRam: 0,
  protected: false,
  osHidden: false,
});

export const IMAGE_CORE_KEYS = Object.keys(IMAGE_CORE_DEFAULTS) as readonly (keyof ImageCore)[];

export interface ImageRecord extends ImageCore {
  id: string;
  createdAt: Date;
  updatedAt: Date;
  /** Custom ("extra") properties; values are strings as Glance's schema requires. */
  properties: Record<string, string>;
  /** In insertion order; unique. */
  tags: string[];
  /** In position order. */
  locations: ImageLocation[];
}

/** What `create` needs; anything omitted takes Glance's default (queued, private, 0, false...). */
export interface NewImage extends Partial<ImageCore> {
  id: string;
  properties?: Record<string, string>;
  tags?: string[];
}

/**
 * A location a write took off an image (a delete, a changed location list). Its data may be removed
 * from the store only when `shared` is false: no other image, and no location the image keeps,
 * names the same data (see locationDataKey). Decided in the write's own transaction.
 */
export interface ReleasedLocation extends ImageLocation {
  shared: boolean;
}

/**
 * Who is writing an image's data while it is `saving`: the process (`host:pid:start`), the store
 * it writes to, and when it last said it was alive (epoch ms). An upload whose owner is gone is
 * recovered (the image queued again, the partial data removed) instead of staying `saving` for ever.
 */
export interface UploadLease {
  owner: string;
  store: string;
  heartbeatAt: number;
}

/** An image in `saving` and the lease of its upload (null owner: saved before leases existed). */
export interface UploadInProgress {
  imageId: string;
  owner: string | null;
  store: string | null;
  heartbeatAt: number | null;
}

/** What a write returns: the image as written, and the locations it released. */
export interface ImageWriteResult extends ImageRecord {
  released: ReleasedLocation[];
}

/**
 * One update, applied in a single transaction. `core` sets columns; `properties` is the full new
 * set of custom properties when given (replacing the old set); `tags` likewise.
 */
export interface ImageChanges {
  core?: Partial<ImageCore>;
  properties?: Record<string, string>;
  tags?: string[];
  /** Replaces all locations when given. */
  locations?: ImageLocation[];
  /**
   * Records who uploads the image's data (with `core.status` 'saving'). Any other status set clears
   * the lease.
   */
  upload?: UploadLease;
  /**
   * A condition, with `transition` from 'saving': only while the upload lease is this owner's, so
   * an upload that was given up on (its image recovered, perhaps uploading again) changes nothing.
   */
  ifUploadOwner?: string;
  /**
   * With `locations`: fail with SharedDataError, changing nothing, when a location the change adds
   * names data another image has a location on (callers without the service role may not share).
   */
  refuseSharedData?: boolean;
}

export type SortKey =
  | 'name'
  | 'status'
  | 'container_format'
  | 'disk_format'
  | 'size'
  | 'id'
  | 'created_at'
  | 'updated_at'
  | 'visibility'
  | 'owner'
  | 'min_disk'
  | 'min_ram'
  | 'virtual_size'
  | 'protected'
  | 'os_hidden';

export interface SortSpec {
  key: SortKey;
  dir: 'asc' | 'desc';
}

/** A comparison for the date filters (`created_at=gt:2024-01-01T00:00:00Z`). */
export interface DateFilter {
  op: 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';
  value: Date;
}

/**
 * Who is listing, which decides the visible set as Glance's `is_image_visible`:
 * - admin: every image (a `visibility` filter still narrows it);
 * - otherwise: public images, community images only when `visibility=community` is asked for
 *   (or owned), and private/shared images owned by `projectId`.
 */
export interface ListScope {
  isAdmin: boolean;
  projectId: string | null;
}

export interface ImageListQuery {
  scope: ListScope;
  filters: {
    /** Exact match; several values (`in:`) match any. */
    name?: string[];
    id?: string[];
    status?: ImageStatus[];
    /** `all` = no visibility filter beyond the scope; absent = Glance's default listing. */
    visibility?: ImageVisibility | 'all';
    /** Which memberships make a shared image listed (Glance's member_status; default `accepted`). */
    memberStatus?: MemberStatus | 'all';
    owner?: string;
    /** Every tag must be present (AND). */
    tags?: string[];
    sizeMin?: number;
    sizeMax?: number;
    diskFormat?: string[];
    containerFormat?: string[];
    /** Exact md5 (`checksum`) and os_hash_value matches (glanceclient's `image-list --checksum`). */
    checksum?: string[];
    osHashValue?: string[];
    protected?: boolean;
    /** Absent: hidden images are left out (Glance's default); true: only hidden; false: not hidden. */
    osHidden?: boolean;
    createdAt?: DateFilter;
    updatedAt?: DateFilter;
    /** Custom properties: exact string match, all must hold. */
    properties?: Record<string, string>;
  };
  /** Applied in order; the repository appends `created_at` and `id` (in the first key's direction) as tie-breakers. */
  sort: SortSpec[];
  /** 1..1000, already validated. */
  limit: number;
  /** An image id; listing continues after it. The repository throws MarkerNotFoundError if it is not visible. */
  marker?: string;
}
