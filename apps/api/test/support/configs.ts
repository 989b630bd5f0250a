import { fixture } from './test-api';

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
