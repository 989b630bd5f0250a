import type { RuleDefault, RuleOperation } from './rule-default';

/*
 * The rules Glance registers in code (glance/policies/*.py), with their check strings,
 * descriptions, operations, scopes and deprecations, in Glance's registration order.
 *
 * Followed, from openstack/glance as stored in the reference index (no live access to master):
 * - image.py and tasks.py at 5cf15b68aacc4618b4bc8476e138ae5fc746ed21 (scope_types ['project'],
 *   base.ADMIN / base.DEFAULT constants);
 * - metadef.py's Xena-and-later version (project scope, default roles);
 * - cache.py at 87eae327bf66a8e6fb7e7b72da9a4e62eee65702, plus `cache_clean` / `cache_prune`
 *   from release note cache-clean-prune-api-endpoints (API 2.18, "admin-only");
 * - discovery.py at 21c478b9c84193557ba157e93a6a9e70784f9094 (2025.1, service role);
 * - base.py's check-string constants at 0ca2f92161e663907e64c53ebf56a6740f0deac9.
 * Not verified against upstream source, taken from the project's reference instead:
 * `service_api` and the `stores_info_detail` check string; and from memory of the 2024.2 location
 * APIs: `add_image_location` and `fetch_image_location` (their check strings and descriptions).
 * Descriptions of `service_api`, `cache_clean` and `cache_prune` are ours.
 */

const ADMIN = 'role:admin';
const DEFAULT = 'rule:default';
const SERVICE = 'rule:service_api';

const PROJECT_MEMBER = 'role:member and project_id:%(project_id)s';
const PROJECT_READER = 'role:reader and project_id:%(project_id)s';
const IMAGE_MEMBER_CHECK = 'project_id:%(member_id)s';
const COMMUNITY_VISIBILITY_CHECK = '"community":%(visibility)s';
const PUBLIC_VISIBILITY_CHECK = '"public":%(visibility)s';
const SHARED_VISIBILITY_CHECK = '"shared":%(visibility)s';

const PROJECT_MEMBER_OR_IMAGE_MEMBER_OR_COMMUNITY_OR_PUBLIC_OR_SHARED =
  `role:member and (project_id:%(project_id)s or ${IMAGE_MEMBER_CHECK} ` +
  `or ${COMMUNITY_VISIBILITY_CHECK} or ${PUBLIC_VISIBILITY_CHECK} ` +
  `or ${SHARED_VISIBILITY_CHECK})`;
const PROJECT_READER_OR_IMAGE_MEMBER_OR_COMMUNITY_OR_PUBLIC_OR_SHARED =
  `role:reader and (project_id:%(project_id)s or ${IMAGE_MEMBER_CHECK} ` +
  `or ${COMMUNITY_VISIBILITY_CHECK} or ${PUBLIC_VISIBILITY_CHECK} ` +
  `or ${SHARED_VISIBILITY_CHECK})`;
const PROJECT_READER_OR_PUBLIC_NAMESPACE = `role:reader and (project_id:%(project_id)s or ${PUBLIC_VISIBILITY_CHECK})`;

const ADMIN_OR_PROJECT_MEMBER = `role:admin or (${PROJECT_MEMBER})`;
const ADMIN_OR_PROJECT_READER = `role:admin or (${PROJECT_READER})`;
const ADMIN_OR_PROJECT_READER_GET_IMAGE = `role:admin or (${PROJECT_READER_OR_IMAGE_MEMBER_OR_COMMUNITY_OR_PUBLIC_OR_SHARED})`;
const ADMIN_OR_PROJECT_MEMBER_DOWNLOAD_IMAGE = `role:admin or (${PROJECT_MEMBER_OR_IMAGE_MEMBER_OR_COMMUNITY_OR_PUBLIC_OR_SHARED})`;
const ADMIN_OR_PROJECT_MEMBER_CREATE_IMAGE = `role:admin or (${PROJECT_MEMBER} and project_id:%(owner)s)`;
const ADMIN_OR_PROJECT_READER_GET_NAMESPACE = `role:admin or (${PROJECT_READER_OR_PUBLIC_NAMESPACE})`;
const ADMIN_OR_SHARED_MEMBER = `role:admin or (role:member and ${IMAGE_MEMBER_CHECK})`;
// Upstream has no parentheses around the `and` here; precedence makes it the same thing.
const ADMIN_OR_PROJECT_READER_OR_SHARED_MEMBER = `role:admin or role:reader and (project_id:%(project_id)s or ${IMAGE_MEMBER_CHECK})`;
const SERVICE_OR_PROJECT_MEMBER_OWNER = `${SERVICE} or (${PROJECT_MEMBER} and project_id:%(owner)s)`;

