import type { GlanceConfig } from '@glance-ts/config';
import type { ImageRecord } from '@glance-ts/db';
import { decideVirtualSize, FormatDetector } from '@glance-ts/image-format';
import type { StoreDriver } from '@glance-ts/stores';

/**
 * Where glance-ts learns an image's `virtual_size` and refuses unsafe disk images (a qcow2 with a
 * backing file or an external data file, a VMDK with extents...), as Glance HEAD does with
 * oslo.utils' format inspector: uploads are inspected while they stream; data added by location
 * (which Glance does not inspect) by reading its start.
 */

/** How far into a location's data the inspection reads when the formats have not decided sooner. */
export const LOCATION_INSPECTION_LIMIT = 16 * 1024 * 1024;

type FormatConfig = GlanceConfig['imageFormat'];

/** Fed an upload's chunks as they pass; `virtualSize` once the last byte has been fed. */
export class UploadFormatInspection {
  private readonly detector: FormatDetector;

  constructor(
    private readonly image: Pick<ImageRecord, 'diskFormat' | 'containerFormat'>,
    private readonly config: FormatConfig,
  ) {
    this.detector = new FormatDetector({ vmdkAllowedTypes: config.vmdkAllowedTypes });
  }

  /** Cheap per chunk: only the few header regions the formats need are copied. */
  readonly feed = (chunk: Buffer): void => this.detector.update(chunk);

  /**
   * The virtual size to record (null when Glance records none). Throws the image-format
   * library's InvalidImageDataError when the data must be refused.
   */
  virtualSize(): number | null {
    this.detector.finish();
    return decideVirtualSize(this.image.diskFormat, this.image.containerFormat, this.detector, {
      requireImageFormatMatch: this.config.requireFormatMatch,
      gptSafetyChecksNonfatal: this.config.gptSafetyChecksNonfatal,
    });
  }
}

/**
 * Inspects data a location names: reads its start until every format has decided (or the limit),
 * then decides as for an upload. `size` is the data's full size, which is the virtual size of data
 * that is (or is declared) raw: only a part of it was read.
 */
export async function inspectLocationData(
  store: StoreDriver,
  url: string,
  size: number,
  image: Pick<ImageRecord, 'diskFormat' | 'containerFormat'>,
  config: FormatConfig,
): Promise<number | null> {
  if (image.containerFormat !== 'bare') return null;
  const detector = new FormatDetector({ vmdkAllowedTypes: config.vmdkAllowedTypes });
  const { stream } = await store.get(url, { offset: 0, length: Math.min(size, LOCATION_INSPECTION_LIMIT) });
  try {
    for await (const chunk of stream) {
      detector.update(chunk as Buffer);
      if (detector.decided) break;
    }
  } finally {
    stream.destroy();
  }
  detector.finish();
  const virtualSize = decideVirtualSize(image.diskFormat, image.containerFormat, detector, {
    requireImageFormatMatch: config.requireFormatMatch,
    gptSafetyChecksNonfatal: config.gptSafetyChecksNonfatal,
  });
  if (virtualSize === null) return null;
  const detected = detector.formats()?.[0]?.name;
  return detected === 'raw' || image.diskFormat === 'raw' ? size : virtualSize;
}
