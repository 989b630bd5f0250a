import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMBEDDED_CONFIG_PATH, loadConfig } from '@glance-ts/config';
import { createApp } from './bootstrap';

/**
 * Writes (`--write`) or verifies (`--check`) docs/api-ref/openapi.json, the committed API
 * contract, from the code. CI runs --check: a route or DTO change without a regenerated spec fails.
 */
export const OPENAPI_PATH = join(__dirname, '../../../docs/api-ref/openapi.json');

async function main(mode: string | undefined): Promise<number> {
  const glance = await createApp(loadConfig(EMBEDDED_CONFIG_PATH), {
    logLevel: 'silent',
    watchPolicy: false,
  });
  const generated = `${JSON.stringify(glance.runtime.openApi.document, null, 2)}\n`;
  await glance.app.close();
  if (mode === '--write') {
    writeFileSync(OPENAPI_PATH, generated);
    process.stdout.write(`wrote ${OPENAPI_PATH}\n`);
    return 0;
  }
  if (mode === '--check') {
    let committed = '';
    try {
      committed = readFileSync(OPENAPI_PATH, 'utf8');
    } catch {
      // A missing file is just a difference.
    }
    if (committed === generated) {
      process.stdout.write('docs/api-ref/openapi.json is up to date\n');
      return 0;
    }
    process.stderr.write(
      'docs/api-ref/openapi.json differs from the code: run `npm run api-ref` and commit it.\n',
    );
    return 1;
  }
  process.stdout.write(generated);
  return 0;
}

// If the app never settles (a shutdown hook waiting on nothing), Node would exit 0 once the event
// loop is empty: a silent pass of --check. Fail unless main() ran to the end.
process.exitCode = 1;
process.on('exit', (code) => {
  if (code === 1 && !finished) process.stderr.write('openapi: the app did not start and close cleanly\n');
});
let finished = false;

main(process.argv[2]).then(
  (code) => {
    finished = true;
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
