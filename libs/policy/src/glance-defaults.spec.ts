import { PolicyEnforcer } from './enforcer';
import { GLANCE_POLICY_DEFAULTS } from './glance-defaults';
import { parseRule } from './parser';
import type { Credentials } from './rule-default';

const byName = new Map(GLANCE_POLICY_DEFAULTS.map((rule) => [rule.name, rule]));

function creds(roles: string[], projectId = 'p1'): Credentials {
  return { roles, project_id: projectId, user_id: 'u1', system_scope: null, domain_id: null };
}

describe('GLANCE_POLICY_DEFAULTS', () => {
  const enforcer = new PolicyEnforcer({
    defaults: GLANCE_POLICY_DEFAULTS,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  beforeAll(() => enforcer.load());

  it('registers each name once, with rules that parse without problems', () => {
    expect(byName.size).toBe(GLANCE_POLICY_DEFAULTS.length);
    const unclean = GLANCE_POLICY_DEFAULTS.filter((rule) => {
      const parsed = parseRule(rule.checkStr);
      return parsed.syntaxError !== undefined || parsed.problems.length > 0;
    });
    expect(unclean).toEqual([]);
  });

  it('has the base and discovery rules the API relies on', () => {
    expect(byName.get('default')?.checkStr).toBe('');
    expect(byName.get('context_is_admin')?.checkStr).toBe('role:admin');
    expect(byName.get('service_api')?.checkStr).toBe('role:service or role:admin');
    expect(byName.get('stores_info_detail')?.checkStr).toBe('rule:context_is_admin or rule:service_api');
  });

  it('registers every image, member, task, metadef and cache API rule', () => {
    const expected = [
      'add_image',
      'delete_image',
      'get_image',
      'get_images',
      'modify_image',
      'publicize_image',
      'communitize_image',
      'download_image',
      'upload_image',
      'delete_image_location',
      'get_image_location',
      'set_image_location',
      'add_image_location',
      'fetch_image_location',
      'add_member',
      'delete_member',
      'get_member',
      'get_members',
      'modify_member',
      'manage_image_cache',
      'deactivate',
      'reactivate',
      'copy_image',
      'get_task',
      'get_tasks',
      'add_task',
      'modify_task',
      'tasks_api_access',
      'get_metadef_namespace',
      'add_metadef_tags',
      'cache_image',
      'cache_list',
      'cache_delete',
      'cache_clean',
      'cache_prune',
    ];
    expect(expected.filter((name) => !byName.has(name))).toEqual([]);
  });

  it('lets admins and services see store details, not members', () => {
    expect(enforcer.enforce('stores_info_detail', {}, creds(['admin']))).toBe(true);
    expect(enforcer.enforce('stores_info_detail', {}, creds(['service']))).toBe(true);
    expect(enforcer.enforce('stores_info_detail', {}, creds(['member', 'reader']))).toBe(false);
  });

  it('lets readers get their own images and public, community or shared ones, but not private ones of others', () => {
    const reader = creds(['reader']);
    expect(
      enforcer.enforce('get_image', { project_id: 'p1', member_id: 'p1', visibility: 'private' }, reader),
    ).toBe(true);
    expect(
      enforcer.enforce('get_image', { project_id: 'p2', member_id: 'p2', visibility: 'public' }, reader),
    ).toBe(true);
    expect(
      enforcer.enforce('get_image', { project_id: 'p2', member_id: 'p2', visibility: 'community' }, reader),
    ).toBe(true);
    expect(
      enforcer.enforce('get_image', { project_id: 'p2', member_id: 'p2', visibility: 'private' }, reader),
    ).toBe(false);
    expect(
      enforcer.enforce('get_image', { project_id: 'p2', member_id: 'p1', visibility: 'shared' }, reader),
    ).toBe(true);
  });

  it('lets members create images only for their own project', () => {
    expect(enforcer.enforce('add_image', { project_id: 'p1', owner: 'p1' }, creds(['member']))).toBe(true);
    expect(enforcer.enforce('add_image', { project_id: 'p1', owner: 'p2' }, creds(['member']))).toBe(false);
    expect(enforcer.enforce('publicize_image', { project_id: 'p1' }, creds(['member']))).toBe(false);
  });
});
