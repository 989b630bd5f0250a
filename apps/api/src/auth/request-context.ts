import { randomUUID } from 'node:crypto';
import type { Credentials } from '@glance-ts/policy';
import type { Identity } from './auth-strategy';

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
  /** Roles of a valid service token (oslo.context's service_roles), lower-cased; empty without one. */
  readonly serviceRoles: readonly string[];
  /** Glance sets is_admin from the `context_is_admin` rule and passes it to every check. */
  readonly isAdmin: boolean;
  /** The values policy rules see (oslo.context's to_policy_values()). */
  readonly credentials: Readonly<Credentials>;
  /**
   * Whether error answers may name store internals (paths, pools, cluster fsids, hosts): only for
   * callers who may read the store details anyway (`stores_info_detail`).
   */
  readonly seesStoreInternals: boolean;

  constructor(
    init: Identity & { authStrategy: string },
    rules: {
      isAdmin: (credentials: Credentials) => boolean;
      seesStoreInternals: (credentials: Credentials) => boolean;
    },
  ) {
    this.userId = init.userId;
    this.projectId = init.projectId;
    this.userName = init.userName ?? null;
    this.projectName = init.projectName ?? null;
    this.authStrategy = init.authStrategy;
    this.roles = init.roles.map((role) => role.toLowerCase());
    this.serviceRoles = (init.service?.roles ?? []).map((role) => role.toLowerCase());
    const policyValues: Credentials = {
      user_id: this.userId,
      project_id: this.projectId,
      roles: [...this.roles],
      is_admin_project: init.isAdminProject ?? true,
      system_scope: init.systemScope ?? null,
      domain_id: init.domainId ?? null,
      user_domain_id: init.userDomainId ?? null,
      project_domain_id: init.projectDomainId ?? null,
      service_user_id: init.service?.userId ?? null,
      service_project_id: init.service?.projectId ?? null,
      service_roles: [...this.serviceRoles],
    };
    this.isAdmin = rules.isAdmin(policyValues);
    this.credentials = Object.freeze({ ...policyValues, is_admin: this.isAdmin });
    this.seesStoreInternals = rules.seesStoreInternals(this.credentials);
  }

  /**
   * The service role in the user's or the service token's roles: what Glance requires before a
   * caller may point an image at data outside an http store (the location API, OSSN-0065).
   */
  get hasServiceRole(): boolean {
    return this.roles.includes('service') || this.serviceRoles.includes('service');
  }
}

/** `req-<uuid4>`, the format of X-Openstack-Request-Id. */
export const newRequestId = (): string => `req-${randomUUID()}`;
