// The shared machinery end to end: help pages, global options before or after the command,
// environment variables, URL joining, --debug, and the usage/validation errors.
import { createHash } from 'node:crypto';
import { ADMIN_TOKEN, type ApiServer, MEMBER_TOKEN, startApiServer } from '../support/api-server';
import { readClientCapture } from '../support/captures';
import { runCli } from '../support/run-cli';
import packageJson from '../../package.json';

jest.setTimeout(30_000);

const ADMIN_TABLE = readClientCapture('03-stores-info-admin')[0].output;

describe('help', () => {
  const glanceclientHelp = readClientCapture('07-help-stores-info')[0].output;

  it("`glance help stores-info` starts with glanceclient's help, lines identical", async () => {
    const result = await runCli(['help', 'stores-info']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.startsWith(glanceclientHelp)).toBe(true);
    // ... then the options glance-ts adds, in their own section.
    expect(result.stdout.slice(glanceclientHelp.length)).toMatch(
      /^\nOutput formatters:\n {2}-f \{json,table,value,yaml\}, --format \{json,table,value,yaml\}\n[\s\S]*-c COLUMN, --column COLUMN\n/,
    );
  });

  it('`glance stores-info --help` and `-h` print the same page', async () => {
    const expected = (await runCli(['help', 'stores-info'])).stdout;
    for (const flag of ['--help', '-h']) {
      expect(await runCli(['stores-info', flag])).toEqual({ stdout: expected, stderr: '', status: 0 });
    }
  });

  it('`glance help`, `glance --help` and a bare `glance` list the commands', async () => {
    const pages = await Promise.all([runCli(['help']), runCli(['--help']), runCli([])]);
    for (const page of pages) {
      expect(page.status).toBe(0);
      expect(page.stdout).toBe(pages[0].stdout);
    }
    const text = pages[0].stdout;
    // glanceclient's first usage line, word for word.
    expect(text.startsWith('usage: glance [--version] [-d] [-v] [--get-schema] [-f]\n')).toBe(true);
    expect(text).toContain('\n    stores-info         Print available backends from Glance.\n');
    expect(text).toContain(
      '\n  --os-auth-token OS_AUTH_TOKEN\n                        Defaults to env[OS_AUTH_TOKEN].\n',
    );
    expect(text.endsWith('\nSee "glance help COMMAND" for help on a specific command.\n')).toBe(true);
  });

  it('`glance help nope` says it is not a subcommand, exit 1', async () => {
    expect(await runCli(['help', 'nope'])).toEqual({
      stdout: '',
      stderr: "'nope' is not a valid subcommand\n",
      status: 1,
    });
  });

  it('an unknown command is a usage error naming the choices, exit 2', async () => {
    const result = await runCli(['nope']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(
        "\nglance: error: argument <subcommand>: invalid choice: 'nope' \\(choose from 'help', 'image-create', 'image-create-from-volume', " +
          "'image-delete', 'image-download', 'image-list', 'image-show', 'image-tag-delete', 'image-tag-update', " +
          "'image-update', 'image-upload', 'member-create', 'member-delete', 'member-get', 'member-list', " +
          "'member-update', 'stores-info'\\)\n$",
      ),
    );
  });

  it('--version says it is glance-ts, and which version', async () => {
    const result = await runCli(['--version']);
    expect(result).toEqual({ stdout: `glance-ts ${packageJson.version}\n`, stderr: '', status: 0 });
  });
});

