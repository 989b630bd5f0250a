import { availableParallelism } from 'node:os';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadConfig, parseConfig } from './config';
import type {
  FileStoreConfig,
  GlanceConfig,
  RbdStoreConfig,
  S3StoreConfig,
  SwiftStoreConfig,
} from './config-types';
import { ConfigError } from './errors';

let dir: string;
let configPath: string;
/** The config path as messages show it (relative to the cwd, like `etc/glance-api.conf`). */
let shown: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'glance-ts-config-'));
  configPath = join(dir, 'glance-api.conf');
  shown = relative(process.cwd(), configPath);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** noauth keeps tests that are not about auth free of a token file. */
const NOAUTH = '[auth]\nstrategy = noauth\n';

const parse = (text: string): GlanceConfig => parseConfig(text, shown);

function errorOf(text: string): ConfigError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** A config with `stores` enabled (`id:type, ...`), the first as default, plus extra sections. */
const withStores = (stores: string, sections = '') =>
  `${NOAUTH}[DEFAULT]\nenabled_backends = ${stores}\n[glance_store]\ndefault_backend = ${stores.split(':')[0].trim()}\n${sections}`;

const store = <T>(config: GlanceConfig, id: string): T => config.stores.find((entry) => entry.id === id) as T;

describe('parseConfig: defaults', () => {
  it('applies glance-ts defaults to an almost empty file', () => {
    const config = parse(NOAUTH);
    expect(config).toEqual({
      source: { path: configPath, embedded: false },
      server: {
        bindHost: '127.0.0.1',
        bindPort: 9292,
        publicEndpoint: null,
        workers: availableParallelism(),
        clientSocketTimeout: 900,
      },
      debug: false,
      imageSizeCap: 1099511627776,
      staleUploadTimeout: 300,
      secureHash: { enabled: true, algorithm: 'sha512', retries: 3 },
      multiStore: false,
      stores: [],
      defaultBackend: null,
      singleStore: {
        id: 'file',
        type: 'file',
        description: null,
        weight: 0,
        section: 'glance_store',
        dataDir: '/var/lib/glance/images/',
        chunkSize: 65536,
        thinProvisioning: false,
        fileMode: null,
      },
      locations: { showDirectUrl: false, showMultiple: false },
      imageFormat: {
        requireFormatMatch: true,
        gptSafetyChecksNonfatal: [],
        vmdkAllowedTypes: ['streamOptimized', 'monolithicSparse'],
      },
      importFiltering: {
        allowedSchemes: ['http', 'https'],
        disallowedSchemes: [],
        allowedHosts: [],
        disallowedHosts: [],
        allowedPorts: [80, 443],
        disallowedPorts: [],
        allowedNetworks: [],
      },
      importMethods: [],
      imageMemberQuota: 128,
      auth: {
        strategy: 'noauth',
        tokenFile: null,
        noauthRoles: ['admin', 'member', 'reader'],
        noauthUserId: 'noauth-user',
        noauthProjectId: 'noauth-project',
        keystone: null,
      },
      policy: { policyFile: null, enforceScope: true, enforceNewDefaults: true },
      database: { dialect: 'sqlite', path: join(dir, 'glance.sqlite') },
      databaseMaxPoolSize: 5,
      warnings: [],
    });
  });

  it('reads the [DEFAULT] options', () => {
    const config = parse(
      `${NOAUTH}[DEFAULT]\nbind_host = 0.0.0.0\nbind_port = 19292\npublic_endpoint = https://image.example.org\ndebug = Yes\nworkers = 3\n` +
        'enabled_import_methods = []\nimage_member_quota = -1\n',
    );
    expect(config.server).toEqual({
      bindHost: '0.0.0.0',
      bindPort: 19292,
      publicEndpoint: 'https://image.example.org',
      workers: 3,
      clientSocketTimeout: 900,
    });
    expect(config.debug).toBe(true);
    expect(config.importMethods).toEqual([]);
    expect(config.imageMemberQuota).toBe(-1);
  });

  it('treats an empty enabled_backends as single-store mode', () => {
    const config = parse(`${NOAUTH}[DEFAULT]\nenabled_backends =\n`);
    expect(config.multiStore).toBe(false);
    expect(config.stores).toEqual([]);
  });

  it('uses the last value of a key set twice, and warns about it', () => {
    const config = parse(`${NOAUTH}[DEFAULT]\nbind_port = 1\nbind_port = 2\n`);
    expect(config.server.bindPort).toBe(2);
    expect(config.warnings).toEqual([
      '[DEFAULT] bind_port: set more than once (lines 4, 5); the last value is used',
    ]);
  });

  it('gives every store type its Glance defaults', () => {
    const config = parse(
      withStores(
        'r:rbd, f:file, h:http, c:cinder, sw:swift, s:s3',
        '[f]\nfilesystem_store_datadir = /srv/images\n[s]\ns3_store_host = h\ns3_store_access_key = a\ns3_store_secret_key = k\ns3_store_bucket = b\n',
      ),
    );
    const common = (id: string) => ({ id, description: null, weight: 0, section: id });
    expect(config.stores).toEqual([
      {
        ...common('r'),
        type: 'rbd',
        pool: 'images',
        user: null,
        cephConf: null,
        chunkSizeMiB: 8,
        thinProvisioning: false,
        connectTimeoutSeconds: null,
      },
      {
        ...common('f'),
        type: 'file',
        dataDir: '/srv/images',
        chunkSize: 65536,
        thinProvisioning: false,
        fileMode: null,
      },
      { ...common('h'), type: 'http' },
      { ...common('c'), type: 'cinder', volumeType: null, useMultipath: false },
      {
        ...common('sw'),
        type: 'swift',
        container: 'glance',
        largeObjectSizeMB: 5120,
        largeObjectChunkSizeMB: 200,
        multiTenant: false,
        configFile: null,
      },
      {
        ...common('s'),
        type: 's3',
        host: 'h',
        accessKey: 'a',
        secretKey: 'k',
        bucket: 'b',
        largeObjectSizeMiB: 100,
        largeObjectChunkSizeMiB: 10,
        threadPools: 10,
      },
    ]);
    expect(config.warnings).toEqual([]);
  });
});

