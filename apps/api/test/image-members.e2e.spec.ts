/**
 * Image members (sharing) replayed against glance-ts as Glance 25.1 answered them: every request of
 * reference/captures/members/glance-25.1.jsonl (recorded by tools/reference/capture-members.py
 * against Debian's glance-api with HEAD's rules) in the same order, on SQLite and on PostgreSQL,
 * with identities from trusted headers as in the recording. Status and body must match, image ids
 * and times aside. Then what the recording cannot show: the quota, cascades, visibility changes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testDatabaseConnection } from '@glance-ts/db/testing';
import { fixture, type RunningApi, startApi } from './support/test-api';

interface CapturedStep {
  name: string;
  project: string;
  roles: string;
  method: string;
  path: string;
  body: string | null;
  status: number;
  response: string;
}

const CAPTURE = join(__dirname, '../../../reference/captures/members/glance-25.1.jsonl');
const STEPS: CapturedStep[] = readFileSync(CAPTURE, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as CapturedStep);

const MEMBER = 'member,reader';

type Dialect = 'sqlite' | 'postgresql';

async function startMembersApi(
  dialect: Dialect,
  extraDefault = '',
  policy?: string,
): Promise<RunningApi & { drop(): Promise<void> }> {
  const { connection, drop } = await testDatabaseConnection(dialect);
  const policySection = policy === undefined ? '' : '[oslo_policy]\npolicy_file = policy.yaml\n';
  const config = `[DEFAULT]\n${extraDefault}\n${fixture('no-multi-store.conf')}\n[database]\nconnection = ${connection}\n${policySection}`;
  const api = await startApi(config, { files: policy === undefined ? {} : { 'policy.yaml': policy } });
  return { ...api, drop };
}

/** A request as the recording made it: identity from trusted headers, a JSON body when given. */
async function request(
  api: RunningApi,
  project: string,
  roles: string,
  method: string,
  path: string,
  body?: string | null,
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      'x-identity-status': 'Confirmed',
      'x-roles': roles,
      'x-project-id': project,
      'x-user-id': `u-${project}`,
      accept: 'application/json',
      ...(body !== null && body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body ?? undefined,
  });
  return { status: response.status, text: await response.text() };
}

