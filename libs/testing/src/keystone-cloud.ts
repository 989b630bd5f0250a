import type { TestKeystone } from './keystone';

/** A user of the test cloud: its ids and password. */
export interface CloudUser {
  name: string;
  id: string;
  password: string;
  projectName: string;
  projectId: string;
}

/**
 * What a Glance deployment needs in Keystone, as the README's Keystone section creates it: a
 * `service` project and role, a `glance` service user with that role there; plus the callers the
 * tests play: alice (member, reader) and bob (reader) of project demo, carol (member) of project
 * other, nova (a service user with the service role, for X-Service-Token), and the bootstrap admin.
 */
export interface ImageCloud {
  keystone: TestKeystone;
  serviceProjectId: string;
  glance: CloudUser;
  nova: CloudUser;
  alice: CloudUser;
  bob: CloudUser;
  carol: CloudUser;
  admin: CloudUser;
  /** `[keystone_authtoken]` for the glance user, with extra lines appended. */
  authtokenSection(extra?: Record<string, string | number>): string;
  /** A project-scoped token of one of the users above. */
  token(user: CloudUser): Promise<string>;
}

export async function provisionImageCloud(keystone: TestKeystone): Promise<ImageCloud> {
  const serviceProjectId = await keystone.createProject('service');
  const demoId = await keystone.createProject('demo');
  const otherId = await keystone.createProject('other');
  await Promise.all(['service', 'member', 'reader'].map((role) => keystone.createRole(role)));
  const user = async (name: string, projectName: string, projectId: string, roles: string[]) => {
    const password = `${name}-password`;
    const id = await keystone.createUser({ name, password, projectId, roles });
    return { name, id, password, projectName, projectId };
  };
  const [glance, nova, alice, bob, carol] = await Promise.all([
    user('glance', 'service', serviceProjectId, ['service']),
    user('nova', 'service', serviceProjectId, ['service']),
    user('alice', 'demo', demoId, ['member', 'reader']),
    user('bob', 'demo', demoId, ['reader']),
    user('carol', 'other', otherId, ['member', 'reader']),
  ]);
  const adminToken = await keystone.issueToken({
    username: 'admin',
    password: keystone.adminPassword,
    projectName: 'admin',
  });
  const admin: CloudUser = {
    name: 'admin',
    id: adminToken.body.token.user.id,
    password: keystone.adminPassword,
    projectName: 'admin',
    projectId: adminToken.body.token.project?.id ?? '',
  };
  return {
    keystone,
    serviceProjectId,
    glance,
    nova,
    alice,
    bob,
    carol,
    admin,
    authtokenSection(extra = {}) {
      const lines = {
        www_authenticate_uri: keystone.authUrl,
        auth_url: keystone.authUrl,
        auth_type: 'password',
        username: glance.name,
        password: glance.password,
        user_domain_name: 'Default',
        project_name: 'service',
        project_domain_name: 'Default',
        http_connect_timeout: 5,
        ...extra,
      };
      return `[keystone_authtoken]\n${Object.entries(lines)
        .map(([key, value]) => `${key} = ${value}`)
        .join('\n')}\n`;
    },
    async token(who) {
      return (
        await keystone.issueToken({
          username: who.name,
          password: who.password,
          projectName: who.projectName,
        })
      ).token;
    },
  };
}