describe('parseConfig: stores', () => {
  it('keeps enabled_backends order and reads each store from its own section', () => {
    const config = parse(
      withStores(
        'b:rbd, a:rbd',
        '[a]\nrbd_store_pool = pool-a\nweight = 5\nstore_description = A\n[b]\nrbd_store_pool = pool-b\nrbd_store_chunk_size = 4\n' +
          'rbd_thin_provisioning = on\nrados_connect_timeout = 10\nrbd_store_user = glance\n',
      ),
    );
    expect(config.stores.map((entry) => entry.id)).toEqual(['b', 'a']);
    expect(store<RbdStoreConfig>(config, 'a')).toMatchObject({
      pool: 'pool-a',
      weight: 5,
      description: 'A',
      chunkSizeMiB: 8,
    });
    expect(store<RbdStoreConfig>(config, 'b')).toMatchObject({
      pool: 'pool-b',
      chunkSizeMiB: 4,
      thinProvisioning: true,
      connectTimeoutSeconds: 10,
      user: 'glance',
      description: null,
    });
    expect(config.defaultBackend).toBe('b');
  });

  it('does not read store options from [DEFAULT] (oslo: only options registered there)', () => {
    const config = parse(
      withStores('r:rbd').replace('[DEFAULT]\n', '[DEFAULT]\nrbd_store_pool = from-default\n'),
    );
    expect(store<RbdStoreConfig>(config, 'r').pool).toBe('images');
    expect(config.warnings).toEqual(['[DEFAULT] rbd_store_pool: unknown option, ignored (line 4)']);
  });

  it('takes options a store does not set from [backend_defaults]', () => {
    const config = parse(
      withStores(
        'r:rbd, q:rbd',
        '[backend_defaults]\nrbd_store_pool = shared\nrbd_store_user = glance\n[q]\nrbd_store_pool = own\n',
      ),
    );
    expect(store<RbdStoreConfig>(config, 'r')).toMatchObject({ pool: 'shared', user: 'glance' });
    expect(store<RbdStoreConfig>(config, 'q')).toMatchObject({ pool: 'own', user: 'glance' });
  });

  it('names [backend_defaults] when a value inherited from it is wrong', () => {
    const error = errorOf(withStores('r:rbd', '[backend_defaults]\nrbd_store_chunk_size = big\n'));
    expect(error.message).toBe(
      `${shown}:8: [backend_defaults] rbd_store_chunk_size: expected an integer, got "big"`,
    );
  });

  it('treats an empty optional string as not set', () => {
    const config = parse(
      withStores(
        'r:rbd, c:cinder',
        '[r]\nrbd_store_user =\nrbd_store_ceph_conf =\n[c]\ncinder_volume_type =\n',
      ),
    );
    expect(store<RbdStoreConfig>(config, 'r')).toMatchObject({ user: null, cephConf: null });
    expect(config.stores[1]).toMatchObject({ volumeType: null });
  });

  it('decodes filesystem_store_file_perm as octal digits, as Glance does', () => {
    const config = parse(
      withStores('f:file', '[f]\nfilesystem_store_datadir = /srv/i\nfilesystem_store_file_perm = 640\n'),
    );
    expect(store<FileStoreConfig>(config, 'f').fileMode).toBe(0o640);
  });

  it('reads swift sizes in Glance\'s "MB" and s3 sizes in MiB as written', () => {
    const config = parse(
      withStores(
        'sw:swift, s:s3',
        '[sw]\nswift_store_large_object_size = 10\nswift_store_large_object_chunk_size = 5\nswift_store_multi_tenant = true\n' +
          '[s]\ns3_store_host = h\ns3_store_access_key = a\ns3_store_secret_key = k\ns3_store_bucket = b\n' +
          's3_store_large_object_size = 200\ns3_store_large_object_chunk_size = 5\ns3_store_thread_pools = 4\n',
      ),
    );
    expect(store<SwiftStoreConfig>(config, 'sw')).toMatchObject({
      largeObjectSizeMB: 10,
      largeObjectChunkSizeMB: 5,
      multiTenant: true,
    });
    expect(store<S3StoreConfig>(config, 's')).toMatchObject({
      largeObjectSizeMiB: 200,
      largeObjectChunkSizeMiB: 5,
      threadPools: 4,
    });
  });

  it('accepts the other options Glance has for a type without warning', () => {
    const config = parse(
      withStores(
        'c:cinder, h:http, sw:swift',
        '[c]\ncinder_catalog_info = volumev3::internalURL\ncinder_http_retries = 5\ncinder_store_password = p\n' +
          '[h]\nhttps_insecure = false\nhttp_proxy_information = http:proxy:3128\n' +
          '[sw]\nswift_store_endpoint_type = internalURL\nswift_store_admin_tenants = a, b\n',
      ),
    );
    expect(config.warnings).toEqual([]);
  });

  it('type-checks accepted options it does not use', () => {
    expect(errorOf(withStores('c:cinder', '[c]\ncinder_http_retries = many\n')).message).toBe(
      `${shown}:8: [c] cinder_http_retries: expected an integer, got "many"`,
    );
    expect(errorOf(withStores('sw:swift', '[sw]\nswift_store_endpoint_type = privateURL\n')).message).toBe(
      `${shown}:8: [sw] swift_store_endpoint_type: unknown value "privateURL" (known: publicURL, adminURL, internalURL)`,
    );
  });
});

