/** The statuses the image request rules answer with (Glance's webob errors for the same cases). */
export type ImageRequestErrorStatus = 400 | 403 | 409 | 413 | 415;

/**
 * A request Glance would refuse, with Glance's status and exact message. The controller renders it
 * as webob's error body. `headers` carries what webob adds to a few of them (`Accept-Patch` on the
 * PATCH 415).
 */
export class ImageRequestError extends Error {
  constructor(
    readonly status: ImageRequestErrorStatus,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ImageRequestError';
  }
}
