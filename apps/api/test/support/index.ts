/**
 * The API's test entry point (`@glance-ts/api/testing`): start the real API in-process on a
 * configuration, the images testbeds (SQLite/PostgreSQL, rbd on a real Ceph), python-glanceclient.
 * The one place another project's specs may reach into the API (the CLI's end-to-end tests run
 * against it); lint allows this path and nothing else of the app.
 */
export * from './configs';
export * from './images';
export * from './python-glanceclient';
export * from './rbd';
export * from './test-api';
