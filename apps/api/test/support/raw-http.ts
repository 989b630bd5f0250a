import { connect } from 'node:net';

export interface RawResponse {
  httpVersion: string;
  status: number;
  reason: string;
  /** Header names lower-cased, in arrival order. */
  headers: [string, string][];
  body: string;
  header(name: string): string | undefined;
}

export interface RawRequest {
  method: string;
  path: string;
  headers: [string, string][];
  body?: string;
  httpVersion?: '1.0' | '1.1';
}

/**
 * One HTTP request over a plain socket, bytes exactly as given (curl-like control over every
 * header and the protocol version), closing the connection after the response.
 */
export function rawRequest(port: number, request: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const body = request.body ?? '';
    const lines = [
      `${request.method} ${request.path} HTTP/${request.httpVersion ?? '1.1'}`,
      ...request.headers.map(([k, v]) => `${k}: ${v}`),
    ];
    if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
    lines.push('Connection: close');
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks).toString('utf8'), request.method === 'HEAD'));
      } catch (error) {
        reject(error);
      }
    });
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  });
}

export function parseResponse(text: string, headOnly = false): RawResponse {
  const split = text.search(/\r?\n\r?\n/);
  const head = split === -1 ? text : text.slice(0, split);
  const rest = split === -1 ? '' : text.slice(split).replace(/^\r?\n\r?\n/, '');
  const [statusLine, ...headerLines] = head.split(/\r?\n/);
  const match = /^HTTP\/(\d\.\d) (\d{3}) ?(.*)$/.exec(statusLine);
  if (!match) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine)}`);
  const headers = headerLines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
  });
  const header = (name: string) => headers.find(([k]) => k === name.toLowerCase())?.[1];
  const length = header('content-length');
  const body = headOnly
    ? ''
    : length === undefined
      ? rest
      : Buffer.from(rest).subarray(0, Number(length)).toString('utf8');
  return { httpVersion: match[1], status: Number(match[2]), reason: match[3], headers, body, header };
}