describe('global options and environment', () => {
  let server: ApiServer;

  beforeAll(async () => {
    server = await startApiServer('multi-store');
  });
  afterAll(() => server.close());

  it('accepts the options after the command too', async () => {
    const result = await runCli([
      'stores-info',
      '--os-image-url',
      server.url,
      '--os-auth-token',
      ADMIN_TOKEN,
    ]);
    expect(result).toEqual({ stdout: ADMIN_TABLE, stderr: '', status: 0 });
  });

  it("accepts glanceclient's underscore spellings", async () => {
    const result = await runCli([
      '--os_image_url',
      server.url,
      '--os_auth_token',
      ADMIN_TOKEN,
      'stores-info',
    ]);
    expect(result).toEqual({ stdout: ADMIN_TABLE, stderr: '', status: 0 });
  });

  it('reads OS_IMAGE_URL and OS_AUTH_TOKEN; an option wins over its variable', async () => {
    const env = { OS_IMAGE_URL: server.url, OS_AUTH_TOKEN: MEMBER_TOKEN };
    expect(await runCli(['stores-info'], env)).toEqual({ stdout: ADMIN_TABLE, stderr: '', status: 0 });
    const denied = await runCli(['stores-info', '--detail'], env);
    expect(denied.stderr).toMatch(/^HTTP 403 Forbidden: /);
    const allowed = await runCli(['--os-auth-token', ADMIN_TOKEN, 'stores-info', '--detail'], env);
    expect(allowed.status).toBe(0);
  });

  it.each([['/'], ['/v2'], ['/v2/'], ['/v2.16/']])(
    'joins paths to an image URL ending in "%s"',
    async (suffix) => {
      server.requests.length = 0;
      const result = await runCli([
        '--os-image-url',
        server.url + suffix,
        '--os-auth-token',
        ADMIN_TOKEN,
        'stores-info',
      ]);
      expect(result.stdout).toBe(ADMIN_TABLE);
      expect(server.requests.map((request) => request.url)).toEqual(['/v2/info/stores']);
    },
  );

  it('keeps a path prefix (an API published at http://host/image)', async () => {
    const prefixed = await startApiServer('multi-store', { pathPrefix: '/image' });
    try {
      for (const url of [prefixed.url, `${prefixed.url}/`, `${prefixed.url}/v2`]) {
        const result = await runCli(['--os-image-url', url, '--os-auth-token', ADMIN_TOKEN, 'stores-info']);
        expect(result).toEqual({ stdout: ADMIN_TABLE, stderr: '', status: 0 });
      }
      expect(prefixed.requests.map((request) => request.url)).toEqual(Array(3).fill('/image/v2/info/stores'));
    } finally {
      await prefixed.close();
    }
  });

  it('--debug logs the request (token hashed) and the response with its request id on stderr', async () => {
    const result = await runCli([
      '--debug',
      '--os-image-url',
      server.url,
      '--os-auth-token',
      ADMIN_TOKEN,
      'stores-info',
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(ADMIN_TABLE);
    const tokenHash = createHash('sha1').update(ADMIN_TOKEN).digest('hex');
    expect(result.stderr).toContain(`-H 'X-Auth-Token: {SHA1}${tokenHash}' ${server.url}/v2/info/stores\n`);
    expect(result.stderr).not.toContain(ADMIN_TOKEN);
    expect(result.stderr).toContain(
      `GET call to image for ${server.url}/v2/info/stores used request id req-92207841-f8e4-4b5b-a3c8-1b1006704167\n`,
    );
    expect(result.stderr).toContain('\nHTTP/1.1 200 OK\ncontent-type: application/json\n');
  });

  it('GLANCECLIENT_DEBUG=1 turns debugging on, like --debug', async () => {
    const result = await runCli(['stores-info'], {
      OS_IMAGE_URL: server.url,
      OS_AUTH_TOKEN: ADMIN_TOKEN,
      GLANCECLIENT_DEBUG: '1',
    });
    expect(result.stderr).toMatch(/^curl -g -i -X GET /);
  });

  it.each([
    [[], 'You must provide an image url via either --os-image-url or env[OS_IMAGE_URL]\n'],
    [
      ['--os-image-url', 'http://127.0.0.1:9'],
      'You must provide a token via either --os-auth-token or env[OS_AUTH_TOKEN]\n',
    ],
    [['--os-image-api-version', '1'], 'Invalid API version parameter. Supported values are [2]\n'],
    [
      ['--os-image-url', 'http://127.0.0.1:9/v1', '--os-auth-token', 't'],
      'Invalid API version parameter. Supported values are [2]\n',
    ],
    [
      ['--os-image-url', 'ftp://x', '--os-auth-token', 't'],
      'Invalid image URL "ftp://x": expected an absolute http:// or https:// URL\n',
    ],
  ])('refuses %j in one line, exit 1, before any request', async (options, message) => {
    expect(await runCli([...options, 'stores-info'])).toEqual({ stdout: '', stderr: message, status: 1 });
  });

  it('accepts --os-image-api-version 2', async () => {
    const result = await runCli([
      '--os-image-api-version',
      '2',
      '--os-image-url',
      server.url,
      '--os-auth-token',
      ADMIN_TOKEN,
      'stores-info',
    ]);
    expect(result.stdout).toBe(ADMIN_TABLE);
  });

  it('rejects an unknown option with a usage error, exit 2', async () => {
    const result = await runCli(['stores-info', '--bogus']);
    expect(result).toEqual({
      stdout: '',
      stderr: 'usage: glance stores-info [--detail]\nglance stores-info: error: Nonexistent flag: --bogus\n',
      status: 2,
    });
  });
});
