// The member commands against a running glance-ts (SQLite and PostgreSQL), side by side with
// python-glanceclient 4.1: sharing an image from project bbbb… (member-token) with project dddd…
// (other-member-token), both clients must print the same bytes and exit alike at every step, the
// errors included. Changing commands run once per client on two images made alike (ids and times
// masked); reading ones on the same image.
import { DIALECTS, type ImageApi, startImageApi, TOKENS } from '@glance-ts/api/testing';
import { type ClientRun, expectSameRun, expectSameRunOnEach, glanceTs } from '../support/both-clients';

jest.setTimeout(180_000);

const OTHER_PROJECT = 'dddddddddddddddddddddddddddddddd';

describe.each(DIALECTS)(
  'member commands against glance-ts on %s, compared with python-glanceclient',
  (dialect) => {
    let api: ImageApi;
    /** The shared image each client works on: [glanceclient's, ours]. */
    let ids: [string, string];

    const as = (token: string, ...args: string[]) => ['--os-auth-token', token, ...args];

    const onEach = async (args: (id: string) => string[]): Promise<ClientRun> =>
      (await expectSameRunOnEach(api.url, ids, args)).ours;
    const same = (args: string[]): Promise<ClientRun> => expectSameRun(api.url, args);

    beforeAll(async () => {
      api = await startImageApi(dialect);
      const created = await Promise.all(
        [0, 1].map(() =>
          api.call('POST', '/v2/images', TOKENS.member, { json: { name: 'golden', visibility: 'shared' } }),
        ),
      );
      ids = created.map((result) => result.json.id as string) as [string, string];
    });
    afterAll(async () => {
      await api?.close();
    });

    it('shares, lists, accepts, shows and unshares an image as glanceclient does', async () => {
      const added = await onEach((id) => as(TOKENS.member, 'member-create', id, OTHER_PROJECT));
      expect(added.status).toBe(0);
      expect(added.stdout).toContain('| pending |');

      const listed = await onEach((id) => as(TOKENS.member, 'member-list', '--image-id', id));
      expect(listed.stdout).toContain(OTHER_PROJECT);

      // The member does not list the image before it accepts.
      const before = await glanceTs(api.url, as(TOKENS.otherMember, 'image-list'));
      expect(before.stdout).not.toContain(ids[1]);

      const accepted = await onEach((id) =>
        as(TOKENS.otherMember, 'member-update', id, OTHER_PROJECT, 'accepted'),
      );
      expect(accepted.stdout).toContain('| accepted |');
      const after = await glanceTs(api.url, as(TOKENS.otherMember, 'image-list'));
      expect(after.stdout).toContain(ids[1]);

      const shown = await onEach((id) => as(TOKENS.otherMember, 'member-get', id, OTHER_PROJECT));
      expect(shown.stdout).toContain('| schema     | /v2/schemas/member');

      const removed = await onEach((id) => as(TOKENS.member, 'member-delete', id, OTHER_PROJECT));
      expect(removed).toEqual({ stdout: '', stderr: '', status: 0 });
      const empty = await onEach((id) => as(TOKENS.member, 'member-list', '--image-id', id));
      // glanceclient's empty table: the header between three rules.
      expect(empty.stdout.split('\n').filter(Boolean)).toHaveLength(4);
    });

    it.each([
      ['a duplicate member (409)', (id: string) => as(TOKENS.member, 'member-create', id, 'p1'), true],
      [
        'the owner setting a status (403)',
        (id: string) => as(TOKENS.member, 'member-update', id, 'p1', 'accepted'),
        false,
      ],
      [
        'a stranger listing (404)',
        (id: string) => as(TOKENS.otherMember, 'member-list', '--image-id', id),
        false,
      ],
      ['an unknown member (404)', (id: string) => as(TOKENS.member, 'member-get', id, 'nobody'), false],
      [
        'deleting an unknown member (404)',
        (id: string) => as(TOKENS.member, 'member-delete', id, 'nobody'),
        false,
      ],
    ])('fails as glanceclient does: %s', async (_name, args, needsMember) => {
      if (needsMember) {
        for (const id of ids)
          await api.call('POST', `/v2/images/${id}/members`, TOKENS.member, { json: { member: 'p1' } });
      }
      const result = await onEach(args);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^HTTP 40[349]/);
    });

    it('refuses a status glanceclient does not know, as argparse does', async () => {
      const result = await same(as(TOKENS.member, 'member-update', ids[0], 'p1', 'maybe'));
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("invalid choice: 'maybe'");
    });

    it('refuses member-list without --image-id, as argparse does', async () => {
      const result = await same(as(TOKENS.member, 'member-list'));
      expect(result.status).toBe(2);
    });

    it('prints members as JSON, YAML and values for scripts', async () => {
      await api.call('POST', `/v2/images/${ids[1]}/members`, TOKENS.member, { json: { member: 'p2' } });
      const json = await glanceTs(
        api.url,
        as(TOKENS.member, 'member-list', '--image-id', ids[1], '-f', 'json'),
      );
      expect(JSON.parse(json.stdout)).toEqual([
        { 'Image ID': ids[1], 'Member ID': 'p1', Status: 'pending' },
        { 'Image ID': ids[1], 'Member ID': 'p2', Status: 'pending' },
      ]);
      const yaml = await glanceTs(
        api.url,
        as(TOKENS.member, 'member-list', '--image-id', ids[1], '-f', 'yaml'),
      );
      expect(yaml.stdout).toContain(`- Image ID: ${ids[1]}\n  Member ID: p1\n  Status: pending\n`);
      const value = await glanceTs(
        api.url,
        as(TOKENS.member, 'member-list', '--image-id', ids[1], '-f', 'value', '-c', 'Member ID'),
      );
      expect(value.stdout).toBe('p1\np2\n');
      const shown = await glanceTs(api.url, as(TOKENS.member, 'member-get', ids[1], 'p2', '-f', 'json'));
      expect(JSON.parse(shown.stdout)).toMatchObject({
        image_id: ids[1],
        member_id: 'p2',
        status: 'pending',
      });
    });
  },
);
