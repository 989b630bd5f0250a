import { Client } from 'pg';
import { type PrivatePostgres, startPrivatePostgres } from './private-postgres';

jest.setTimeout(120_000);

describe('startPrivatePostgres', () => {
  let server: PrivatePostgres | undefined;
  afterAll(() => server?.dispose());

  const select = async () => {
    const client = new Client({ connectionString: server!.url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      return (await client.query('select 1 as one')).rows[0].one;
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  it('serves on its own port, stops (immediate, as a crash) and starts again', async () => {
    server = await startPrivatePostgres();
    expect(await select()).toBe(1);
    await server.stop('immediate');
    await expect(select()).rejects.toThrow(/ECONNREFUSED|connect/);
    await server.start();
    expect(await select()).toBe(1);
  });
});
