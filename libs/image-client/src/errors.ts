// What can go wrong talking to an image API, as error classes a caller can tell apart, with the
// messages python-glanceclient prints for them (glanceclient/exc.py from_response and its shell's
// handler): the CLI prints them as they are; other callers build their own from the fields.
//
// Glance chooses its error body format from the Accept header:
//   application/json  {"message": "<text><br /><br />\n\n\n", "code": "403 Forbidden", "title": "Forbidden"}
//   */*               a small HTML page (glanceclient sends this Accept)
//   anything else     text/plain: "403 Forbidden\n\n<text>\n\n   "
// All three give the same details, "403 Forbidden: <text>", as glanceclient gets from the HTML.
import { STATUS_CODES } from 'node:http';
import { pyStrip } from '@glance-ts/pycompat';

/** Base of every error this library raises. */
export class ImageClientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The image URL given is not an absolute http(s) URL. */
export class InvalidImageUrlError extends ImageClientError {}

/** The server answered 2xx with a body that is not what the call expects (not JSON, no list...). */
export class InvalidResponseError extends ImageClientError {}

/** The server answered with an error status (glanceclient's exc.HTTPException family). */
export class ImageApiError extends ImageClientError {
  constructor(
    /** glanceclient's line for it. */
    message: string,
    readonly status: number,
    /** The server's explanation, tags and markers removed, status line first (exc.from_response's `details`). */
    readonly details: string,
    readonly requestId?: string,
    /** `METHOD /path` of the call. */
    readonly request?: string,
  ) {
    super(message);
  }

  /** The server's explanation without its status line: `Invalid location rbd://...`. */
  get explanation(): string {
    const withoutStatus = this.details.replace(/^\d{3} [^:]*(?:: |$)/, '');
    return withoutStatus || this.details;
  }

  /** `POST /v2/images/<id>/locations failed with 400: <explanation>`, for callers that name the call. */
  get requestFailure(): string {
    return `${this.request ?? 'The request'} failed with ${this.status}: ${this.explanation}`;
  }
}

/** No HTTP answer at all: refused, unresolvable, reset or timed out. */
export class ImageApiConnectionError extends ImageClientError {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export const UNAUTHORIZED_MESSAGE = 'Invalid OpenStack Identity credentials.';
const MULTIPLE_CHOICES_MESSAGE =
  'HTTPMultipleChoices (HTTP 300) Requested version of OpenStack Images API is not available.';

/** Python's str.splitlines() separators. */
// eslint-disable-next-line no-control-regex -- Python counts the C0 separators \x1c-\x1e as line breaks
const LINE_BREAKS = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/**
 * glanceclient's HTML treatment: strip each line, drop inline tags, drop empty lines and
 * repeated ones (the <title> and <h1> say the same), join with ": ".
 */
function meaningfulLines(text: string): string[] {
  const seen = new Set<string>();
  for (const line of text.split(LINE_BREAKS)) {
    const cleaned = pyStrip(line).replace(/<.+?>/g, '');
    if (cleaned) seen.add(cleaned);
  }
  return [...seen];
}

function jsonDetails(body: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  // Glance's (webob's) flat body: put the status line first, as its HTML page does.
  if (typeof record.message === 'string') {
    const lines = typeof record.code === 'string' ? [record.code] : [];
    return [...new Set([...lines, ...meaningfulLines(record.message)])];
  }
  // The nested form glanceclient expects: {"<kind>": {"message": "..."}, ...}.
  const messages = Object.values(record)
    .map((value) =>
      typeof value === 'object' && value !== null ? (value as { message?: unknown }).message : undefined,
    )
    .filter((message): message is string => typeof message === 'string');
  return messages.length > 0 ? messages.flatMap(meaningfulLines) : undefined;
}

/** The server's explanation of an error, reduced to one line (exc.from_response's `details`). */
export function errorDetails(contentType: string | undefined, body: string): string {
  if (!body) return '';
  const type = (contentType ?? '').toLowerCase();
  const lines = (type.includes('json') ? jsonDetails(body) : undefined) ?? meaningfulLines(body);
  return lines.join(': ');
}

export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Unknown';
}

/** The error glanceclient would raise for this response. */
export function imageApiError(
  status: number,
  contentType: string | undefined,
  body: string,
  requestId?: string,
  request?: string,
): ImageApiError {
  const details = errorDetails(contentType, body);
  let message: string;
  if (status === 401) message = UNAUTHORIZED_MESSAGE;
  else if (status === 300) message = MULTIPLE_CHOICES_MESSAGE;
  else if (details.startsWith(`${status} `)) message = `HTTP ${details}`;
  else message = `HTTP ${status} ${reasonPhrase(status)}${details ? `: ${details}` : ''}`;
  return new ImageApiError(message, status, details, requestId, request);
}