const operation = (method: string, path: string): RuleOperation => ({ method, path });

// oslo_log.versionutils.deprecated letters, as Glance passes them.
const WALLABY = 'W';
const XENA = 'X';

const BASE_RULES: readonly RuleDefault[] = [
  {
    name: 'default',
    checkStr: '',
    description:
      'Defines the default rule used for policies that historically had an empty policy in the supplied policy.json file.',
    deprecatedRule: {
      name: 'default',
      checkStr: 'role:admin',
      deprecatedReason:
        'In order to allow operators to accept the default policies from code by not defining them in the policy file, ' +
        'while still working with old policy files that rely on the ``default`` rule for policies that are not specified ' +
        'in the policy file, the ``default`` rule must now be explicitly set to ``"role:admin"`` when that is the desired ' +
        'default for unspecified rules.',
      deprecatedSince: 'Ussuri',
    },
  },
  {
    name: 'context_is_admin',
    checkStr: 'role:admin',
    description: 'Defines the rule for the is_admin:True check.',
  },
  {
    name: 'service_api',
    checkStr: 'role:service or role:admin',
    description: 'Default rule for service-to-service APIs.',
  },
];

const IMAGE_DEPRECATED_REASON = '\nThe image API now supports roles.\n';

/** An image rule that replaced Wallaby's `rule:default`. */
function imageRule(
  name: string,
  checkStr: string,
  description: string,
  operations: readonly RuleOperation[],
): RuleDefault {
  return {
    name,
    checkStr,
    description,
    operations,
    scopeTypes: ['project'],
    deprecatedRule: {
      name,
      checkStr: DEFAULT,
      deprecatedReason: IMAGE_DEPRECATED_REASON,
      deprecatedSince: WALLABY,
    },
  };
}

const IMAGE_RULES: readonly RuleDefault[] = [
  imageRule('add_image', ADMIN_OR_PROJECT_MEMBER_CREATE_IMAGE, 'Create new image', [
    operation('POST', '/v2/images'),
  ]),
  imageRule('delete_image', ADMIN_OR_PROJECT_MEMBER, 'Deletes the image', [
    operation('DELETE', '/v2/images/{image_id}'),
  ]),
  imageRule('get_image', ADMIN_OR_PROJECT_READER_GET_IMAGE, 'Get specified image', [
    operation('GET', '/v2/images/{image_id}'),
  ]),
  imageRule('get_images', ADMIN_OR_PROJECT_READER, 'Get all available images', [
    operation('GET', '/v2/images'),
  ]),
  imageRule('modify_image', ADMIN_OR_PROJECT_MEMBER, 'Updates given image', [
    operation('PATCH', '/v2/images/{image_id}'),
  ]),
  {
    name: 'publicize_image',
    checkStr: ADMIN,
    description: 'Publicize given image',
    operations: [operation('PATCH', '/v2/images/{image_id}')],
    scopeTypes: ['project'],
  },
  imageRule('communitize_image', ADMIN_OR_PROJECT_MEMBER, 'Communitize given image', [
    operation('PATCH', '/v2/images/{image_id}'),
  ]),
  imageRule('download_image', ADMIN_OR_PROJECT_MEMBER_DOWNLOAD_IMAGE, 'Downloads given image', [
    operation('GET', '/v2/images/{image_id}/file'),
  ]),
  imageRule('upload_image', ADMIN_OR_PROJECT_MEMBER, 'Uploads data to specified image', [
    operation('PUT', '/v2/images/{image_id}/file'),
  ]),
  imageRule('delete_image_location', ADMIN, 'Deletes the location of given image', [
    operation('PATCH', '/v2/images/{image_id}'),
  ]),
  imageRule('get_image_location', ADMIN_OR_PROJECT_READER, 'Reads the location of the image', [
    operation('GET', '/v2/images/{image_id}'),
  ]),
  imageRule('set_image_location', ADMIN_OR_PROJECT_MEMBER, 'Sets location URI to given image', [
    operation('PATCH', '/v2/images/{image_id}'),
  ]),
  {
    name: 'add_image_location',
    checkStr: SERVICE_OR_PROJECT_MEMBER_OWNER,
    description: 'Add location URI to given image',
    operations: [operation('POST', '/v2/images/{image_id}/locations')],
    scopeTypes: ['project'],
  },
  {
    name: 'fetch_image_location',
    checkStr: SERVICE,
    description: 'Show all locations associated to given image',
    operations: [operation('GET', '/v2/images/{image_id}/locations')],
    scopeTypes: ['project'],
  },
  imageRule('add_member', ADMIN_OR_PROJECT_MEMBER, 'Create image member', [
    operation('POST', '/v2/images/{image_id}/members'),
  ]),
  imageRule('delete_member', ADMIN_OR_PROJECT_MEMBER, 'Delete image member', [
    operation('DELETE', '/v2/images/{image_id}/members/{member_id}'),
  ]),
  imageRule('get_member', ADMIN_OR_PROJECT_READER_OR_SHARED_MEMBER, 'Show image member details', [
    operation('GET', '/v2/images/{image_id}/members/{member_id}'),
  ]),
  imageRule('get_members', ADMIN_OR_PROJECT_READER_OR_SHARED_MEMBER, 'List image members', [
    operation('GET', '/v2/images/{image_id}/members'),
  ]),
  imageRule('modify_member', ADMIN_OR_SHARED_MEMBER, 'Update image member', [
    operation('PUT', '/v2/images/{image_id}/members/{member_id}'),
  ]),
  { name: 'manage_image_cache', checkStr: ADMIN, description: 'Manage image cache', scopeTypes: ['project'] },
  imageRule('deactivate', ADMIN_OR_PROJECT_MEMBER, 'Deactivate image', [
    operation('POST', '/v2/images/{image_id}/actions/deactivate'),
  ]),
  imageRule('reactivate', ADMIN_OR_PROJECT_MEMBER, 'Reactivate image', [
    operation('POST', '/v2/images/{image_id}/actions/reactivate'),
  ]),
  {
    name: 'copy_image',
    checkStr: ADMIN,
    description: 'Copy existing image to other stores',
    operations: [operation('POST', '/v2/images/{image_id}/import')],
    scopeTypes: ['project'],
  },
];

