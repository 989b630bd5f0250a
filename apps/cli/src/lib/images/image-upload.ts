// Uploading image data (image-upload, and image-create with data): glanceclient's
// _validate_backend and do_image_upload.
import { CliError } from '../errors';
import { createProgress } from '../progress';
import { type DataSource, withProgress } from './image-data';
import type { ImagesApi } from './images-api';

/** _validate_backend: the store must be one the server lists; without multi-store, anything goes. */
export async function checkStore(api: ImagesApi, store: string): Promise<void> {
  const stores = await api.storeIds();
  if (stores !== undefined && !stores.includes(store)) {
    throw new CliError(
      `Store '${store}' is not valid for this cloud. Valid values can be retrieved with stores-info command.`,
    );
  }
}

export interface UploadOptions {
  progress: boolean;
  store?: string;
  /**
   * Expected size for the progress bar when the source cannot tell (a pipe): image-upload's
   * --size. glanceclient 4.1 ignores --size and shows no bar for pipes.
   */
  sizeHint?: number;
}

/** PUT the data, streamed; a progress bar on a terminal's stderr when asked for and the size is known. */
export async function uploadImageData(
  api: ImagesApi,
  id: string,
  data: DataSource | undefined,
  options: UploadOptions,
): Promise<void> {
  let stream = data?.stream;
  const total = data?.size ?? options.sizeHint;
  if (stream && options.progress && total !== undefined) stream = withProgress(stream, createProgress(total));
  await api.upload(id, stream, data?.size, options.store);
}
