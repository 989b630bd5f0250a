/**
 * glance-ts test helpers. startCephCluster: a real single-host Ceph cluster (Debian's 16.2.15, one
 * mon and one OSD) in a Docker container through testcontainers, for e2e tests of the RBD store.
 * Needs a Docker engine and the image built by tools/ceph/build.sh (see tools/ci/docker.sh).
 * startPrivatePostgres: a PostgreSQL server of a test's own, to stop and restart under a service.
 * startKeystone: a real Keystone (Debian's python3-keystone) on a loopback port, with admin calls
 * (projects, users, roles, tokens, services) over its REST API, for the Keystone auth tests.
 * within: whether a promise settles in time, with no timer left behind to keep Jest's process alive.
 * Framework-free; test-only: never import it from production code.
 */
export {
  CEPH_TEST_IMAGE,
  CEPH_TEST_LABEL,
  startCephCluster,
  type CephCliOptions,
  type CephResumeTimings,
  type CephTestCluster,
  type CephTestClusterOptions,
} from './ceph-cluster';
export { startPrivatePostgres, type PrivatePostgres } from './private-postgres';
export {
  KeystoneRequestError,
  startKeystone,
  type IssuedKeystoneToken,
  type KeystoneApplicationCredentials,
  type KeystoneCatalogEntry,
  type KeystoneCredentials,
  type KeystonePasswordCredentials,
  type KeystoneRef,
  type KeystoneServiceRegistration,
  type KeystoneTokenBody,
  type TestKeystone,
  type TestKeystoneOptions,
} from './keystone';
export { provisionImageCloud, type CloudUser, type ImageCloud } from './keystone-cloud';
export { within } from './within';