describe('parseConfig: validation errors are one line naming file, section and key', () => {
  const cases: Array<[string, string, string]> = [
    [
      'an unknown store type',
      `${NOAUTH}[DEFAULT]\nenabled_backends = fast:rbd, x:foo\n`,
      '4: [DEFAULT] enabled_backends: unknown store type "foo" for store "x" (known: rbd, file, http, cinder, swift, s3)',
    ],
    [
      'a Glance store type glance-ts does not implement',
      `${NOAUTH}[DEFAULT]\nenabled_backends = v:vmware\n`,
      '4: [DEFAULT] enabled_backends: store type "vmware" of store "v" is not supported by glance-ts (known: rbd, file, http, cinder, swift, s3)',
    ],
    [
      'a reserved store id',
      `${NOAUTH}[DEFAULT]\nenabled_backends = os_glance_staging_store:file\n`,
      '4: [DEFAULT] enabled_backends: store id "os_glance_staging_store" uses the reserved prefix "os_glance_"',
    ],
    [
      'a duplicate store id',
      `${NOAUTH}[DEFAULT]\nenabled_backends = fast:rbd, fast:file\n`,
      '4: [DEFAULT] enabled_backends: "fast" is listed more than once',
    ],
    [
      "a store id that is one of glance-ts's sections",
      `${NOAUTH}[DEFAULT]\nenabled_backends = auth:http\n`,
      '4: [DEFAULT] enabled_backends: store id "auth" is the name of a section glance-ts reads itself ([auth])',
    ],
    [
      'an empty store id',
      `${NOAUTH}[DEFAULT]\nenabled_backends = :file\n`,
      '4: [DEFAULT] enabled_backends: a store id is empty in ":file"',
    ],
    [
      'a malformed enabled_backends',
      `${NOAUTH}[DEFAULT]\nenabled_backends = fast\n`,
      '4: [DEFAULT] enabled_backends: expected key:value pairs separated by commas, got "fast"',
    ],
    [
      'a default backend that is not enabled',
      `${NOAUTH}[DEFAULT]\nenabled_backends = fast:http, cheap:http\n[glance_store]\ndefault_backend = nope\n`,
      '6: [glance_store] default_backend: "nope" is not one of the enabled backends (fast, cheap)',
    ],
    [
      'a missing default backend',
      `${NOAUTH}[DEFAULT]\nenabled_backends = fast:http, cheap:http\n`,
      ' [glance_store] default_backend: required when [DEFAULT] enabled_backends is set (one of: fast, cheap)',
    ],
    [
      'a wrong value type',
      withStores('fast:rbd', '[fast]\nrbd_store_chunk_size = eight\n'),
      '8: [fast] rbd_store_chunk_size: expected an integer, got "eight"',
    ],
    [
      'a zero rbd chunk size',
      withStores('fast:rbd', '[fast]\nrbd_store_chunk_size = 0\n'),
      '8: [fast] rbd_store_chunk_size: must be at least 1, got 0',
    ],
    [
      'an rbd chunk size that is not a power of two',
      withStores('fast:rbd', '[fast]\nrbd_store_chunk_size = 6\n'),
      '8: [fast] rbd_store_chunk_size: must be a power of two (RBD object sizes are 2^n bytes), got 6',
    ],
    [
      'a wrong boolean',
      withStores('fast:rbd', '[fast]\nrbd_thin_provisioning = maybe\n'),
      '8: [fast] rbd_thin_provisioning: expected a boolean (true/false, yes/no, on/off, 1/0), got "maybe"',
    ],
    [
      'a file store without a data dir',
      withStores('cheap:file'),
      ' [cheap] filesystem_store_datadir: required for file stores (glance-ts does not assume /var/lib/glance/images)',
    ],
    [
      'a file store with an empty data dir',
      withStores('cheap:file', '[cheap]\nfilesystem_store_datadir =\n'),
      '8: [cheap] filesystem_store_datadir: required for file stores (glance-ts does not assume /var/lib/glance/images)',
    ],
    [
      'a file store with filesystem_store_datadirs',
      withStores(
        'cheap:file',
        '[cheap]\nfilesystem_store_datadirs = /a:1\nfilesystem_store_datadirs = /b:2\n',
      ),
      '9: [cheap] filesystem_store_datadirs: not supported by glance-ts; use filesystem_store_datadir (one directory per store)',
    ],
    [
      'file permissions that are not octal',
      withStores('cheap:file', '[cheap]\nfilesystem_store_datadir = /d\nfilesystem_store_file_perm = 680\n'),
      '9: [cheap] filesystem_store_file_perm: must be file permissions written as octal digits (e.g. 640), got 680',
    ],
    [
      'file permissions the owner cannot read',
      withStores('cheap:file', '[cheap]\nfilesystem_store_datadir = /d\nfilesystem_store_file_perm = 240\n'),
      '9: [cheap] filesystem_store_file_perm: must let the owner read the image files (e.g. 640), got 240',
    ],
    [
      'an s3 store without a host',
      withStores('s:s3', '[s]\ns3_store_access_key = a\ns3_store_secret_key = k\ns3_store_bucket = b\n'),
      ' [s] s3_store_host: required for s3 stores',
    ],
    [
      'an s3 store without an access key',
      withStores('s:s3', '[s]\ns3_store_host = h\ns3_store_secret_key = k\ns3_store_bucket = b\n'),
      ' [s] s3_store_access_key: required for s3 stores',
    ],
    [
      'an s3 store without a secret key',
      withStores('s:s3', '[s]\ns3_store_host = h\ns3_store_access_key = a\ns3_store_bucket = b\n'),
      ' [s] s3_store_secret_key: required for s3 stores',
    ],
    [
      'an s3 store without a bucket',
      withStores('s:s3', '[s]\ns3_store_host = h\ns3_store_access_key = a\ns3_store_secret_key = k\n'),
      ' [s] s3_store_bucket: required for s3 stores',
    ],
    [
      'an s3 part size below 5 MiB',
      withStores(
        's:s3',
        '[s]\ns3_store_host = h\ns3_store_access_key = a\ns3_store_secret_key = k\ns3_store_bucket = b\ns3_store_large_object_chunk_size = 4\n',
      ),
      '12: [s] s3_store_large_object_chunk_size: must be at least 5, got 4',
    ],
    [
      'a multi-tenant swift store with a config file',
      withStores('o:swift', '[o]\nswift_store_multi_tenant = true\nswift_store_config_file = swift.conf\n'),
      '9: [o] swift_store_config_file: cannot be combined with swift_store_multi_tenant = true (they are mutually exclusive)',
    ],
    [
      'zero workers',
      `${NOAUTH}[DEFAULT]\nworkers = 0\n`,
      '4: [DEFAULT] workers: must be between 1 and 256, got 0',
    ],
    [
      'a bad port',
      `${NOAUTH}[DEFAULT]\nbind_port = 70000\n`,
      '4: [DEFAULT] bind_port: must be between 0 and 65535, got 70000',
    ],
    [
      'a port that is not a number',
      `${NOAUTH}[DEFAULT]\nbind_port = http\n`,
      '4: [DEFAULT] bind_port: expected an integer, got "http"',
    ],
    [
      'a bad bind host',
      `${NOAUTH}[DEFAULT]\nbind_host = local host\n`,
      '4: [DEFAULT] bind_host: expected an IP address or a host name, got "local host"',
    ],
    [
      'a public endpoint that is not a URL',
      `${NOAUTH}[DEFAULT]\npublic_endpoint = image.example.org\n`,
      '4: [DEFAULT] public_endpoint: expected an http:// or https:// URL, got "image.example.org"',
    ],
    [
      'an unknown auth strategy',
      '[auth]\nstrategy = kerberos\n',
      '2: [auth] strategy: unknown value "kerberos" (known: token_file, noauth, trusted_headers, keystone)',
    ],
    [
      'the keystone strategy without auth_url',
      '[auth]\nstrategy = keystone\n',
      ' [keystone_authtoken] auth_url: required with [auth] strategy = keystone (the Identity API, e.g. http://keystone:5000/v3)',
    ],
    [
      'the keystone strategy with an auth_url that is not a URL',
      '[auth]\nstrategy = keystone\n[keystone_authtoken]\nauth_url = keystone:5000\n',
      '4: [keystone_authtoken] auth_url: expected an http:// or https:// URL, got "keystone:5000"',
    ],
    [
      'a password login without a password',
      `[auth]\nstrategy = keystone\n[keystone_authtoken]\nauth_url = http://ks/v3\nusername = glance\nproject_name = service\n`,
      ' [keystone_authtoken] password: required with auth_type password',
    ],
    [
      'a password login without a project',
      `[auth]\nstrategy = keystone\n[keystone_authtoken]\nauth_url = http://ks/v3\nusername = glance\npassword = x\n`,
      ' [keystone_authtoken] project_name: required with auth_type password (or project_id): glance-ts validates tokens with a project-scoped token of its service user',
    ],
    [
      'an application credential without its secret',
      `[auth]\nstrategy = keystone\n[keystone_authtoken]\nauth_url = http://ks/v3\nauth_type = v3applicationcredential\napplication_credential_id = ac\n`,
      ' [keystone_authtoken] application_credential_secret: required with auth_type v3applicationcredential',
    ],
    [
      'an auth type glance-ts does not speak',
      `[auth]\nstrategy = keystone\n[keystone_authtoken]\nauth_url = http://ks/v3\nauth_type = v3oidcpassword\n`,
      '5: [keystone_authtoken] auth_type: unknown value "v3oidcpassword" (known: password, v3applicationcredential)',
    ],
    [
      'a negative connect timeout',
      `[auth]\nstrategy = keystone\n[keystone_authtoken]\nauth_url = http://ks/v3\nusername = g\npassword = p\nproject_name = s\nhttp_connect_timeout = 0\n`,
      '8: [keystone_authtoken] http_connect_timeout: must be at least 1, got 0',
    ],
    [
      'the token_file strategy without token_file',
      '[auth]\nstrategy = token_file\n',
      ' [auth] token_file: required for strategy token_file (a YAML or JSON file of tokens, like etc/dev-tokens.yaml)',
    ],
    [
      'the default strategy (token_file) without token_file',
      '',
      ' [auth] token_file: required for strategy token_file (a YAML or JSON file of tokens, like etc/dev-tokens.yaml)',
    ],
    [
      'a wrong policy boolean',
      `${NOAUTH}[oslo_policy]\nenforce_scope = sometimes\n`,
      '4: [oslo_policy] enforce_scope: expected a boolean (true/false, yes/no, on/off, 1/0), got "sometimes"',
    ],
  ];

  // `rest` is the message after "<file>:": "<line>: [section] key: ..." when the value is in the
  // file, " [section] key: ..." when the key is missing.
  it.each(cases)('refuses %s', (_case, text, rest) => {
    const error = errorOf(text);
    expect(error.message).toBe(`${shown}:${rest}`);
    expect(error.message).not.toContain('\n');
    expect(error.file).toBe(shown);
    expect(error.section).toBe(/\[([^\]]+)\]/.exec(rest)?.[1]);
    expect(rest).toContain(` ${error.key}:`);
  });

  it('reports a missing explicitly configured token file with its resolved path', () => {
    const error = errorOf('[auth]\nstrategy = token_file\ntoken_file = missing.yaml\n');
    expect(error.message).toBe(`${shown}:3: [auth] token_file: ${join(dir, 'missing.yaml')}: file not found`);
  });

  it('reports a token file that is a directory', () => {
    mkdirSync(join(dir, 'tokens'));
    expect(errorOf('[auth]\nstrategy = token_file\ntoken_file = tokens\n').message).toBe(
      `${shown}:3: [auth] token_file: ${join(dir, 'tokens')} is not a file`,
    );
  });

  it('reports a missing explicitly configured policy file, even with the default name', () => {
    expect(errorOf(`${NOAUTH}[oslo_policy]\npolicy_file = policy.yaml\n`).message).toBe(
      `${shown}:4: [oslo_policy] policy_file: ${join(dir, 'policy.yaml')}: file not found`,
    );
  });

  it('does not echo a value over several lines into a multi-line message', () => {
    const error = errorOf(`${NOAUTH}[DEFAULT]\nbind_port = 1\n  2\n`);
    expect(error.message).toBe(`${shown}:4: [DEFAULT] bind_port: expected an integer, got "1\\n2"`);
  });
});

