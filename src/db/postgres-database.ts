import pg from 'pg';
import { keepText, parseNumber, PG_TYPE_OIDS, type Database, type Queryable } from './database';

const typeParsers = {
  getTypeParser(oid: number, format?: string) {
    if (oid === PG_TYPE_OIDS.INT8 || oid === PG_TYPE_OIDS.NUMERIC) return parseNumber;
    if (oid === PG_TYPE_OIDS.DATE) return keepText;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

function queryableOf(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<Row>(text: string, params?: readonly unknown[]) {
      const result = await client.query({ text, values: params as unknown[] | undefined, types: typeParsers });
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
    },
  };
}

export async function openPostgresDatabase(connectionString: string, poolSize = 10): Promise<Database> {
  const pool = new pg.Pool({ connectionString, max: poolSize });
  // Fail at start, not at the first request, when the server is unreachable.
  await pool.query('select 1');
  const root = queryableOf(pool);
  return {
    engine: 'postgres',
    query: root.query,
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await work(queryableOf(client));
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async exec(script) {
      await pool.query(script);
    },
    async listen(channel, onMessage) {
      // A dedicated connection: LISTEN is per session, and a pooled client would be recycled.
      const client = new pg.Client({ connectionString });
      await client.connect();
      client.on('notification', (message) => {
        if (message.channel === channel) onMessage(message.payload ?? '');
      });
      await client.query(`listen ${pg.escapeIdentifier(channel)}`);
      return async () => {
        await client.end();
      };
    },
    close: () => pool.end(),
  };
}
