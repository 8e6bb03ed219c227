import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freshBenchDatabase } from '../../src/bench/service-process';
import { serverUrl } from '../harness/test-database';

/** The one way benches make and drop their fresh PostgreSQL database. */
describe('freshBenchDatabase', () => {
  it('answers undefined when no PostgreSQL server answers (the bench falls back or says it needs one)', async () => {
    expect(await freshBenchDatabase('postgres://postgres@127.0.0.1:1/postgres')).toBeUndefined();
  });

  it.skipIf(!serverUrl)('makes an empty database of its own, and drops it even while a client holds it', async () => {
    const database = (await freshBenchDatabase(serverUrl))!;
    expect(database.name).toMatch(/^mf_bench_/);
    expect(new URL(database.url).pathname).toBe(`/${database.name}`);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    client.on('error', () => undefined);
    const { rows } = await client.query<{ n: number }>(
      "select count(*)::int as n from information_schema.tables where table_schema = 'public'",
    );
    expect(rows[0]!.n).toBe(0);
    await database.drop();
    await client.end().catch(() => undefined);
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      const left = await admin.query('select 1 from pg_database where datname = $1', [database.name]);
      expect(left.rows).toHaveLength(0);
    } finally {
      await admin.end();
    }
  });
});