describe('parseConfig: warnings (oslo ignores unknown keys; glance-ts says so)', () => {
  it('warns once per unknown key in a known section, with its line', () => {
    const config = parse(
      withStores(
        'f:file',
        '[f]\nfilesystem_store_datadir = /d\nrbd_store_pool = x\n[glance_store]\ndefault_backnd = f\n',
      ),
    );
    expect(config.warnings).toEqual([
      '[glance_store] default_backnd: unknown option, ignored (line 11)',
      '[f] rbd_store_pool: unknown option, ignored (line 9)',
    ]);
  });

  it('warns about a store section whose id is not enabled, and about sections it does not read', () => {
    const config = parse(
      `${NOAUTH}[old]\nrbd_store_pool = x\n[keystone_authtoken]\nwww_authenticate_uri = http://k\n`,
    );
    expect(config.warnings).toEqual([
      '[keystone_authtoken]: ignored with [auth] strategy noauth (line 5)',
      '[old]: ignored, "old" is not a store in [DEFAULT] enabled_backends (line 3)',
    ]);
  });

  it('warns about unknown keys in [backend_defaults]', () => {
    const config = parse(
      withStores('h:http', '[backend_defaults]\nhttps_insecure = false\nstore_description = shared\n'),
    );
    expect(config.warnings).toEqual([
      '[backend_defaults] store_description: unknown option, ignored (line 9)',
    ]);
  });

  it('warns about a default_backend without enabled_backends, and ignores it', () => {
    const config = parse(`${NOAUTH}[glance_store]\ndefault_backend = fast\n`);
    expect(config.defaultBackend).toBeNull();
    expect(config.warnings).toEqual([
      '[glance_store] default_backend: ignored, [DEFAULT] enabled_backends is not set (line 4)',
    ]);
  });

  it("stops at an import method glance-ts does not implement, naming it (Glance's or unknown)", () => {
    expect(() => parse(`${NOAUTH}[DEFAULT]\nenabled_import_methods = [glance-direct]\n`)).toThrow(
      `[DEFAULT] enabled_import_methods: "glance-direct" is not implemented by glance-ts (Glance's import method); implemented: none`,
    );
    expect(() => parse(`${NOAUTH}[DEFAULT]\nenabled_import_methods = teleport\n`)).toThrow(
      '"teleport" is not implemented by glance-ts (unknown import method (Glance\'s: glance-direct, web-download, glance-download, copy-image)); implemented: none',
    );
  });

  it('warns that token_file is ignored by other strategies', () => {
    const config = parse('[auth]\nstrategy = trusted_headers\ntoken_file = missing.yaml\n');
    expect(config.auth.tokenFile).toBeNull();
    expect(config.warnings).toEqual(['[auth] token_file: ignored with strategy trusted_headers (line 3)']);
  });
});

