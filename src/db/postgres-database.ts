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
  // An idle client dropped by the server (restart, failover, pg_terminate_backend) must not take the
  // process down: the pool discards it and the next query opens a new connection.
  pool.on('error', (error) => {
    process.emitWarning(`PostgreSQL dropped an idle connection: ${error.message}`);
  });
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
      // A dedicated connection: LISTEN is per session, and a pooled client would be recycled. If the
      // connection is lost it reconnects, then calls onMessage('reconnected') since notifications
      // may have been missed meanwhile.
      let client: pg.Client | undefined;
      let stopped = false;
      const connect = async (): Promise<void> => {
        const next = new pg.Client({ connectionString });
        next.on('notification', (message) => {
          if (message.channel === channel) onMessage(message.payload ?? '');
        });
        next.on('error', (error) => {
          process.emitWarning(`PostgreSQL LISTEN connection lost (${channel}): ${error.message}`);
          void next.end().catch(() => undefined);
          if (!stopped) setTimeout(() => void reconnect(), 1_000).unref();
        });
        await next.connect();
        await next.query(`listen ${pg.escapeIdentifier(channel)}`);
        client = next;
      };
      const reconnect = async () => {
        try {
          await connect();
          onMessage('reconnected');
        } catch {
          if (!stopped) setTimeout(() => void reconnect(), 1_000).unref();
        }
      };
      await connect();
      return async () => {
        stopped = true;
        await client?.end().catch(() => undefined);
      };
    },
    close: () => pool.end(),
  };
}
