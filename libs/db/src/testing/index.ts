/**
 * Test helpers of the image database (`@glance-ts/db/testing`): a throw-away PostgreSQL database on
 * the test server, an open repository on either engine, and a service's connection on either. For specs only: the production entry
 * point (`@glance-ts/db`) does not export them, and lint refuses them outside specs.
 */
export {
  createTestPostgresDatabase,
  explainGenericPlan,
  type ExplainGenericPlanOptions,
  glanceTsConnections,
  TEST_POSTGRES_URL_ENV,
  type TestPostgresDatabase,
  type TestPostgresDatabaseOptions,
} from './postgres';
export {
  listEveryImage,
  openTestImageDatabase,
  removeEveryImage,
  testDatabaseConnection,
  type TestDatabaseConnection,
  type TestImageDatabase,
} from './databases';
