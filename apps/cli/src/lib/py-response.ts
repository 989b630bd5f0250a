import type { BufferedResponse } from '@glance-ts/image-client';
import { CliError } from './errors';
import { loads } from '@glance-ts/pycompat';
import type { PyValue } from '@glance-ts/pycompat';

/**
 * A response body parsed as Python's json.loads parses it (key order, int/float kept): what the
 * commands print back the way glanceclient does.
 */
export function pyJson(response: BufferedResponse): PyValue {
  try {
    return loads(response.text());
  } catch {
    throw new CliError(`Invalid JSON in the response from ${response.url}`);
  }
}