describe.each<Dialect>(['sqlite', 'postgresql'])('image members on %s', (dialect) => {
  let api: RunningApi & { drop(): Promise<void> };
  const ids: Record<string, string> = {};

  const call = (project: string, roles: string, method: string, path: string, body?: string | null) => {
    let resolved = path;
    for (const [name, id] of Object.entries(ids)) resolved = resolved.replaceAll(`{${name}}`, id);
    return request(api, project, roles, method, resolved, body);
  };
  const normalize = (text: string) => {
    for (const [name, id] of Object.entries(ids)) text = text.replaceAll(id, `{${name}}`);
    return text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, '<time>');
  };
  const create = async (name: string, project: string, visibility: string) => {
    const created = await call(
      project,
      MEMBER,
      'POST',
      '/v2/images',
      JSON.stringify({ name, disk_format: 'raw', container_format: 'bare', visibility }),
    );
    expect(created.status).toBe(201);
    ids[name] = JSON.parse(created.text).id;
  };

  beforeAll(async () => {
    api = await startMembersApi(dialect);
  });
  afterAll(async () => {
    await api?.close();
    await api?.drop();
  });

  it("answers every request of Glance's recording as Glance did", async () => {
    await create('SH', 'pa', 'shared');
    await create('PRIV', 'pa', 'private');
    await create('P2', 'pb', 'shared');
    const mismatches: string[] = [];
    for (const step of STEPS) {
      const answer = await call(step.project, step.roles, step.method, step.path, step.body);
      const got = `${answer.status} ${normalize(answer.text)}`;
      const expected = `${step.status} ${step.response}`;
      if (got !== expected) mismatches.push(`${step.name}\n  Glance:    ${expected}\n  glance-ts: ${got}`);
    }
    expect(mismatches).toEqual([]);
  });

  it("refuses the member over image_member_quota with Glance's 413, before a duplicate", async () => {
    const limited = await startMembersApi(dialect, 'image_member_quota = 2');
    try {
      const created = await request(limited, 'pa', MEMBER, 'POST', '/v2/images', '{"visibility": "shared"}');
      const id = JSON.parse(created.text).id as string;
      const add = (member: string) =>
        request(limited, 'pa', MEMBER, 'POST', `/v2/images/${id}/members`, JSON.stringify({ member }));
      expect((await add('p1')).status).toBe(200);
      expect((await add('p2')).status).toBe(200);
      for (const member of ['p3', 'p1']) {
        const refused = await add(member);
        expect(refused.status).toBe(413);
        expect(JSON.parse(refused.text).message).toBe(
          `Image member limit exceeded for image ${id}: The limit has been exceeded on the number of allowed image members for this image. Attempted: 3, Maximum: 2:<br /><br />\n\n\n`,
        );
      }
    } finally {
      await limited.close();
      await limited.drop();
    }
  });

  it('keeps members through a visibility change, where they stop mattering, and drops them with the image', async () => {
    await create('V', 'pa', 'shared');
    expect((await call('pa', MEMBER, 'POST', '/v2/images/{V}/members', '{"member": "pm"}')).status).toBe(200);
    expect(
      (await call('pm', MEMBER, 'PUT', '/v2/images/{V}/members/pm', '{"status": "accepted"}')).status,
    ).toBe(200);
    const listed = async () =>
      JSON.parse((await call('pm', MEMBER, 'GET', '/v2/images')).text).images.map(
        (image: { id: string }) => image.id,
      );
    expect(await listed()).toEqual([ids.V]);

    const patch = (visibility: string) =>
      fetch(`${api.url}/v2/images/${ids.V}`, {
        method: 'PATCH',
        headers: {
          'x-identity-status': 'Confirmed',
          'x-roles': MEMBER,
          'x-project-id': 'pa',
          'content-type': 'application/openstack-images-v2.1-json-patch',
        },
        body: JSON.stringify([{ op: 'replace', path: '/visibility', value: visibility }]),
      });
    expect((await patch('private')).status).toBe(200);
    expect(await listed()).toEqual([]);
    expect((await call('pm', MEMBER, 'GET', '/v2/images/{V}')).status).toBe(404);
    expect((await patch('shared')).status).toBe(200);
    expect(await listed()).toEqual([ids.V]);

    expect((await call('pa', MEMBER, 'DELETE', '/v2/images/{V}')).status).toBe(204);
    expect(await listed()).toEqual([]);
    expect(await api.runtime.database.members.list(ids.V)).toEqual([]);
  });

  it("gives policy rules the caller's member_id and member_status (Glance's ImageTarget)", async () => {
    // A rule that lets a member set its status only while pending: it holds for one change only if
    // member_status reaches the target, and for the member only if member_id is its project.
    const once = await startMembersApi(
      dialect,
      '',
      `"modify_member": "project_id:%(member_id)s and 'pending':%(member_status)s"\n`,
    );
    try {
      const as = (project: string, method: string, path: string, body: unknown) =>
        request(once, project, MEMBER, method, path, JSON.stringify(body));
      const id = JSON.parse((await as('pa', 'POST', '/v2/images', { visibility: 'shared' })).text)
        .id as string;
      expect((await as('pa', 'POST', `/v2/images/${id}/members`, { member: 'pb' })).status).toBe(200);
      expect((await as('pb', 'PUT', `/v2/images/${id}/members/pb`, { status: 'accepted' })).status).toBe(200);
      expect((await as('pb', 'PUT', `/v2/images/${id}/members/pb`, { status: 'rejected' })).status).toBe(403);
    } finally {
      await once.close();
      await once.drop();
    }
  });
});
