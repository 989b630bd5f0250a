/**
 * Volume → image for a volume service (Cinder's `upload-to-image`): an RBD volume becomes an image
 * of a Glance v2 compatible image service, by copy-on-write clone when the image service's store
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
export {
  ImageServiceClient,
  ImageServiceError,
  errorDetail,
  imageServiceBase,
  type ImageRecord,
  type ImageServiceRef,
  type KeystoneImageServiceRef,
  resolveImageService,
  type StoreDetail,
  type StoreDiscovery,
} from './image-service';
