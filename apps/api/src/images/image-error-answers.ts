import {
  StoreBadLocationError,
  StoreDuplicateError,
  StoreError,
  StoreFullError,
  StoreInUseError,
  StoreNotFoundError,
  StoreReadOnlyError,
  StoreUnavailableError,
  StoreWriteDeniedError,
} from '@glance-ts/stores';
import { DuplicateMemberError, MemberLimitError } from '@glance-ts/db';
import { GlanceHttpError } from '../http/glance-error';
import { ImageRequestError } from './domain/image-errors';
import { ImageSizeLimitError } from './image-hasher';
import { UploadAbortedError, UploadTimeoutError } from './upload-errors';

/** Glance's BadStoreUri text, and all a caller without the service role learns of a refusal. */
export const INVALID_LOCATION = 'Invalid location';

/**
 * The images feature's one map from what went wrong to Glance's answer, run by the exception filter
 * (GlanceExceptionFilter's translators). A store error means different things by operation (a
 * missing RBD image is an outage during an upload and a bad location when one is added), so the
 * services say which operation failed by wrapping the error; everything else is its own class.
 * A store's own words (paths, pools, hosts) go to operators only (`forOperators`).
 */
export type ImageOperation =
  | { kind: 'upload'; storeId: string }
  | { kind: 'delete'; imageId: string }
  | { kind: 'add-location'; url: string };

export class ImageOperationError extends Error {
  constructor(
    readonly operation: ImageOperation,
    readonly reason: unknown,
  ) {
    super(`image ${operation.kind} failed: ${reason instanceof Error ? reason.message : String(reason)}`);
    this.name = 'ImageOperationError';
  }
}

/** Glance's answer to the images feature's errors; any other error comes back as it is (or unwrapped). */
export function translateImageErrors(error: unknown): unknown {
  if (error instanceof ImageRequestError) {
    return new GlanceHttpError(error.status, error.message, { ...error.headers });
  }
  if (error instanceof DuplicateMemberError) {
    return new GlanceHttpError(409, `Member ${error.memberId} is duplicated for image ${error.imageId}`);
  }
  if (error instanceof MemberLimitError) {
    // Glance's text, its trailing colon included.
    return new GlanceHttpError(
      413,
      `Image member limit exceeded for image ${error.imageId}: ${error.message}:`,
    );
  }
  if (!(error instanceof ImageOperationError)) return error;
  const { operation, reason } = error;
  switch (operation.kind) {
    case 'upload': {
      const answer = uploadAnswer(reason, operation.storeId);
      // The client may still be sending: tell it the connection ends with this answer.
      if (answer instanceof GlanceHttpError) answer.headers.connection = 'close';
      return answer;
    }
    case 'delete':
      return deleteAnswer(operation.imageId, reason);
    case 'add-location':
      return locationAnswer(operation.url, reason);
  }
}

/** What went wrong during an upload. */
function uploadAnswer(error: unknown, storeId: string): unknown {
  if (error instanceof GlanceHttpError) return error;
  const answer = (status: number, prefix: string, storeError: StoreError) =>
    GlanceHttpError.forOperators(status, `${prefix}${storeError.summary}`, `${prefix}${storeError.message}`);
  if (error instanceof ImageSizeLimitError)
    return new GlanceHttpError(413, 'The provided image is too large.');
  if (error instanceof StoreReadOnlyError) return new GlanceHttpError(400, error.message);
  if (error instanceof StoreFullError) return answer(413, 'Image storage media is full: ', error);
  if (error instanceof StoreWriteDeniedError) {
    return answer(503, 'Insufficient permissions on image storage media: ', error);
  }
  if (error instanceof StoreDuplicateError) return answer(409, '', error);
  if (error instanceof StoreNotFoundError || error instanceof StoreUnavailableError) {
    return GlanceHttpError.forOperators(
      503,
      `Store ${storeId} is unavailable.`,
      `Store ${storeId} is unavailable: ${error.message}`,
    );
  }
  if (error instanceof StoreError) return answer(503, '', error);
  if (error instanceof UploadAbortedError) return new GlanceHttpError(400, error.message);
  if (error instanceof UploadTimeoutError) return new GlanceHttpError(408, error.message);
  if (isClientStreamError(error))
    return new GlanceHttpError(400, 'The upload ended before all data arrived.');
  return error;
}

function isClientStreamError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ABORT_ERR';
}

/** A store refuses to let go of an image's data. */
function deleteAnswer(imageId: string, error: unknown): unknown {
  if (error instanceof StoreInUseError) {
    return new GlanceHttpError(
      409,
      `Image ${imageId} could not be deleted because it is in use: ${error.message}`,
    );
  }
  if (error instanceof StoreError) {
    return GlanceHttpError.forOperators(
      503,
      `Image ${imageId} cannot be deleted now: ${error.summary}`,
      `Image ${imageId} cannot be deleted now: ${error.message}`,
    );
  }
  return error;
}

/** A trusted caller's refused location: its mistake is 400, an outage 503, as Glance's stores. */
function locationAnswer(url: string, error: unknown): unknown {
  if (error instanceof StoreBadLocationError)
    return GlanceHttpError.forOperators(400, INVALID_LOCATION, error.message);
  if (error instanceof StoreNotFoundError) {
    return GlanceHttpError.forOperators(
      400,
      `${INVALID_LOCATION}: no data there.`,
      `Invalid location ${url}: no data there.`,
    );
  }
  if (error instanceof StoreError) {
    return GlanceHttpError.forOperators(
      503,
      `Cannot check the location now: ${error.summary}`,
      `Cannot check location ${url} now: ${error.message}`,
    );
  }
  return error;
}
