import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../src/db/database';
import { migrate } from '../../src/db/migrate';
import { openPgliteDatabase } from '../../src/db/pglite-database';
import { openPostgresDatabase } from '../../src/db/postgres-database';

/**
 * A fresh, migrated database for one test file: an in-memory PGlite by default, or a brand-new
 * database on the server named by TEST_DATABASE_URL (CI sets it), dropped afterwards. Tests never
 * depend on what an earlier run left behind.
 */
export interface TestDatabase {
  db: Database;
  engine: Database['engine'];
  /** The connection string of the fresh server database (undefined on PGlite). */
  url: string | undefined;
  drop(): Promise<void>;
}

export const serverUrl = process.env.TEST_DATABASE_URL;

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!serverUrl) {
    const db = await openPgliteDatabase(undefined);
    await migrate(db);
    return { db, engine: db.engine, url: undefined, drop: () => db.close() };
  }
  const name = `mf_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openPostgresDatabase(url.toString());
  await migrate(db);
  return {
    db,
    engine: db.engine,
    url: url.toString(),
    async drop() {
      await db.close();
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}
