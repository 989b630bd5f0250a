import { findEndpoint, parseInterface } from './catalog';
import { loginBody } from './credentials';
import { EndpointNotFoundError, KeystoneServiceError } from './errors';
import { TokenCache } from './token-cache';
import { parseTokenBody } from './token-info';

describe('loginBody', () => {
  it('scopes a password login to a project by name in its domain, Default when none is named', () => {
    expect(
      loginBody({ type: 'password', username: 'glance', password: 'pw', projectName: 'service' }),
    ).toEqual({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'glance', domain: { name: 'Default' }, password: 'pw' } },
        },
        scope: { project: { name: 'service', domain: { name: 'Default' } } },
      },
    });
  });

  it('prefers ids to names, and scopes to a domain or the system when no project is given', () => {
    expect(
      loginBody({ type: 'password', userId: 'u1', password: 'pw', projectId: 'p1', projectName: 'ignored' }),
    ).toEqual({
      auth: {
        identity: { methods: ['password'], password: { user: { id: 'u1', password: 'pw' } } },
        scope: { project: { id: 'p1' } },
      },
    });
    expect(loginBody({ type: 'password', username: 'a', password: 'b', domainName: 'D' })).toMatchObject({
      auth: { scope: { domain: { name: 'D' } } },
    });
    expect(loginBody({ type: 'password', username: 'a', password: 'b', systemScope: 'all' })).toMatchObject({
      auth: { scope: { system: { all: true } } },
    });
    expect(loginBody({ type: 'password', username: 'a', password: 'b' }).auth).not.toHaveProperty('scope');
  });

  it('sends an application credential by id, or by name with its user', () => {
    expect(
      loginBody({
        type: 'v3applicationcredential',
        applicationCredentialId: 'ac',
        applicationCredentialSecret: 's',
      }),
    ).toEqual({
      auth: {
        identity: { methods: ['application_credential'], application_credential: { id: 'ac', secret: 's' } },
      },
    });
    expect(
      loginBody({
        type: 'v3applicationcredential',
        applicationCredentialName: 'n',
        username: 'u',
        applicationCredentialSecret: 's',
      }),
    ).toMatchObject({
      auth: {
        identity: { application_credential: { name: 'n', user: { name: 'u', domain: { name: 'Default' } } } },
      },
    });
  });
});

describe('findEndpoint', () => {
  const catalog = [
    {
      type: 'image',
      name: 'glance',
      endpoints: [
        { url: 'http://internal:9292', interface: 'internal', region: 'RegionOne', regionId: 'RegionOne' },
        { url: 'http://one:9292', interface: 'public', region: 'RegionOne', regionId: 'RegionOne' },
        { url: 'http://two:9292', interface: 'public', region: 'RegionTwo', regionId: 'RegionTwo' },
      ],
    },
  ];

  it('picks the first endpoint of the type, interface and region asked', () => {
    expect(findEndpoint(catalog, { type: 'image' })).toBe('http://one:9292');
    expect(findEndpoint(catalog, { type: 'image', region: 'RegionTwo' })).toBe('http://two:9292');
    expect(findEndpoint(catalog, { type: 'image', interface: 'internal' })).toBe('http://internal:9292');
  });

  it('says what it looked for when nothing matches', () => {
    expect(() => findEndpoint(catalog, { type: 'image', interface: 'admin' })).toThrow(
      new EndpointNotFoundError('The service catalog has no admin endpoint for service type image'),
    );
    expect(() => findEndpoint(catalog, { type: 'image', region: 'Nowhere' })).toThrow(/in region Nowhere$/);
    expect(() => findEndpoint([], { type: 'volumev3' })).toThrow(/service type volumev3/);
  });

  it("accepts keystoneauth's interface spellings", () => {
    expect(parseInterface('publicURL')).toBe('public');
    expect(parseInterface('Internal')).toBe('internal');
    expect(parseInterface('private')).toBeNull();
  });
});

describe('parseTokenBody', () => {
  const body = {
    token: {
      user: { id: 'u', name: 'alice', domain: { id: 'default', name: 'Default' } },
      project: { id: 'p', name: 'demo', domain: { id: 'default', name: 'Default' } },
      roles: [
        { id: 'r1', name: 'member' },
        { id: 'r2', name: 'reader' },
      ],
      expires_at: '2026-12-04T20:00:00.000000Z',
      issued_at: '2026-12-04T19:00:00.000000Z',
    },
  };

  it('reads the holder, scope, roles and times; is_admin_project defaults to true', () => {
    expect(parseTokenBody(body)).toEqual({
      userId: 'u',
      userName: 'alice',
      userDomainId: 'default',
      userDomainName: 'Default',
      projectId: 'p',
      projectName: 'demo',
      projectDomainId: 'default',
      domainId: null,
      domainName: null,
      systemScope: null,
      roles: ['member', 'reader'],
      expiresAt: new Date('2026-12-04T20:00:00Z'),
      issuedAt: new Date('2026-12-04T19:00:00Z'),
      isAdminProject: true,
      catalog: [],
    });
    expect(parseTokenBody({ token: { ...body.token, is_admin_project: false } }).isAdminProject).toBe(false);
    expect(
      parseTokenBody({ token: { ...body.token, project: undefined, system: { all: true } } }),
    ).toMatchObject({
      projectId: null,
      systemScope: 'all',
    });
  });

  it('refuses what is not a token', () => {
    for (const bad of [null, 'x', {}, { token: {} }, { token: { ...body.token, expires_at: 'soon' } }]) {
      expect(() => parseTokenBody(bad)).toThrow(KeystoneServiceError);
    }
  });
});

describe('TokenCache', () => {
  it('keys by hash, never by the token, and forgets after the TTL', () => {
    let now = 0;
    const cache = new TokenCache<string>(1000, 10, () => now);
    const key = TokenCache.key('gAAAA-secret-token');
    expect(key).not.toContain('secret');
    cache.set(key, 'info');
    now = 999;
    expect(cache.get(key)).toBe('info');
    now = 1000;
    expect(cache.get(key)).toBeUndefined();
  });

  it('holds at most its bound, dropping the least recently used', () => {
    const cache = new TokenCache<number>(60_000, 2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a');
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([1, undefined, 3]);
    expect(cache.size).toBe(2);
  });

  it('keeps nothing with a TTL of 0 or less (token_cache_time = -1)', () => {
    const cache = new TokenCache<number>(-1000, 10);
    cache.set('a', 1);
    expect(cache.get('a')).toBeUndefined();
  });
});
