/** The id given to `create` is taken (Glance: 409 "Image with identifier X already exists!"). */
export class DuplicateImageError extends Error {
  constructor(readonly imageId: string) {
    super(`Image with identifier ${imageId} already exists!`);
    this.name = 'DuplicateImageError';
  }
}

/** A list marker that names no image the caller can see (Glance: 400). */
export class MarkerNotFoundError extends Error {
  constructor(readonly marker: string) {
    super(`Marker ${marker} could not be found.`);
    this.name = 'MarkerNotFoundError';
  }
}

/** The database cannot be opened or migrated; the message names the connection (no password). */
export class DatabaseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseError';
  }
}

/**
 * A change would give an image a location on data another image already has a location on, and
 * the caller asked for data of the image's own (Glance's location API for non-service callers).
 */
export class SharedDataError extends Error {
  constructor(
    readonly imageId: string,
    readonly url: string,
    readonly otherImageId: string,
  ) {
    super(`The data at ${url} is already image ${otherImageId}'s data.`);
    this.name = 'SharedDataError';
  }
}
