// The reference captures of real Glance 25 and python-glanceclient 4.1, vendored in the repository
// (reference/README.md says what they are and how they were taken).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REFERENCE_DIR = resolve(__dirname, '../../../../reference');
const CAPTURES_DIR = join(REFERENCE_DIR, 'captures');

function capturePath(kind: 'main' | 'client', name: string): string {
  if (!existsSync(CAPTURES_DIR)) throw new Error(`reference captures not found at ${CAPTURES_DIR}`);
  return join(CAPTURES_DIR, kind, name);
}

export interface CapturedResponse {
  status: number;
  reason: string;
  /** In capture order; Content-Length is left out (the body below may have been edited). */
  headers: [string, string][];
  body: Buffer;
}

/**
 * Parses captures/main/<name>.http: a status line and headers with CRLF line ends, a blank line,
 * then the body as is (LF line ends inside HTML bodies). The stated Content-Length is not
 * trusted: the anonymisation of paths changed some bodies' length.
 */
export function readHttpCapture(name: string): CapturedResponse {
  const raw = readFileSync(capturePath('main', `${name}.http`));
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`${name}.http: no blank line after the headers`);
  const [statusLine, ...headerLines] = raw.subarray(0, split).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3}) (.*)$/.exec(statusLine);
  if (!status) throw new Error(`${name}.http: bad status line ${JSON.stringify(statusLine)}`);
  const headers = headerLines
    .map((line): [string, string] => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon), line.slice(colon + 1).trim()];
    })
    .filter(([headerName]) => headerName.toLowerCase() !== 'content-length');
  return { status: Number(status[1]), reason: status[2], headers, body: raw.subarray(split + 4) };
}

export interface ClientCapture {
  command: string;
  output: string;
  exitStatus: number;
}

/**
 * Parses captures/client/<name>.txt: "$ glance ..." then the combined output, then
 * "[exit status: N]"; a file may hold several runs.
 */
export function readClientCapture(name: string): ClientCapture[] {
  const text = readFileSync(capturePath('client', `${name}.txt`), 'utf8');
  const runs: ClientCapture[] = [];
  const pattern = /^\$ (.*)\n([\s\S]*?)^\[exit status: (\d+)\]\n/gm;
  for (const match of text.matchAll(pattern)) {
    runs.push({ command: match[1], output: match[2], exitStatus: Number(match[3]) });
  }
  return runs;
}
