import { PGlite, type Transaction } from '@electric-sql/pglite';
import { keepText, parseNumber, PG_TYPE_OIDS, type Database, type Queryable, type QueryResult } from './database';
import { toDatabaseError } from './database-errors';

function wrapResult<Row>(result: { rows: Row[]; affectedRows?: number }): QueryResult<Row> {
  // PGlite reports affectedRows = 0 for SELECT; pg's rowCount counts returned rows. Match pg.
  return { rows: result.rows, rowCount: result.rows.length > 0 ? result.rows.length : (result.affectedRows ?? 0) };
}

function queryableOf(target: PGlite | Transaction): Queryable {
  return {
    async query<Row>(text: string, params?: readonly unknown[]) {
      try {
        return wrapResult(await target.query<Row>(text, params as unknown[] | undefined));
      } catch (error) {
        // A closed database (shutdown under way) is a 503 like a lost server, not a 500.
        throw toDatabaseError(error);
      }
    },
  };
}

/** Opens PGlite in `dataDir` (or in memory when dataDir is undefined). */
export async function openPgliteDatabase(dataDir: string | undefined): Promise<Database> {
  const db = await PGlite.create(dataDir, {
    parsers: {
      [PG_TYPE_OIDS.INT8]: parseNumber,
      [PG_TYPE_OIDS.NUMERIC]: parseNumber,
      [PG_TYPE_OIDS.DATE]: keepText,
    },
  });
  const root = queryableOf(db);
  let closing: Promise<void> | undefined;
  return {
    engine: 'pglite',
    query: root.query,
    transaction: (work) => db.transaction((tx) => work(queryableOf(tx))),
    exec: async (script) => {
      try {
        const results = await db.exec(script);
        return results.flatMap((result) => result.rows as Record<string, unknown>[]);
      } catch (error) {
        // One connection: a script that failed between BEGIN and COMMIT must not leave it in an
        // aborted transaction for every later statement (a pool would drop that connection).
        await db.query('rollback').catch(() => undefined);
        throw toDatabaseError(error);
      }
    },
    listen: async (channel, onMessage) => {
      const unsubscribe = await db.listen(channel, onMessage);
      return async () => unsubscribe();
    },
    close: () => (closing ??= db.close()),
  };
}