const TASK_DESCRIPTION = `
This granular policy controls access to tasks, both from the tasks API as well
as internal locations in Glance that use tasks (like import). Practically this
cannot be more restrictive than the policy that controls import or things will
break, and changing it from the default is almost certainly not what you want.
Access to the external tasks API should be restricted as desired by the
tasks_api_access policy. This may change in the future.
`;
const MODIFY_TASK_DEPRECATION = `
This policy check has never been honored by the API. It will be removed in a
future release.
`;
const TASK_ACCESS_DESCRIPTION = `
This is a generic blanket policy for protecting all task APIs. It is not
granular and will not allow you to separate writable and readable task
operations into different roles.
`;
const TASK_DEPRECATION_REASON = `
From Xena we are enforcing policy checks in the API and policy layer where
task policies were enforcing will be removed. Since task APIs are already
deprecated and \`tasks_api_access\` is checked for each API at API layer,
there will be no benefit of other having other task related policies.
`;

function taskRule(name: string, description: string, operations: readonly RuleOperation[]): RuleDefault {
  return {
    name,
    checkStr: DEFAULT,
    description,
    operations,
    scopeTypes: ['project'],
    deprecatedRule: {
      name,
      checkStr: DEFAULT,
      deprecatedReason: TASK_DEPRECATION_REASON,
      deprecatedSince: XENA,
    },
  };
}

const TASK_RULES: readonly RuleDefault[] = [
  taskRule('get_task', `Get an image task.\n${TASK_DESCRIPTION}`, [operation('GET', '/v2/tasks/{task_id}')]),
  taskRule('get_tasks', `List tasks for all images.\n${TASK_DESCRIPTION}`, [operation('GET', '/v2/tasks')]),
  taskRule('add_task', `List tasks for all images.\n${TASK_DESCRIPTION}`, [operation('POST', '/v2/tasks')]),
  {
    name: 'modify_task',
    checkStr: DEFAULT,
    description: 'This policy is not used.',
    operations: [operation('DELETE', '/v2/tasks/{task_id}')],
    scopeTypes: ['project'],
    deprecatedForRemoval: true,
    deprecatedReason: MODIFY_TASK_DEPRECATION,
    deprecatedSince: WALLABY,
  },
  {
    name: 'tasks_api_access',
    checkStr: ADMIN,
    description: TASK_ACCESS_DESCRIPTION,
    operations: [
      operation('GET', '/v2/tasks/{task_id}'),
      operation('GET', '/v2/tasks'),
      operation('POST', '/v2/tasks'),
      operation('DELETE', '/v2/tasks/{task_id}'),
    ],
    scopeTypes: ['project'],
  },
];

