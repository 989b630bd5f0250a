/** The data cannot be inspected as claimed: no or several formats match, or an inspector cannot tell. */
export class ImageFormatError extends Error {
  override readonly name: string = 'ImageFormatError';
}

/** One safety check failed; collected by safetyCheck() into a SafetyCheckFailed. */
export class SafetyViolation extends Error {
  override readonly name: string = 'SafetyViolation';
}

/** One or more safety checks failed; `failures` maps each failed check's name to its reason. */
export class SafetyCheckFailed extends Error {
  override readonly name: string = 'SafetyCheckFailed';
  readonly failures: Record<string, string>;

  constructor(failures: Record<string, string>) {
    super(`Safety checks failed: ${Object.keys(failures).join(',')}`);
    this.failures = failures;
  }
}
