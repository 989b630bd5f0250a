import { FormatDetector, type FormatDetectorOptions } from '../detector';

/** The data fed in chunks of `chunkSize` bytes (the last one shorter), then finished. */
export function detect(data: Buffer, chunkSize = 65536, options?: FormatDetectorOptions): FormatDetector {
  const detector = new FormatDetector(options);
  for (let offset = 0; offset < data.length; offset += chunkSize) {
    detector.update(data.subarray(offset, offset + chunkSize));
  }
  detector.finish();
  return detector;
}

/** The names of the formats matched. */
export function formatNames(detector: FormatDetector): string[] | null {
  return detector.formats()?.map((format) => format.name) ?? null;
}

/** The failed checks of a safety check (name to reason), {} when it passes; rethrows anything else. */
export function safetyFailures(check: () => void): Record<string, string> {
  try {
    check();
    return {};
  } catch (error) {
    const failures = (error as { failures?: Record<string, string> }).failures;
    if (failures === undefined) throw error;
    return failures;
  }
}