const METADEF_ADMIN = 'rule:metadef_admin';
const METADEF_DEFAULT = 'rule:metadef_default';
const METADEF_DEPRECATED_REASON = '\nThe metadata API now supports project scope and default roles.\n';
const NAMESPACE = '/v2/metadefs/namespaces/{namespace_name}';

/** A metadef read rule that replaced Wallaby's `rule:metadef_default`. */
function metadefReadRule(
  name: string,
  checkStr: string,
  description: string,
  operations: readonly RuleOperation[],
): RuleDefault {
  return {
    name,
    checkStr,
    description,
    operations,
    scopeTypes: ['project'],
    deprecatedRule: {
      name,
      checkStr: METADEF_DEFAULT,
      deprecatedReason: METADEF_DEPRECATED_REASON,
      deprecatedSince: XENA,
    },
  };
}

function metadefAdminRule(
  name: string,
  description: string,
  operations: readonly RuleOperation[],
): RuleDefault {
  return { name, checkStr: METADEF_ADMIN, description, operations, scopeTypes: ['project'] };
}

const METADEF_RULES: readonly RuleDefault[] = [
  { name: 'metadef_default', checkStr: '', description: '' },
  { name: 'metadef_admin', checkStr: ADMIN, description: '' },
  metadefReadRule(
    'get_metadef_namespace',
    ADMIN_OR_PROJECT_READER_GET_NAMESPACE,
    'Get a specific namespace.',
    [operation('GET', NAMESPACE)],
  ),
  metadefReadRule('get_metadef_namespaces', ADMIN_OR_PROJECT_READER, 'List namespace.', [
    operation('GET', '/v2/metadefs/namespaces'),
  ]),
  metadefAdminRule('modify_metadef_namespace', 'Modify an existing namespace.', [
    operation('PUT', NAMESPACE),
  ]),
  metadefAdminRule('add_metadef_namespace', 'Create a namespace.', [
    operation('POST', '/v2/metadefs/namespaces'),
  ]),
  metadefAdminRule('delete_metadef_namespace', 'Delete a namespace.', [operation('DELETE', NAMESPACE)]),
  metadefReadRule(
    'get_metadef_object',
    ADMIN_OR_PROJECT_READER_GET_NAMESPACE,
    'Get a specific object from a namespace.',
    [operation('GET', `${NAMESPACE}/objects/{object_name}`)],
  ),
  metadefReadRule(
    'get_metadef_objects',
    ADMIN_OR_PROJECT_READER_GET_NAMESPACE,
    'Get objects from a namespace.',
    [operation('GET', `${NAMESPACE}/objects`)],
  ),
  metadefAdminRule('modify_metadef_object', 'Update an object within a namespace.', [
    operation('PUT', `${NAMESPACE}/objects/{object_name}`),
  ]),
  metadefAdminRule('add_metadef_object', 'Create an object within a namespace.', [
    operation('POST', `${NAMESPACE}/objects`),
  ]),
  metadefAdminRule('delete_metadef_object', 'Delete an object within a namespace.', [
    operation('DELETE', `${NAMESPACE}/objects/{object_name}`),
  ]),
  metadefReadRule(
    'list_metadef_resource_types',
    ADMIN_OR_PROJECT_READER_GET_NAMESPACE,
    'List meta definition resource types.',
    [operation('GET', '/v2/metadefs/resource_types')],
  ),
  metadefReadRule(
    'get_metadef_resource_type',
    ADMIN_OR_PROJECT_READER_GET_NAMESPACE,
    'Get meta definition resource types associations.',
    [operation('GET', `${NAMESPACE}/resource_types`)],
  ),
  metadefAdminRule(
    'add_metadef_resource_type_association',
    'Create meta definition resource types association.',
    [operation('POST', `${NAMESPACE}/resource_types`)],
  ),
  // Upstream lists POST for this DELETE operation; kept as registered.
  metadefAdminRule(
    'remove_metadef_resource_type_association',
    'Delete meta definition resource types association.',
    [operation('POST', `${NAMESPACE}/resource_types/{name}`)],
  ),
  metadefReadRule(
    'get_metadef_property',
    ADMIN_OR_PROJECT_READER_GET_NAMESPACE,
    'Get a specific meta definition property.',
    [operation('GET', `${NAMESPACE}/properties/{property_name}`)],
  ),
  metadefReadRule(
    'get_metadef_properties',
    ADMIN_OR_PROJECT_READER_GET_NAMESPACE,
    'List meta definition properties.',
    [operation('GET', `${NAMESPACE}/properties`)],
  ),
  // Upstream lists GET for this PUT operation; kept as registered.
  metadefAdminRule('modify_metadef_property', 'Update meta definition property.', [
    operation('GET', `${NAMESPACE}/properties/{property_name}`),
  ]),
  metadefAdminRule('add_metadef_property', 'Create meta definition property.', [
    operation('POST', `${NAMESPACE}/properties`),
  ]),
  metadefAdminRule('remove_metadef_property', 'Delete meta definition property.', [
    operation('DELETE', `${NAMESPACE}/properties/{property_name}`),
  ]),
  metadefReadRule('get_metadef_tag', ADMIN_OR_PROJECT_READER_GET_NAMESPACE, 'Get tag definition.', [
    operation('GET', `${NAMESPACE}/tags/{tag_name}`),
  ]),
  metadefReadRule('get_metadef_tags', ADMIN_OR_PROJECT_READER_GET_NAMESPACE, 'List tag definitions.', [
    operation('GET', `${NAMESPACE}/tags`),
  ]),
  metadefAdminRule('modify_metadef_tag', 'Update tag definition.', [
    operation('PUT', `${NAMESPACE}/tags/{tag_name}`),
  ]),
  metadefAdminRule('add_metadef_tag', 'Add tag definition.', [
    operation('POST', `${NAMESPACE}/tags/{tag_name}`),
  ]),
  metadefAdminRule('add_metadef_tags', 'Create tag definitions.', [operation('POST', `${NAMESPACE}/tags`)]),
  metadefAdminRule('delete_metadef_tag', 'Delete tag definition.', [
    operation('DELETE', `${NAMESPACE}/tags/{tag_name}`),
  ]),
  metadefAdminRule('delete_metadef_tags', 'Delete tag definitions.', [
    operation('DELETE', `${NAMESPACE}/tags`),
  ]),
];

