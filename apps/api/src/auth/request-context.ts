import { randomUUID } from 'node:crypto';
import type { Credentials } from '@glance-ts/policy';

/**
 * Who is calling, as oslo.context's RequestContext carries it. Roles are lower-cased on the way in
 * (Keystone role names are case-insensitive and oslo.policy's role check lower-cases too).
 */
export class RequestContext {
  readonly userId: string | null;
  readonly projectId: string | null;
  readonly userName: string | null;
  readonly projectName: string | null;
  readonly authStrategy: string;
  readonly roles: readonly string[];
  /** Glance sets is_admin from the `context_is_admin` rule and passes it to every check. */
  readonly isAdmin: boolean;
  /** The values policy rules see (oslo.context's to_policy_values()). */
  readonly credentials: Readonly<Credentials>;
  /** The policy target of routes that act on no resource: the caller's own project and user. */
  readonly defaultTarget: Readonly<Record<string, unknown>>;

  constructor(
    init: {
      userId: string | null;
      projectId: string | null;
      roles: readonly string[];
      authStrategy: string;
      userName?: string | null;
      projectName?: string | null;
    },
    isAdmin: (credentials: Credentials) => boolean,
  ) {
    this.userId = init.userId;
    this.projectId = init.projectId;
    this.userName = init.userName ?? null;
    this.projectName = init.projectName ?? null;
    this.authStrategy = init.authStrategy;
    this.roles = init.roles.map((role) => role.toLowerCase());
    const policyValues: Credentials = {
      user_id: this.userId,
      project_id: this.projectId,
      roles: [...this.roles],
      is_admin_project: true,
      system_scope: null,
      domain_id: null,
      user_domain_id: null,
      project_domain_id: null,
      service_user_id: null,
      service_project_id: null,
      service_roles: [],
    };
    this.isAdmin = isAdmin(policyValues);
    this.credentials = Object.freeze({ ...policyValues, is_admin: this.isAdmin });
    this.defaultTarget = Object.freeze({ project_id: this.projectId, user_id: this.userId });
  }
}

/** `req-<uuid4>`, the format of X-Openstack-Request-Id. */
export const newRequestId = (): string => `req-${randomUUID()}`;
