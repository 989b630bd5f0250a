import type { ImageCloud } from '@glance-ts/testing';
import { fixture, type RunningApi, startApi } from './test-api';

/** The reference's six stores with token auth (what glanceclient's --os-auth-token needs). */
export const sixStoresWithTokens = (): string =>
  fixture('reference-six-stores.conf').replace(
    'strategy = trusted_headers',
    'strategy = token_file\ntoken_file = dev-tokens.yaml',
  );

export const noMultiStoreWithTokens = (): string =>
  fixture('no-multi-store.conf').replace(
    'strategy = trusted_headers',
    'strategy = token_file\ntoken_file = dev-tokens.yaml',
  );

export const tokenFiles = (): Record<string, string> => ({ 'dev-tokens.yaml': fixture('dev-tokens.yaml') });

export interface TokenApis {
  /** The reference's six stores. */
  api: RunningApi;
  /** No enabled_backends. */
  noMulti: RunningApi;
}

/**
 * Registers beforeAll/afterAll that run the two token-auth apps most suites compare: six stores and
 * no multi-store. Read the fields inside tests (they are set once beforeAll has run).
 */
export function useTokenApis(): TokenApis {
  const apis = {} as TokenApis;
  beforeAll(async () => {
    [apis.api, apis.noMulti] = await Promise.all([
      startApi(sixStoresWithTokens(), { files: tokenFiles() }),
      startApi(noMultiStoreWithTokens(), { files: tokenFiles() }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([apis.api?.close(), apis.noMulti?.close()]);
  });
  return apis;
}

/**
 * One file store and `[auth] strategy = keystone` against the test cloud's Keystone, as the glance
 * service user; `authtoken` adds or overrides [keystone_authtoken] options.
 */
export const keystoneFileStoreConfig = (
  cloud: ImageCloud,
  authtoken: Record<string, string | number> = {},
): string =>
  [
    '[DEFAULT]',
    'enabled_backends = local:file',
    '[glance_store]',
    'default_backend = local',
    '[local]',
    'filesystem_store_datadir = data/local',
    '[auth]',
    'strategy = keystone',
    cloud.authtokenSection(authtoken),
  ].join('\n');