const CACHE_DEPRECATED_REASON = '\nThe image API now supports roles.\n';

function cacheRule(name: string, description: string, operations: readonly RuleOperation[]): RuleDefault {
  return {
    name,
    checkStr: ADMIN,
    description,
    operations,
    scopeTypes: ['project'],
    deprecatedRule: {
      name,
      checkStr: 'rule:manage_image_cache',
      deprecatedReason: CACHE_DEPRECATED_REASON,
      deprecatedSince: XENA,
    },
  };
}

const CACHE_RULES: readonly RuleDefault[] = [
  cacheRule('cache_image', 'Queue image for caching', [operation('PUT', '/v2/cache/{image_id}')]),
  cacheRule('cache_list', 'List cache status', [operation('GET', '/v2/cache')]),
  cacheRule('cache_delete', 'Delete image(s) from cache and/or queue', [
    operation('DELETE', '/v2/cache'),
    operation('DELETE', '/v2/cache/{image_id}'),
  ]),
  {
    name: 'cache_clean',
    checkStr: ADMIN,
    description: 'Remove invalid cache entries and stalled incomplete images',
    operations: [operation('POST', '/v2/cache/clean')],
    scopeTypes: ['project'],
  },
  {
    name: 'cache_prune',
    checkStr: ADMIN,
    description: 'Remove least recently accessed images until the cache fits its maximum size',
    operations: [operation('POST', '/v2/cache/prune')],
    scopeTypes: ['project'],
  },
];

const DISCOVERY_RULES: readonly RuleDefault[] = [
  {
    name: 'stores_info_detail',
    checkStr: 'rule:context_is_admin or rule:service_api',
    description: 'Expose store specific information',
    operations: [operation('GET', '/v2/info/stores/detail')],
    scopeTypes: ['project'],
    deprecatedRule: {
      name: 'stores_info_detail',
      checkStr: ADMIN,
      deprecatedReason: 'Stores info detail now supports service role.',
      deprecatedSince: '2025.1',
    },
  },
];

export const GLANCE_POLICY_DEFAULTS: readonly RuleDefault[] = Object.freeze([
  ...BASE_RULES,
  ...IMAGE_RULES,
  ...TASK_RULES,
  ...METADEF_RULES,
  ...CACHE_RULES,
  ...DISCOVERY_RULES,
]);
