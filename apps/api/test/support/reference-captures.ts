import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseResponse, type RawRequest, type RawResponse } from './raw-http';

/** The reference captures vendored in the repository (reference/README.md says what they are). */
export const REFERENCE_DIR = join(__dirname, '../../../../reference');
const CAPTURES_DIR = join(REFERENCE_DIR, 'captures/main');

export interface ReferenceCapture {
  name: string;
  request: RawRequest;
  response: RawResponse;
}

/**
 * The requests (from INDEX.txt's curl command lines) and responses real Glance 25 gave, so a test
 * can replay each against glance-ts. curl sends `Accept: *\/*` unless told otherwise; `-H Accept:`
 * removes it.
 */
export function loadReferenceCaptures(): ReferenceCapture[] {
  const index = readFileSync(join(CAPTURES_DIR, 'INDEX.txt'), 'utf8');
  const files = new Set(readdirSync(CAPTURES_DIR));
  return index
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const [name, command] = line.split('\t');
      const response = parseResponse(readFileSync(join(CAPTURES_DIR, `${name}.http`), 'utf8'));
      if (!files.has(`${name}.http`)) throw new Error(`capture ${name} has no .http file`);
      return { name, request: curlToRequest(command), response };
    });
}

function curlToRequest(command: string): RawRequest {
  const args = shellWords(command).slice(1);
  let method = 'GET';
  let body: string | undefined;
  let httpVersion: '1.0' | '1.1' = '1.1';
  let url = '';
  const headers = new Map<string, [string, string]>([['accept', ['Accept', '*/*']]]);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '-X') method = args[++i];
    else if (arg === '-I') method = 'HEAD';
    else if (arg === '-H') {
      const header = args[++i];
      const colon = header.indexOf(':');
      const name = header.slice(0, colon).trim();
      const value = header.slice(colon + 1).trim();
      if (value === '') headers.delete(name.toLowerCase());
      else headers.set(name.toLowerCase(), [name, value]);
    } else if (arg === '--data-binary') {
      body = args[++i];
      if (method === 'GET' && !command.includes('-X GET')) method = 'POST';
    } else if (arg === '--http1.0') httpVersion = '1.0';
    else if (arg.startsWith('http')) url = arg;
  }
  const authority = /^https?:\/\/([^/]+)/.exec(url)?.[1] ?? '127.0.0.1';
  const path = url.slice(url.indexOf(authority) + authority.length) || '/';
  // Host as curl sent it, so the versions document's links come out as in the capture.
  return { method, path, headers: [['Host', authority], ...headers.values()], body, httpVersion };
}

/** Splits a command line the way bash would for the quoting INDEX.txt uses (backslash escapes). */
function shellWords(command: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i];
    if (ch === '\\' && i + 1 < command.length) {
      current += command[++i];
      inWord = true;
    } else if (ch === ' ') {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}
