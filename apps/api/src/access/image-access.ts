import type { ImageRecord } from '@glance-ts/db';
import type { RequestContext } from '../auth/request-context';

/**
 * What the guard needs of the images feature for a route whose policy target is its image: load
 * the image the caller may see (404 otherwise) and check a rule on it (403/404). The images feature
 * provides it (ImageAuthorizer) under IMAGE_ACCESS; the guard knows nothing else of images.
 */
export interface ImageAccess {
  loadVisible(imageId: string, context: RequestContext): Promise<ImageRecord>;
  enforce(rule: string, image: ImageRecord, context: RequestContext): void;
}

export const IMAGE_ACCESS = Symbol('IMAGE_ACCESS');
