/**
 * A typed client of the image API (Glance v2, glance-ts): transport (auth header, request ids,
 * --debug logging, bounded waits), Glance's error bodies decoded into ImageApiError with
 * python-glanceclient's messages, image data streamed both ways with progress callbacks, and the
 * calls the CLI and the volume-upload library make. Framework-free.
 */
export {
  ImageApiClient,
  imagePath,
  type ApiResponse,
  type BufferedResponse,
  type ImageApiClientOptions,
  type ProgressCallback,
  type RequestOptions,
  type StoreDetail,
  type StoreDiscovery,
  type StreamingResponse,
  type UploadOptions,
} from './client';
export { parseImageUrl, type ImageEndpoint } from './endpoint';
export {
  ImageApiConnectionError,
  ImageApiError,
  ImageClientError,
  InvalidImageUrlError,
  InvalidResponseError,
  UNAUTHORIZED_MESSAGE,
  errorDetails,
  imageApiError,
  reasonPhrase,
} from './errors';
export { imageApiClientFor, type ImageServiceRef, type KeystoneImageServiceRef } from './connect';
