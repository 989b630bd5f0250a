/**
 * An image as the v2 API shows it (`GET /v2/images/{id}`, and each entry of `GET /v2/images`):
 * Glance's base properties, the ones it adds when set (`stores`, `locations`, `direct_url`,
 * `os_glance_*`), and any additional property (a string), which is why the type stays open.
 * The one Image contract of the project: the CLI and the image client read it; the API's views
 * write it.
 */
export interface Image {
  id: string;
  name?: string | null;
  /** queued, saving, active, killed, deleted, pending_delete, deactivated, uploading, importing. */
  status?: string;
  /** public, private, shared or community. */
  visibility?: string;
  protected?: boolean;
  os_hidden?: boolean;
  owner?: string | null;
  size?: number | null;
  virtual_size?: number | null;
  checksum?: string | null;
  os_hash_algo?: string | null;
  os_hash_value?: string | null;
  disk_format?: string | null;
  container_format?: string | null;
  min_disk?: number;
  min_ram?: number;
  tags?: string[];
  created_at?: string;
  updated_at?: string;
  /** Comma-separated store ids holding the data (multi-store). */
  stores?: string;
  self?: string;
  file?: string;
  schema?: string;
  [property: string]: unknown;
}
