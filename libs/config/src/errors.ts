/** Where a configuration problem is: every part is optional because not every error has all of them. */
export interface ConfigErrorLocation {
  /** The file as the caller named it (a config file, a token file, or `command line`). */
  file: string | null;
  section?: string | null;
  key?: string | null;
  /** 1-based line of the offending value or line, when it is in the file. */
  line?: number | null;
}

/**
 * A configuration the service must refuse to start with. `message` is always ONE line of the form
 * `<file>[:<line>]: [<section>] <key>: <detail>` so a start-up failure can be printed as is; the parts
 * are also available as fields for callers that want to format them differently.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly file: string | null;
  readonly section: string | null;
  readonly key: string | null;
  readonly line: number | null;
  /** The problem itself, without the location prefix. */
  readonly detail: string;

  constructor(location: ConfigErrorLocation, detail: string) {
    super(formatConfigMessage(location, detail));
    this.file = location.file;
    this.section = location.section ?? null;
    this.key = location.key ?? null;
    this.line = location.line ?? null;
    this.detail = oneLine(detail);
  }
}

/** `file:line: [section] key: detail` with absent parts left out; newlines are flattened. */
export function formatConfigMessage(location: ConfigErrorLocation, detail: string): string {
  let where = location.file ?? '';
  if (location.file && location.line) where += `:${location.line}`;
  const prefix = [
    where ? `${where}:` : '',
    location.section !== undefined && location.section !== null ? `[${location.section}]` : '',
    location.key ? `${location.key}:` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return oneLine(prefix ? `${prefix} ${detail}` : detail);
}

/** Values quoted into messages may contain newlines (continuation lines): keep messages one line. */
export function oneLine(text: string): string {
  return text.replace(/\r?\n/g, '\\n');
}

/** A value quoted for a message: JSON-style double quotes, long values shortened. */
export function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(shown);
}

/** A file system error as a short phrase ("file not found"), without Node's multi-part message. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'ENOTDIR':
      return 'a parent of the path is not a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
