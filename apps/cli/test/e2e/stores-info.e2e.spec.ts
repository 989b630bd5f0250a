// `glance stores-info` end to end: the built CLI in a child process against an Image API server,
// compared with what the real python-glanceclient printed for the same answers.
import { createServer } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { ADMIN_TOKEN, type ApiServer, MEMBER_TOKEN, startApiServer } from '../support/api-server';
import { readClientCapture } from '../support/captures';
import { runCli } from '../support/run-cli';

jest.setTimeout(30_000);

/** The single run recorded in captures/client/<name>.txt. */
function captured(name: string) {
  const [run] = readClientCapture(name);
  return run;
}

/**
 * Capture 04 anonymised a longer data_dir into "/var/lib/glance/images", leaving that row two
 * characters short of the frame; glanceclient pads every row to the frame's width.
 */
function repadTable(table: string): string {
  const lines = table.split('\n');
  const width = lines[0].length;
  return lines
    .map((line) =>
      line.startsWith('|') && line.length < width ? line.slice(0, -1).padEnd(width - 1) + '|' : line,
    )
    .join('\n');
}

describe('glance stores-info', () => {
  let server: ApiServer;
  const glance = (token: string, ...args: string[]) =>
    runCli(['--os-image-url', server.url, '--os-auth-token', token, 'stores-info', ...args]);

  beforeAll(async () => {
    server = await startApiServer('multi-store');
  });
  afterAll(() => server.close());

  it("prints glanceclient's Property/Value table for an admin", async () => {
    const result = await glance(ADMIN_TOKEN);
    expect(result).toEqual({ stdout: captured('03-stores-info-admin').output, stderr: '', status: 0 });
  });

  it('prints the same table for a member (the list is not admin-only)', async () => {
    const result = await glance(MEMBER_TOKEN);
    expect(result).toEqual({ stdout: captured('05-stores-info-member').output, stderr: '', status: 0 });
  });

  it('prints the --detail table, every row padded to the frame', async () => {
    const expected = repadTable(captured('04-stores-info-detail-admin').output);
    expect(expected).not.toEqual(captured('04-stores-info-detail-admin').output); // the capture's short row
    const result = await glance(ADMIN_TOKEN, '--detail');
    expect(result).toEqual({ stdout: expected, stderr: '', status: 0 });
  });

  it("answers a member's --detail with glanceclient's 403 line and exit 1", async () => {
    const run = captured('06-stores-info-detail-member');
    const result = await glance(MEMBER_TOKEN, '--detail');
    expect(run.output).toBe(
      'HTTP 403 Forbidden: You are not authorized to complete stores_info_detail action.\n',
    );
    expect(result).toEqual({ stdout: '', stderr: run.output, status: run.exitStatus });
  });

  it.each([
    ['01-stores-info-token-dummy', []],
    ['02-stores-info-detail-token-dummy', ['--detail']],
  ])('answers an invalid token like %s', async (name, args) => {
    const run = captured(name);
    const result = await glance('dummy', ...args);
    expect(result).toEqual({ stdout: '', stderr: 'Invalid OpenStack Identity credentials.\n', status: 1 });
    expect(result.stderr).toBe(run.output);
  });

  it('sends the token, asks for JSON errors and calls the right path', async () => {
    server.requests.length = 0;
    await glance(ADMIN_TOKEN, '--detail');
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      method: 'GET',
      url: '/v2/info/stores/detail',
      headers: { 'x-auth-token': ADMIN_TOKEN, accept: 'application/json' },
    });
  });

  describe('-f / -c (openstackclient style)', () => {
    it('-f json: an array of objects with the documented keys, in column order', async () => {
      const result = await glance(ADMIN_TOKEN, '--detail', '-f', 'json');
      expect(result.status).toBe(0);
      const rows = JSON.parse(result.stdout) as Record<string, unknown>[];
      expect(rows.map((row) => row.ID)).toEqual([
        'fast',
        'cheap',
        'web',
        'cinderstore',
        'objects',
        's3store',
      ]);
      for (const row of rows) {
        expect(Object.keys(row)).toEqual([
          'ID',
          'Description',
          'Default',
          'Read-only',
          'Type',
          'Weight',
          'Properties',
        ]);
      }
      expect(rows[0]).toEqual({
        ID: 'fast',
        Description: 'Fast RBD backend',
        Default: true,
        'Read-only': false,
        Type: 'rbd',
        Weight: null, // Glance 25 does not report weights
        Properties: { chunk_size: 8388608, pool: 'images', thin_provisioning: false },
      });
      expect(rows[2]).toMatchObject({ ID: 'web', Default: false, 'Read-only': true, Properties: {} });
      // cliff's json.dump(indent=2) layout, byte for byte, for the first lines.
      expect(
        result.stdout.startsWith('[\n  {\n    "ID": "fast",\n    "Description": "Fast RBD backend",\n'),
      ).toBe(true);
      expect(result.stdout.endsWith('\n  }\n]\n')).toBe(true);
    });

    it('-f json without --detail has only the list columns', async () => {
      const rows = JSON.parse((await glance(MEMBER_TOKEN, '-f', 'json')).stdout) as Record<string, unknown>[];
      expect(Object.keys(rows[0])).toEqual(['ID', 'Description', 'Default', 'Read-only']);
    });

    it('-f yaml carries the same data as -f json', async () => {
      const [json, yaml] = await Promise.all([
        glance(ADMIN_TOKEN, '--detail', '-f', 'json'),
        glance(ADMIN_TOKEN, '--detail', '-f', 'yaml'),
      ]);
      expect(yaml.status).toBe(0);
      expect(parseYaml(yaml.stdout)).toEqual(JSON.parse(json.stdout));
      expect(yaml.stdout.startsWith('- ID: fast\n  Description: Fast RBD backend\n  Default: true\n')).toBe(
        true,
      );
    });

    it('-c ID -f value prints only the ids, one per line', async () => {
      const result = await glance(ADMIN_TOKEN, '-c', 'ID', '-f', 'value');
      expect(result).toEqual({
        stdout: 'fast\ncheap\nweb\ncinderstore\nobjects\ns3store\n',
        stderr: '',
        status: 0,
      });
    });

    it('-f value joins the cells with spaces; dicts as key=value text', async () => {
      const result = await glance(ADMIN_TOKEN, '--detail', '-f', 'value', '-c', 'ID', '-c', 'Properties');
      expect(result.stdout.split('\n')[0]).toBe(
        "fast chunk_size='8388608', pool='images', thin_provisioning='False'",
      );
    });

    it('-c alone implies a cliff table, columns kept in the command order', async () => {
      const result = await glance(ADMIN_TOKEN, '-c', 'Default', '-c', 'ID');
      expect(result.stdout).toBe(
        [
          '+-------------+---------+',
          '| ID          | Default |',
          '+-------------+---------+',
          '| fast        | True    |',
          '| cheap       | False   |',
          '| web         | False   |',
          '| cinderstore | False   |',
          '| objects     | False   |',
          '| s3store     | False   |',
          '+-------------+---------+',
          '',
        ].join('\n'),
      );
    });

    it('rejects -c with no known column the way cliff does, exit 1', async () => {
      const result = await glance(ADMIN_TOKEN, '-c', 'Foo');
      expect(result).toEqual({
        stdout: '',
        stderr:
          "No recognized column names in ['Foo']. Recognized columns are ('ID', 'Description', 'Default', 'Read-only').\n",
        status: 1,
      });
    });

    it('rejects an unknown format with a usage error, exit 2', async () => {
      const result = await glance(ADMIN_TOKEN, '-f', 'xml');
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        'usage: glance stores-info [--detail]\nglance stores-info: error: Expected --format=xml to be one of: json, table, value, yaml\n',
      );
    });
  });
});

