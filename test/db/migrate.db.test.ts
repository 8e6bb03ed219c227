import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, readMigrations, splitSqlStatements } from '../../src/db/migrate';
import { createTestDatabase, type TestDatabase } from '../harness/test-database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe('migrations', () => {
  it('records every numbered file once, in order', async () => {
    const { rows } = await database.db.query<{ version: string }>(
      'select version from schema_migrations order by version',
    );
    expect(rows.map((r) => r.version)).toEqual(readMigrations().map((m) => m.version));
  });

  it('changes nothing when run again', async () => {
    const before = await database.db.query('select version, applied_at from schema_migrations order by version');
    expect(await migrate(database.db)).toEqual([]);
    const after = await database.db.query('select version, applied_at from schema_migrations order by version');
    expect(after.rows).toEqual(before.rows);
  });

  it('rolls back a transaction whose work throws', async () => {
    await expect(
      database.db.transaction(async (tx) => {
        await tx.query("insert into creators (id, name) values ('tx-probe', 'x')");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await database.db.query("select 1 from creators where id = 'tx-probe'")).rowCount).toBe(0);
  });

  it('parses bigint and numeric as numbers and dates as text on both engines', async () => {
    const { rows } = await database.db.query<{ n: unknown; m: unknown; d: unknown }>(
      "select 9007199254740::bigint as n, 12.5::numeric as m, date '2026-12-01' as d",
    );
    expect(rows[0]).toEqual({ n: 9007199254740, m: 12.5, d: '2026-12-01' });
  });
});

describe('splitSqlStatements', () => {
  it('splits on statement ends, skips comment lines and keeps $$ bodies whole', () => {
    const sql = `-- a comment; with a semicolon\ncreate table a (x int);\ncreate function f() returns int as $$\n  select 1;\n$$ language sql;\n`;
    expect(splitSqlStatements(sql)).toEqual([
      'create table a (x int);',
      'create function f() returns int as $$\n  select 1;\n$$ language sql;',
    ]);
  });
});