describe('parseConfig: auth and policy', () => {
  it('reads the noauth identity, lower-casing roles', () => {
    const config = parse(
      '[auth]\nstrategy = noauth\nnoauth_roles = Admin, READER\nnoauth_user_id = u1\nnoauth_project_id = p1\n',
    );
    expect(config.auth).toEqual({
      strategy: 'noauth',
      tokenFile: null,
      noauthRoles: ['admin', 'reader'],
      noauthUserId: 'u1',
      noauthProjectId: 'p1',
      keystone: null,
    });
  });

  it("reads [keystone_authtoken] with keystonemiddleware's names and defaults", () => {
    const config = parse(
      [
        '[auth]',
        'strategy = keystone',
        '[keystone_authtoken]',
        'auth_url = http://keystone:5000',
        'username = glance',
        'password = secret',
        'project_name = service',
        'service_token_roles = Service, admin',
        'region_name = RegionOne',
        '',
      ].join('\n'),
    );
    expect(config.auth.keystone).toEqual({
      authUrl: 'http://keystone:5000',
      wwwAuthenticateUri: 'http://keystone:5000',
      credentials: {
        type: 'password',
        username: 'glance',
        userId: null,
        password: 'secret',
        userDomainName: 'Default',
        userDomainId: null,
        projectName: 'service',
        projectId: null,
        projectDomainName: 'Default',
        projectDomainId: null,
      },
      serviceTokenRoles: ['service', 'admin'],
      serviceTokenRolesRequired: false,
      tokenCacheTime: 300,
      httpConnectTimeout: 10,
      httpRequestMaxRetries: 3,
      cafile: null,
      insecure: false,
    });
    expect(config.warnings).toEqual([]);
  });

  it('reads an application credential login and an explicit www_authenticate_uri', () => {
    const config = parse(
      [
        '[auth]',
        'strategy = keystone',
        '[keystone_authtoken]',
        'auth_url = http://keystone-internal:5000/v3',
        'www_authenticate_uri = https://keystone.example.org/v3',
        'auth_type = v3applicationcredential',
        'application_credential_id = ac1',
        'application_credential_secret = s3cret',
        'token_cache_time = -1',
        'memcached_servers = 127.0.0.1:11211',
        '',
      ].join('\n'),
    );
    expect(config.auth.keystone).toMatchObject({
      authUrl: 'http://keystone-internal:5000/v3',
      wwwAuthenticateUri: 'https://keystone.example.org/v3',
      credentials: {
        type: 'v3applicationcredential',
        applicationCredentialId: 'ac1',
        applicationCredentialSecret: 's3cret',
      },
      tokenCacheTime: -1,
    });
    expect(config.warnings).toEqual([
      '[keystone_authtoken] memcached_servers: unknown option, ignored (line 10)',
    ]);
  });

  it('ignores [keystone_authtoken] with other strategies (no error for an incomplete one)', () => {
    const config = parse(`${NOAUTH}[keystone_authtoken]\nusername = glance\n`);
    expect(config.auth.keystone).toBeNull();
  });

  it('accepts trusted_headers with nothing else to configure', () => {
    expect(parse('[auth]\nstrategy = trusted_headers\n').auth.strategy).toBe('trusted_headers');
  });

  it('resolves token_file against the config file directory, not the working directory', () => {
    mkdirSync(join(dir, 'secrets'));
    writeFileSync(join(dir, 'secrets', 'tokens.yaml'), 'tokens: {}\n');
    const config = parse('[auth]\nstrategy = token_file\ntoken_file = secrets/tokens.yaml\n');
    expect(config.auth.tokenFile).toBe(join(dir, 'secrets', 'tokens.yaml'));
  });

  it('uses policy.yaml beside the config file when present, and no overrides when absent', () => {
    expect(parse(NOAUTH).policy.policyFile).toBeNull();
    writeFileSync(join(dir, 'policy.yaml'), '{}\n');
    expect(parse(NOAUTH).policy.policyFile).toBe(join(dir, 'policy.yaml'));
  });

  it('reads an explicit policy file (relative or absolute) and the enforcement flags', () => {
    writeFileSync(join(dir, 'rules.json'), '{}\n');
    const config = parse(
      `${NOAUTH}[oslo_policy]\npolicy_file = rules.json\nenforce_scope = false\nenforce_new_defaults = off\n`,
    );
    expect(config.policy).toEqual({
      policyFile: join(dir, 'rules.json'),
      enforceScope: false,
      enforceNewDefaults: false,
    });
    expect(
      parse(`${NOAUTH}[oslo_policy]\npolicy_file = ${join(dir, 'rules.json')}\n`).policy.policyFile,
    ).toBe(join(dir, 'rules.json'));
  });

  it('turns the policy file off with an empty policy_file, even when policy.yaml exists', () => {
    writeFileSync(join(dir, 'policy.yaml'), '{}\n');
    expect(parse(`${NOAUTH}[oslo_policy]\npolicy_file =\n`).policy.policyFile).toBeNull();
  });
});