describe('glance stores-info without multi-store', () => {
  let server: ApiServer;

  beforeAll(async () => {
    server = await startApiServer('no-multi-store');
  });
  afterAll(() => server.close());

  it('says "Multi Backend support is not enabled" for every caller, with or without --detail', async () => {
    const runs = readClientCapture('20-nomulti-stores-info');
    expect(runs).toHaveLength(4);
    for (const run of runs) {
      const args = run.command
        .replace(/^glance /, '')
        .replace(/http:\/\/127\.0\.0\.1:9295/, server.url)
        .trim()
        .split(/\s+/);
      const result = await runCli(args);
      expect(result).toEqual({ stdout: '', stderr: run.output, status: run.exitStatus });
    }
  });
});

describe('glance stores-info, connection failures', () => {
  /** A port that was free a moment ago: nothing listens there. */
  async function unusedPort(): Promise<number> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    return port;
  }

  it('reports a refused connection in one line, exit 1', async () => {
    const port = await unusedPort();
    const result = await runCli([
      '--os-image-url',
      `http://127.0.0.1:${port}`,
      '--os-auth-token',
      't',
      'stores-info',
    ]);
    expect(result).toEqual({
      stdout: '',
      stderr: `Unable to establish connection to http://127.0.0.1:${port}/v2/info/stores: Connection refused\n`,
      status: 1,
    });
  });

  it('reports an unknown host in one line, exit 1', async () => {
    const result = await runCli([
      '--os-image-url',
      'http://glance.invalid:9292',
      '--os-auth-token',
      't',
      'stores-info',
    ]);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^Unable to establish connection to http:\/\/glance\.invalid:9292\/v2\/info\/stores: .+\n$/,
    );
    expect(result.status).toBe(1);
  });
});
