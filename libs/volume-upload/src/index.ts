/**
 * Volume → image for a volume service (Cinder's `upload-to-image`): an RBD volume becomes an image
 * of a Glance v2 compatible image service (through @glance-ts/image-client), by copy-on-write clone when the image service's store
 * is rbd on the volume's own Ceph cluster (`GET /v2/info/stores/detail` + `POST
 * /v2/images/{id}/locations`), else by streaming the bytes through `PUT /v2/images/{id}/file`.
 * Framework-free.
 */
export {
  VolumeUploadError,
  choosePath,
  cowSnapshotName,
  pickStore,
  uploadSnapshotName,
  uploadVolumeToImage,
  type FlattenMode,
  type ImageFields,
  type PathDecision,
  type UploadVolumeOptions,
  type UploadVolumeResult,
  type VolumeRef,
} from './upload';
// The image API side (client, errors, store discovery types) is @glance-ts/image-client's.
export type {
  ImageServiceRef,
  KeystoneImageServiceRef,
  StoreDetail,
  StoreDiscovery,
} from '@glance-ts/image-client';