describe('parseConfig: relative paths resolve against the config file directory', () => {
  it('resolves file data dirs, the Ceph config and the swift config file; absolute paths stay as written', () => {
    const config = parse(
      withStores(
        'f:file, g:file, r:rbd, o:swift',
        '[f]\nfilesystem_store_datadir = ../data/images\n[g]\nfilesystem_store_datadir = /var/lib/glance/images/\n' +
          '[r]\nrbd_store_ceph_conf = ceph/ceph.conf\n[o]\nswift_store_config_file = swift.conf\n',
      ),
    );
    expect(store<FileStoreConfig>(config, 'f').dataDir).toBe(join(dir, '..', 'data', 'images'));
    expect(store<FileStoreConfig>(config, 'g').dataDir).toBe('/var/lib/glance/images/');
    expect(store<RbdStoreConfig>(config, 'r').cephConf).toBe(join(dir, 'ceph', 'ceph.conf'));
    expect(store<SwiftStoreConfig>(config, 'o').configFile).toBe(join(dir, 'swift.conf'));
  });
});

describe('loadConfig', () => {
  it('reads the file and names it as given in messages', () => {
    writeFileSync(configPath, '[auth]\nstrategy = nope\n');
    expect(() => loadConfig(configPath)).toThrow(`${configPath}:2: [auth] strategy: unknown value "nope"`);
  });

  it('resolves a relative path against the given cwd', () => {
    writeFileSync(configPath, NOAUTH);
    expect(loadConfig('glance-api.conf', { cwd: dir }).source).toEqual({ path: configPath, embedded: false });
  });

  it('refuses a missing file with a one-line message naming it', () => {
    const error = (() => {
      try {
        loadConfig(join(dir, 'nope.conf'));
      } catch (caught) {
        return caught as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      `${join(dir, 'nope.conf')}: cannot read the configuration file: file not found`,
    );
    expect(error.file).toBe(join(dir, 'nope.conf'));
  });

  it('refuses a directory', () => {
    expect(() => loadConfig(dir)).toThrow(
      `${dir}: cannot read the configuration file: is a directory, not a file`,
    );
  });
});

describe('[DEFAULT] image_size_cap', () => {
  // The file is never read: parseConfig only names it in messages.
  const dir = join(tmpdir(), 'glance-ts-size-cap');
  const parseWith = (line: string) =>
    parseConfig(`[DEFAULT]\n${line}\n[auth]\nstrategy = noauth\n`, join(dir, 'glance-api.conf'));

  it('takes a byte count', () => {
    expect(parseWith('image_size_cap = 4194304').imageSizeCap).toBe(4194304);
  });

  it.each(['image_size_cap = 0', 'image_size_cap = lots', 'image_size_cap = -5'])(
    'refuses %s with one line naming the key',
    (line) => {
      expect(() => parseWith(line)).toThrow(/\[DEFAULT\] image_size_cap/);
    },
  );
});

describe('[DEFAULT] do_secure_hash, hashing_algorithm, http_retries', () => {
  // The file is never read: parseConfig only names it in messages.
  const dir = join(tmpdir(), 'glance-ts-secure-hash');
  const parseWith = (lines: string) =>
    parseConfig(`[DEFAULT]\n${lines}\n[auth]\nstrategy = noauth\n`, join(dir, 'glance-api.conf'));

  it('defaults to hashing location data with sha512 and 3 attempts, as Glance', () => {
    expect(parseWith('').secureHash).toEqual({ enabled: true, algorithm: 'sha512', retries: 3 });
  });

  it('takes the options', () => {
    expect(parseWith('do_secure_hash = false\nhttp_retries = 0').secureHash).toEqual({
      enabled: false,
      algorithm: 'sha512',
      retries: 0,
    });
  });

  it.each([
    ['hashing_algorithm = md5', /\[DEFAULT\] hashing_algorithm/],
    ['do_secure_hash = maybe', /\[DEFAULT\] do_secure_hash/],
    ['http_retries = -1', /\[DEFAULT\] http_retries/],
  ])('refuses %s with one line naming the key', (line, pattern) => {
    expect(() => parseWith(line)).toThrow(pattern);
  });
});

describe('locations, [image_format] and [import_filtering_opts]', () => {
  const parseWith = (text: string) => parse(`${NOAUTH}${text}`);

  it('reads show_image_direct_url and show_multiple_locations', () => {
    const config = parseWith('[DEFAULT]\nshow_image_direct_url = true\nshow_multiple_locations = True\n');
    expect(config.locations).toEqual({ showDirectUrl: true, showMultiple: true });
  });

  it('reads [image_format]', () => {
    const config = parseWith(
      '[image_format]\nrequire_image_format_match = false\ngpt_safety_checks_nonfatal = mbr\nvmdk_allowed_types = streamOptimized\n',
    );
    expect(config.imageFormat).toEqual({
      requireFormatMatch: false,
      gptSafetyChecksNonfatal: ['mbr'],
      vmdkAllowedTypes: ['streamOptimized'],
    });
  });

  it('reads [import_filtering_opts], host names lower-cased and ports as numbers', () => {
    const config = parseWith(
      '[import_filtering_opts]\nallowed_schemes = [https]\nallowed_hosts = Images.Example.org\n' +
        'allowed_ports = 8080, 443\ndisallowed_ports = 22\nallowed_networks = 10.0.0.0/8, fd00::/8, 127.0.0.1\n',
    );
    expect(config.importFiltering).toEqual({
      allowedSchemes: ['https'],
      disallowedSchemes: [],
      allowedHosts: ['images.example.org'],
      disallowedHosts: [],
      allowedPorts: [8080, 443],
      disallowedPorts: [22],
      allowedNetworks: ['10.0.0.0/8', 'fd00::/8', '127.0.0.1'],
    });
    expect(config.warnings).toEqual([]);
  });

  it.each([
    ['allowed_ports = 80, http', /\[import_filtering_opts\] allowed_ports: .*"http"/],
    ['disallowed_ports = 70000', /\[import_filtering_opts\] disallowed_ports: .*"70000"/],
    ['allowed_networks = 10.0.0.0/33', /\[import_filtering_opts\] allowed_networks: .*"10.0.0.0\/33"/],
    ['allowed_networks = example.org', /\[import_filtering_opts\] allowed_networks/],
  ])('refuses %s with one line naming the key', (line, pattern) => {
    expect(() => parseWith(`[import_filtering_opts]\n${line}\n`)).toThrow(pattern);
  });

  it('refuses a non-boolean require_image_format_match', () => {
    expect(() => parseWith('[image_format]\nrequire_image_format_match = perhaps\n')).toThrow(
      /\[image_format\] require_image_format_match/,
    );
  });
});

describe('[DEFAULT] client_socket_timeout and stale_upload_timeout', () => {
  const parseWith = (lines: string) => parse(`${NOAUTH}[DEFAULT]\n${lines}\n`);

  it('reads them in seconds', () => {
    const config = parseWith('client_socket_timeout = 0\nstale_upload_timeout = 60');
    expect([config.server.clientSocketTimeout, config.staleUploadTimeout]).toEqual([0, 60]);
  });

  it.each([
    ['client_socket_timeout = -1', /\[DEFAULT\] client_socket_timeout/],
    ['stale_upload_timeout = 2', /\[DEFAULT\] stale_upload_timeout/],
  ])('refuses %s', (line, pattern) => {
    expect(() => parseWith(line)).toThrow(pattern);
  });
});
