import { dumps } from '@glance-ts/pycompat';

/** Reason phrases as webob prints them in error bodies. */
const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Requested Range Not Satisfiable',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const GLANCE_MESSAGES = {
  unauthorized:
    'This server could not verify that you are authorized to access the document you requested. ' +
    'Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to ' +
    'supply the credentials required.',
  notFound: 'The resource could not be found.',
  bodyNotExpected: 'A body is not expected with this request.',
  multiStoreNotSupported: 'Multi backend is not supported at this site.',
  forbiddenAction: (rule: string) => `You are not authorized to complete ${rule} action.`,
  internal: 'The server has either erred or is incapable of performing the requested operation.',
} as const;

/**
 * An HTTP error with Glance's (webob's) wire format. `message` is the human text; the body that
 * carries it depends on the request's Accept header (see renderGlanceError).
 *
 * `message` is what any caller may read: it names a store by id at most. `operatorMessage`, when
 * given, says the same with the store's internals (paths, pools, cluster fsids, hosts) and is sent
 * instead only to callers who may read the store details (`stores_info_detail`); the log always
 * gets it. `webobDetail` is webob's second paragraph (`detail=`), which a few Glance errors carry.
 */
export class GlanceHttpError extends Error {
  readonly operatorMessage: string | null;
  readonly webobDetail: string | null;

  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    /** webob's 405 uses its own template; everything else the generic one. */
    readonly template: 'generic' | 'method-not-allowed' = 'generic',
    extra: { operatorMessage?: string; webobDetail?: string } = {},
  ) {
    super(message);
    this.name = 'GlanceHttpError';
    this.operatorMessage = extra.operatorMessage ?? null;
    this.webobDetail = extra.webobDetail ?? null;
  }

  /** An error whose full text, `operatorMessage`, only operators may read; others get `message`. */
  static forOperators(status: number, message: string, operatorMessage: string): GlanceHttpError {
    return new GlanceHttpError(status, message, {}, 'generic', { operatorMessage });
  }

  /** The text for a caller who may (or may not) see store internals. */
  messageFor(seesStoreInternals: boolean): string {
    return seesStoreInternals && this.operatorMessage !== null ? this.operatorMessage : this.message;
  }

  static methodNotAllowed(method: string, allowed: readonly string[]): GlanceHttpError {
    return new GlanceHttpError(
      405,
      `The method ${method} is not allowed for this resource.`,
      { allow: allowed.join(', ') },
      'method-not-allowed',
    );
  }
}

export type ErrorMediaType = 'text/html' | 'application/json' | 'text/plain';

/**
 * webob picks the error body's type from Accept among text/html and application/json (in that
 * order for ties), falling back to text/plain — also when there is no Accept header at all.
 */
export function negotiateErrorMediaType(accept: string | undefined): ErrorMediaType {
  if (!accept || !accept.trim()) return 'text/plain';
  let best: { type: ErrorMediaType; q: number } | null = null;
  for (const offer of ['text/html', 'application/json'] as const) {
    const q = qualityOf(offer, accept);
    if (q > 0 && (!best || q > best.q)) best = { type: offer, q };
  }
  return best?.type ?? 'text/plain';
}

/** The q-value the Accept header gives `offer`, taking the most specific matching range. */
function qualityOf(offer: string, accept: string): number {
  const [type, subtype] = offer.split('/');
  let bestSpecificity = -1;
  let q = 0;
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().split(';');
    const [rType, rSub] = range.trim().toLowerCase().split('/');
    if (rSub === undefined) continue;
    const specificity =
      rType === type && rSub === subtype
        ? 2
        : rType === type && rSub === '*'
          ? 1
          : rType === '*' && rSub === '*'
            ? 0
            : -1;
    if (specificity < 0 || specificity < bestSpecificity) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.toLowerCase().startsWith('q='));
    const value = qParam === undefined ? 1 : Number(qParam.slice(2));
    bestSpecificity = specificity;
    q = Number.isFinite(value) ? value : 0;
  }
  return q;
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface RenderedError {
  status: number;
  contentType: string;
  body: string;
  headers: Record<string, string>;
}

/** Renders an error exactly as Glance's webob stack does for the given Accept header. */
export function renderGlanceError(
  error: GlanceHttpError,
  accept: string | undefined,
  seesStoreInternals = false,
): RenderedError {
  const text = error.messageFor(seesStoreInternals);
  const detail = error.webobDetail ?? '';
  const title = TITLES[error.status] ?? 'Error';
  const code = `${error.status} ${title}`;
  const mediaType = negotiateErrorMediaType(accept);
  const methodTemplate = error.template === 'method-not-allowed';
  let contentType: string;
  let body: string;
  if (mediaType === 'application/json') {
    contentType = 'application/json';
    const message = methodTemplate ? `${text} <br /><br />\n` : `${text}<br /><br />\n${detail}\n\n`;
    body = dumps({ message, code, title });
  } else if (mediaType === 'text/html') {
    contentType = 'text/html; charset=UTF-8';
    const html = methodTemplate
      ? `${escapeHtml(text)} <br /><br />\n\n`
      : `${escapeHtml(text)}<br /><br />\n${escapeHtml(detail)}\n\n\n`;
    body = `<html>\n <head>\n  <title>${code}</title>\n </head>\n <body>\n  <h1>${code}</h1>\n  ${html} </body>\n</html>`;
  } else {
    contentType = 'text/plain; charset=UTF-8';
    // webob's plain text: the HTML body with newlines as spaces and each <br /> as a newline.
    body = methodTemplate ? `${code}\n\n${text} \n\n` : `${code}\n\n${text}\n\n ${detail}  `;
  }
  return { status: error.status, contentType, body, headers: error.headers };
}
