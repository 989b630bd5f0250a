/**
 * glance-ts's disk image format inspector: a port of oslo.utils' imageutils.format_inspector, which
 * Glance uses to tell an upload's format and virtual size from its bytes as they stream by and to
 * refuse images qemu could be tricked with (backing files, external data files, VMDK extents...),
 * and of Glance's decision on the result. Framework-free; Node's own modules only.
 */
export { FormatDetector, INSPECTABLE_FORMATS, type FormatDetectorOptions } from './detector';
export { ImageFormatError, SafetyCheckFailed, SafetyViolation } from './errors';
export { DEFAULT_VMDK_ALLOWED_TYPES } from './formats/vmdk';
export { decideVirtualSize, InvalidImageDataError, type DecideVirtualSizeOptions } from './glance';
export type { InspectedFormat } from './inspector';
