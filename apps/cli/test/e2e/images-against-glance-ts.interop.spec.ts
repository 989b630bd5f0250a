// The image commands against a running glance-ts (apps/api on SQLite and PostgreSQL, two file stores and a
// read-only http store), side by side with python-glanceclient 4.1: for every step of an image's
// life and for the errors, both clients must print the same bytes and exit alike.
//
// Commands that change an image run once per client on two images made alike (same name, data
// and options; their ids and timestamps are masked); commands that only read run on the same one.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DIALECTS, type ImageApi, MEMBER_PROJECT, startImageApi, TOKENS } from '@glance-ts/api/testing';
import {
  bothClients,
  type ClientRun,
  expectSameRun,
  expectSameRunOnEach,
  glanceTs,
  glanceclient,
  withoutIdentity,
} from '../support/both-clients';

// A python-glanceclient run costs about a second of Python start-up.
jest.setTimeout(180_000);

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

// On both metadata databases: the issue asks for the life cycle from both CLIs on SQLite and PostgreSQL.
describe.each(DIALECTS)(
  'image commands against glance-ts on %s, compared with python-glanceclient',
  (dialect) => {
    let api: ImageApi;
    let work: string;
    let source: string;
    const data = randomBytes(3 * 1024 * 1024 + 17);
    /** The image each client created in the life cycle: [glanceclient's, ours]. */
    let ids: [string, string];

    const as = (token: string, ...args: string[]) => ['--os-auth-token', token, ...args];
    const member = (...args: string[]) => as(TOKENS.member, ...args);

    /** Runs `args(id)` with glanceclient on its image and with ours on ours; compares masked output. */
    const onEach = (args: (id: string) => string[]) => expectSameRunOnEach(api.url, ids, args);
    const same = (args: string[]): Promise<ClientRun> => expectSameRun(api.url, args);

    beforeAll(async () => {
      api = await startImageApi(dialect);
      work = mkdtempSync(join(tmpdir(), 'glance-ts-cli-images-'));
      source = join(work, 'source.raw');
      writeFileSync(source, data);
    });
    afterAll(async () => {
      await api?.close();
      rmSync(work, { recursive: true, force: true });
    });

    describe('life cycle', () => {
      it('image-create --file --store: the same table, the data stored once per image', async () => {
        const create = member(
          'image-create',
          '--name',
          'life-cycle',
          '--disk-format',
          'raw',
          '--container-format',
          'bare',
          '--min-disk',
          '1',
          '--tags',
          'a',
          'b',
          '--property',
          'purpose=e2e',
          '--file',
          source,
          '--store',
          'scratch',
        );
        const theirs = await glanceclient(api.url, create);
        const ours = await glanceTs(api.url, create);
        expect(theirs.status).toBe(0);
        expect(withoutIdentity(ours)).toEqual(withoutIdentity(theirs));
        const idOf = (run: ClientRun) => /\| id +\| ([0-9a-f-]{36}) +\|/.exec(run.stdout)![1];
        ids = [idOf(theirs), idOf(ours)];
        expect(ours.stdout).toContain(`| checksum         | ${md5(data)}`);
        expect(ours.stdout).toMatch(/\| stores +\| scratch +\|/);
        expect(api.storeFiles('scratch')).toEqual(expect.arrayContaining(ids));
      });

      it('image-list, --verbose and --include-stores', async () => {
        await same(member('image-list'));
        await same(member('--verbose', 'image-list', '--include-stores'));
        await same(member('image-list', '--limit', '1', '--page-size', '1', '--sort', 'name:desc'));
        await same(member('image-list', '--tag', 'a', '--property-filter', 'purpose=e2e'));
        await same(
          member('image-list', '--hidden', 'False', '--visibility', 'shared', '--owner', MEMBER_PROJECT),
        );
      });

      it('image-show, plain, --human-readable and with a narrow column', async () => {
        await same(member('image-show', ids[1]));
        await same(member('image-show', '--human-readable', '--max-column-width', '30', ids[0]));
      });

      it('image-update: properties set, replaced and removed, schema properties changed', async () => {
        await onEach((id) =>
          member(
            'image-update',
            id,
            '--name',
            'renamed',
            '--min-ram',
            '64',
            '--os-distro',
            'debian',
            '--property',
            'extra=1',
          ),
        );
        const { ours } = await onEach((id) =>
          member(
            'image-update',
            id,
            '--property',
            'extra=2',
            '--remove-property',
            'purpose',
            '--hidden',
            'true',
          ),
        );
        expect(ours.stdout).toMatch(/\| extra +\| 2 +\|/);
        expect(ours.stdout).not.toContain('purpose');
      });

      it('image-tag-update and image-tag-delete', async () => {
        const { ours } = await onEach((id) => member('image-tag-update', id, 'new-tag'));
        expect(ours.stdout).toContain("['a', 'b', 'new-tag']");
        const deleted = await onEach((id) => member('image-tag-delete', id, 'a'));
        expect(deleted.ours).toEqual({ stdout: '', stderr: '', status: 0 });
      });

      it('image-download to --file and to stdout: the bytes uploaded, verified', async () => {
        const files = [join(work, 'theirs.raw'), join(work, 'ours.raw')];
        await onEach((id) => member('image-download', id, '--file', files[ids.indexOf(id)], '--progress'));
        for (const file of files) expect(md5(readFileSync(file))).toBe(md5(data));
        const ours = await glanceTs(api.url, member('image-download', ids[1]), { binaryStdout: true });
        expect(ours.status).toBe(0);
        expect(Buffer.from(ours.stdout, 'latin1').equals(data)).toBe(true);
      });

      it('image-upload from a file and from stdin, to a chosen store', async () => {
        const created = await onEach(() =>
          member('image-create', '--name', 'uploaded', '--disk-format', 'raw', '--container-format', 'bare'),
        );
        const uploadIds = [created.theirs, created.ours].map(
          (run) => /\| id +\| ([0-9a-f-]{36}) +\|/.exec(run.stdout)![1],
        );
        const theirs = await glanceclient(api.url, member('image-upload', uploadIds[0], '--store', 'local'), {
          stdin: { file: source },
        });
        const ours = await glanceTs(api.url, member('image-upload', uploadIds[1], '--store', 'local'), {
          stdin: { file: source },
        });
        expect(ours).toEqual(theirs);
        for (const id of uploadIds) {
          const shown = await glanceTs(
            api.url,
            member('image-show', id, '-f', 'json', '-c', 'checksum', '-c', 'status'),
          );
          expect(JSON.parse(shown.stdout)).toEqual({ checksum: md5(data), status: 'active' });
        }
        await bothClients(api.url, member('image-delete', ...uploadIds));
      });

      it('image-create with the data piped in', async () => {
        const args = member(
          'image-create',
          '--name',
          'piped',
          '--disk-format',
          'raw',
          '--container-format',
          'bare',
        );
        const theirs = await glanceclient(api.url, args, { stdin: { file: source } });
        const ours = await glanceTs(api.url, args, { stdin: { file: source } });
        expect(withoutIdentity(ours)).toEqual(withoutIdentity(theirs));
        expect(ours.stdout).toMatch(/\| status +\| active +\|/);
      });

      it('image-delete, then the same ids again (404 for each)', async () => {
        await onEach((id) => member('image-delete', id));
        const again = await onEach((id) => member('image-delete', id, id));
        expect(again.ours.status).toBe(1);
        expect(again.ours.stderr).toBe(
          `No image with an ID of '${ids[1]}' exists.\nNo image with an ID of '${ids[1]}' exists.\n`,
        );
      });
    });

    describe('openstackclient-style output', () => {
      let id: string;
      beforeAll(async () => {
        const created = await glanceTs(
          api.url,
          member(
            'image-create',
            '--name',
            'formats',
            '--disk-format',
            'qcow2',
            '--container-format',
            'bare',
            '--tags',
            'x',
            '-f',
            'json',
          ),
        );
        id = JSON.parse(created.stdout).id;
      });

      it('-f json: one sorted object for show, an array of rows for list', async () => {
        const shown = JSON.parse((await glanceTs(api.url, member('image-show', id, '-f', 'json'))).stdout);
        expect(Object.keys(shown)).toEqual(Object.keys(shown).sort());
        expect(shown).toMatchObject({ id, name: 'formats', tags: ['x'], size: null, status: 'queued' });
        expect(shown).not.toHaveProperty('self');
        const listed = JSON.parse((await glanceTs(api.url, member('image-list', '-f', 'json'))).stdout);
        expect(listed).toContainEqual({ ID: id, Name: 'formats' });
      });

      it('-f yaml, -f value and -c', async () => {
        const yaml = (
          await glanceTs(api.url, member('image-show', id, '-f', 'yaml', '-c', 'name', '-c', 'tags'))
        ).stdout;
        expect(parseYaml(yaml)).toEqual({ name: 'formats', tags: ['x'] });
        const value = await glanceTs(
          api.url,
          member('--verbose', 'image-list', '-f', 'value', '-c', 'ID', '-c', 'Disk_format'),
        );
        expect(value.stdout.split('\n')).toContain(`${id} qcow2`);
        const tagged = await glanceTs(api.url, member('image-tag-update', id, 'y', '-f', 'json'));
        expect(JSON.parse(tagged.stdout)).toEqual([{ ID: id, Tags: ['x', 'y'] }]);
      });
    });

    describe('checksum verification', () => {
      it('a corrupted store file fails both downloads alike and leaves what was written', async () => {
        const created = await glanceTs(
          api.url,
          member(
            'image-create',
            '--name',
            'corrupt',
            '--disk-format',
            'raw',
            '--container-format',
            'bare',
            '--file',
            source,
            '-f',
            'json',
          ),
        );
        const id = JSON.parse(created.stdout).id as string;
        const corrupted = Buffer.from(data);
        corrupted[1000] ^= 0xff;
        writeFileSync(join(api.dir, 'data', 'local', id), corrupted);

        const files = [join(work, 'corrupt-theirs.raw'), join(work, 'corrupt-ours.raw')];
        const theirs = await glanceclient(api.url, member('image-download', id, '--file', files[0]));
        const ours = await glanceTs(api.url, member('image-download', id, '--file', files[1]));
        expect(ours).toEqual(theirs);
        expect(ours.status).toBe(1);
        expect(ours.stderr).toMatch(
          /^\[Errno 32\] Corrupt image download\. Hash was [0-9a-f]{128} expected [0-9a-f]{128}\n$/,
        );
        expect(readFileSync(files[1]).equals(corrupted)).toBe(true);
      });
    });

    describe('errors', () => {
      let memberImage: string;
      beforeAll(async () => {
        const created = await glanceTs(
          api.url,
          member(
            'image-create',
            '--name',
            'private',
            '--disk-format',
            'raw',
            '--container-format',
            'bare',
            '--protected',
            'True',
            '-f',
            'json',
          ),
        );
        memberImage = JSON.parse(created.stdout).id;
      });

      const missing = '00000000-0000-4000-8000-000000000000';

      it.each([
        ['image-show', [missing]],
        ['image-update', [missing, '--name', 'x']],
        ['image-delete', [missing]],
        ['image-download', [missing, '--file', '/dev/null']],
        ['image-upload', [missing, '--file', '/etc/hostname']],
        ['image-tag-update', [missing, 't']],
        ['image-tag-delete', [missing, 't']],
      ])('an unknown id: %s', async (command, args) => {
        const ours = await same(member(command, ...args));
        expect(ours.status).toBe(1);
      });

      it("another project's private image is not found; a protected one cannot be deleted", async () => {
        await same(as(TOKENS.otherMember, 'image-show', memberImage));
        await same(as(TOKENS.otherMember, 'image-delete', memberImage));
        const ours = await same(member('image-delete', memberImage));
        expect(ours.stderr).toBe(`You are not permitted to delete the image '${memberImage}'.\n`);
      });

      it('a reader may not create (403), an unknown token is refused (401)', async () => {
        await same(as(TOKENS.reader, 'image-create', '--name', 'nope'));
        await same(as('bogus-token', 'image-list'));
      });

      it('bad values: schema refusals, argparse errors, bad stores, missing formats', async () => {
        for (const args of [
          ['image-create', '--disk-format', 'floppy'],
          ['image-create', '--name', 'x', '--min-ram', 'lots'],
          ['image-create', '--kernel-id', 'not-a-uuid'],
          ['image-create', '--property', 'novalue'],
          ['image-create', '--file', source, '--disk-format', 'raw'],
          [
            'image-create',
            '--file',
            source,
            '--disk-format',
            'raw',
            '--container-format',
            'bare',
            '--store',
            'tape',
          ],
          [
            'image-create',
            '--file',
            join(work, 'missing'),
            '--disk-format',
            'raw',
            '--container-format',
            'bare',
          ],
          ['image-create', '--store', 'local'],
          ['image-update'],
          ['image-list', '--sort-key', 'colour'],
          ['image-list', '--sort', 'name:sideways'],
          ['image-list', '--property-filter', 'novalue'],
          ['image-show', memberImage, '--max-column-width', 'wide'],
          ['image-tag-update', memberImage],
        ]) {
          await same(member(...args));
        }
      });
    });

    describe('the image schema cache (~/.glanceclient/image_schema.json)', () => {
      it("is written on first use in glanceclient's format, then drives the help pages", async () => {
        const home = mkdtempSync(join(tmpdir(), 'glance-ts-home-'));
        const cache = join(home, '.glanceclient', 'image_schema.json');
        const helpText = async () =>
          (await glanceTs(api.url, ['help', 'image-create'], { env: { HOME: home } })).stdout;
        // glanceclient's built-in schema has no "compressed" container format; glance-ts's has.
        expect(await helpText()).not.toContain('docker, compressed');
        await glanceTs(api.url, member('image-create', '--disk-format', 'floppy'), { env: { HOME: home } });
        const theirs = join(work, 'theirs-home');
        await glanceclient(api.url, member('image-list'), { env: { HOME: theirs } });
        expect(readFileSync(cache, 'utf8')).toBe(
          readFileSync(join(theirs, '.glanceclient', 'image_schema.json'), 'utf8'),
        );
        expect(await helpText()).toContain('docker, compressed');

        writeFileSync(cache, '{"name": "image", "properties": {}}');
        await glanceTs(api.url, member('--get-schema', 'image-list'), { env: { HOME: home } });
        expect(readFileSync(cache, 'utf8')).toContain('"compressed"');
        rmSync(home, { recursive: true, force: true });
      });
    });

    describe('help', () => {
      it.each([
        'image-create',
        'image-update',
        'image-list',
        'image-show',
        'image-download',
        'image-upload',
        'image-delete',
        'image-tag-update',
        'image-tag-delete',
      ])(
        "glance help %s: glanceclient's page (without its v1 hint), then the formatter options",
        async (command) => {
          const theirs = await glanceclient(api.url, ['help', command]);
          const ours = await glanceTs(api.url, ['help', command]);
          const expected = theirs.stdout.replace(
            /\nRun `glance --os-image-api-version 1 help [a-z-]+` for v1 help\n$/,
            '',
          );
          const [page, formatters] = ours.stdout.split('\nOutput formatters:\n');
          expect(page).toBe(expected);
          if (formatters !== undefined) expect(formatters).toMatch(/^ {2}-f \{json,table,value,yaml\}/);
        },
      );
    });
  },
);
