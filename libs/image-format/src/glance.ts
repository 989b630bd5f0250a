import { INSPECTABLE_FORMATS, type FormatDetector } from './detector';
import { ImageFormatError, SafetyCheckFailed } from './errors';
import type { InspectedFormat } from './inspector';

/** The upload is refused; the message is what Glance returns in the 400 body. */
export class InvalidImageDataError extends Error {
  override readonly name: string = 'InvalidImageDataError';
}

export interface DecideVirtualSizeOptions {
  /** [image_format] require_image_format_match: refuse data whose format does not match disk_format. */
  requireImageFormatMatch?: boolean;
  /** [image_format] gpt_safety_checks_nonfatal: failed check names tolerated for data detected as gpt. */
  gptSafetyChecksNonfatal?: readonly string[];
}

/** Anything that went wrong inspecting other than a format mismatch: Glance's catch-all. */
class InspectionFailure extends Error {}

/**
 * What Glance does once an upload has been read (ImageProxy.set_data): from the declared formats and
 * a detector that has seen the whole data (finish() called), the virtual size to record, or null
 * when Glance records none. Throws InvalidImageDataError when the upload must be refused.
 */
export function decideVirtualSize(
  diskFormat: string | null,
  containerFormat: string | null,
  detector: FormatDetector,
  options: DecideVirtualSizeOptions = {},
): number | null {
  // Only bare images are inspected.
  if (containerFormat !== 'bare') return null;
  const requireMatch = options.requireImageFormatMatch ?? true;
  let virtualSize = 0;
  let inspector: InspectedFormat | null = null;
  try {
    const matches = detector.formats();
    if (matches === null) throw new InspectionFailure('the detector has not seen the whole data');
    const names = matches.map((match) => match.name);
    // A bootable ISO may legitimately carry a GPT in front: take it as the ISO.
    if (names.length === 2 && names.includes('iso') && names.includes('gpt')) {
      inspector = matches[names.indexOf('iso')];
    } else {
      inspector = detector.format() as InspectedFormat;
    }
    const format = inspector.name;
    if (format === diskFormat) {
      virtualSize = sizeOf(inspector);
    } else if (format === 'raw' && !INSPECTABLE_FORMATS.includes(diskFormat as string)) {
      // A format Glance cannot inspect (ami, ploop...) with unrecognised content: allowed, size unknown.
    } else if (diskFormat === 'raw') {
      // Data claimed raw is stored as such: its size is its length, whatever it looks like.
      virtualSize = inspector.actualSize;
    } else {
      throw new ImageFormatError(
        `Image disk_format ${diskFormat ?? 'None'} does not match stream data ${format}`,
      );
    }
    inspector.safetyCheck();
  } catch (error) {
    if (error instanceof ImageFormatError) {
      if (requireMatch) throw new InvalidImageDataError(error.message);
    } else if (error instanceof SafetyCheckFailed) {
      const nonfatal = new Set(options.gptSafetyChecksNonfatal ?? []);
      const fatal = Object.keys(error.failures).filter((name) => !nonfatal.has(name));
      if (inspector?.name !== 'gpt' || fatal.length > 0)
        throw new InvalidImageDataError('Image failed safety checks');
    } else if (requireMatch) {
      throw new InvalidImageDataError('Image format inspection failed');
    }
  }
  // Glance records only a non-zero size.
  return virtualSize ? virtualSize : null;
}

/** An inspector that cannot tell the size fails like any unexpected error in Glance, not as a mismatch. */
function sizeOf(inspector: InspectedFormat): number {
  try {
    return inspector.virtualSize;
  } catch (error) {
    throw new InspectionFailure(error instanceof Error ? error.message : String(error));
  }
}
