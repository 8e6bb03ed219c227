import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import { keepText, parseNumber, PG_TYPE_OIDS, type Database, type Queryable } from './database';
import { isConnectionLost, isRetryableRead, toDatabaseError } from './database-errors';

const typeParsers = {
  getTypeParser(oid: number, format?: string) {
    if (oid === PG_TYPE_OIDS.INT8 || oid === PG_TYPE_OIDS.NUMERIC) return parseNumber;
    if (oid === PG_TYPE_OIDS.DATE) return keepText;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export interface PostgresOptions {
  poolSize?: number;
  /** How long a query waits for a pooled connection (or a new one to open) before the 503. */
  acquireTimeoutMs?: number;
  /** Server-side limit on each statement; a client-side guard a little later catches a silent network. */
  statementTimeoutMs?: number;
  /** Where faults are reported (a lost connection is logged, never thrown at the process). */
  onFault?: (message: string, error: Error) => void;
}

/** How much later than the server's statement_timeout the client gives up on a silent socket. */
const CLIENT_TIMEOUT_MARGIN_MS = 5_000;

async function send<Row>(client: pg.Pool | pg.PoolClient, text: string, params?: readonly unknown[]) {
  const result = await client.query({ text, values: params as unknown[] | undefined, types: typeParsers });
  return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
}

/**
 * One COPY FROM STDIN with `pieces` as its whole input: the rows copied. Pieces are written one by
 * one at the pace the connection takes them (a write refused by a full buffer waits for 'drain'),
 * so COPY input never queues up in memory faster than the socket sends it.
 */
function copyIn(client: pg.PoolClient, text: string, pieces: readonly (string | Uint8Array)[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFromStdin(text));
    let failed = false;
    stream.once('error', (error) => {
      failed = true;
      reject(error);
    });
    stream.once('finish', () => resolve(stream.rowCount ?? 0));
    let next = 0;
    const writeMore = () => {
      while (next < pieces.length && !failed) {
        if (!stream.write(pieces[next++]!)) {
          stream.once('drain', writeMore);
          return;
        }
      }
      if (!failed) stream.end();
    };
    writeMore();
  });
}

/**
 * PostgreSQL through a pg.Pool, built to outlive its connections:
 * - every client, idle or checked out, has an error listener, so a backend terminated by the
 *   server (restart, failover, pg_terminate_backend, idle_in_transaction_session_timeout) fails
 *   only the requests that used it, never the process;
 * - a lost connection, an exhausted pool (acquire timeout) or a statement timeout answer 503 with
 *   Retry-After (see database-errors.ts); a broken client is destroyed, never handed out again;
 * - a read outside a transaction whose connection was lost is sent again on another one, and a
 *   BEGIN that finds its connection lost is moved to another: nothing has run on it yet;
 * - after any loss, a pooled client that last answered before it is checked with `select 1`
 *   before use, so the other casualties of a mass termination are found out and dropped, not
 *   handed a write;
 * - the pool opens new connections on demand, so the service recovers when the server is back.
 */
export async function openPostgresDatabase(connectionString: string, options: PostgresOptions = {}): Promise<Database> {
  const onFault =
    options.onFault ?? ((message: string, error: Error) => process.emitWarning(`${message}: ${error.message}`));
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.acquireTimeoutMs ?? 5_000,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
    keepAlive: true,
  });
  // Every lost connection bumps this. A pooled client that last answered before the latest loss
  // may be one of the same casualties (all backends terminated, a failover) whose news has not
  // arrived yet: it is checked with a cheap round trip before it carries a statement.
  let lossesSeen = 0;
  const answeredAt = new WeakMap<pg.PoolClient, number>();
  const noteLoss = (error: unknown) => {
    if (isConnectionLost(error)) lossesSeen += 1;
  };
  const maxCheckouts = (options.poolSize ?? 10) + 1;

  // An idle client dropped by the server: the pool discards it and the next query opens a new one.
  pool.on('error', (error) => {
    noteLoss(error);
    onFault('PostgreSQL dropped an idle connection', error);
  });
  // A checked-out client (in a transaction, or between two statements of one) gets its own
  // listener: without one, its 'error' event would be unhandled and end the process.
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      noteLoss(error);
      onFault('PostgreSQL connection lost while in use', error);
    });
  });

  async function checkoutOnce(): Promise<pg.PoolClient> {
    try {
      return await pool.connect();
    } catch (error) {
      throw toDatabaseError(error);
    }
  }

  /**
   * A pooled client that is still connected, as far as one round trip can tell: a suspect one that
   * fails the check is destroyed and the next is taken (at most the pool's size, then a new one).
   */
  async function checkout(): Promise<pg.PoolClient> {
    for (let attempt = 1; ; attempt++) {
      const client = await checkoutOnce();
      const answered = answeredAt.get(client);
      if (answered === undefined || answered === lossesSeen) return client;
      try {
        await client.query('select 1');
        answeredAt.set(client, lossesSeen);
        return client;
      } catch (error) {
        noteLoss(error);
        client.release(error as Error);
        if (!isConnectionLost(error) || attempt >= maxCheckouts) throw toDatabaseError(error);
      }
    }
  }

  /** One statement on a healthy pooled client; a broken client is destroyed, never pooled again. */
  async function sendPooled<Row>(text: string, params?: readonly unknown[]) {
    const client = await checkout();
    try {
      const result = await send<Row>(client, text, params);
      answeredAt.set(client, lossesSeen);
      client.release();
      return result;
    } catch (error) {
      noteLoss(error);
      client.release(isConnectionLost(error) ? (error as Error) : undefined);
      throw error;
    }
  }

  /** BEGIN on a pooled client; nothing has run yet, so a connection found lost here is swapped for another. */
  async function beginOnHealthyClient(): Promise<pg.PoolClient> {
    for (let attempt = 1; ; attempt++) {
      const client = await checkout();
      try {
        await send(client, 'begin');
        return client;
      } catch (error) {
        noteLoss(error);
        client.release(error as Error);
        if (!isConnectionLost(error) || attempt >= maxCheckouts) throw toDatabaseError(error);
      }
    }
  }

  const root: Queryable = {
    async query<Row>(text: string, params?: readonly unknown[]) {
      // A read whose connection was lost goes again on another one: after a mass termination the
      // next pooled clients may be dead too, and each is found out at most once.
      for (let attempt = 1; ; attempt++) {
        try {
          return await sendPooled<Row>(text, params);
        } catch (error) {
          if (!isConnectionLost(error) || !isRetryableRead(text) || attempt >= maxCheckouts)
            throw toDatabaseError(error);
        }
      }
    },
  };
  const inTransaction = (client: pg.PoolClient): Queryable => ({
    async query<Row>(text: string, params?: readonly unknown[]) {
      try {
        return await send<Row>(client, text, params);
      } catch (error) {
        throw toDatabaseError(error);
      }
    },
    async copyFrom(text: string, pieces: readonly (string | Uint8Array)[]) {
      try {
        return await copyIn(client, text, pieces);
      } catch (error) {
        throw toDatabaseError(error);
      }
    },
  });

  // Fail at start, not at the first request, when the server is unreachable.
  await root.query('select 1');
  let closing: Promise<void> | undefined;
  return {
    engine: 'postgres',
    threadConnection: { connectionString, acquireTimeoutMs: options.acquireTimeoutMs, statementTimeoutMs },
    query: root.query,
    async transaction(work) {
      const client = await beginOnHealthyClient();
      let broken: Error | undefined;
      try {
        const result = await work(inTransaction(client));
        await inTransaction(client).query('commit');
        answeredAt.set(client, lossesSeen);
        return result;
      } catch (error) {
        noteLoss(error);
        try {
          await client.query('rollback');
        } catch (rollbackError) {
          broken = rollbackError as Error;
        }
        throw error;
      } finally {
        // A client whose session is gone (or in an unknown state) is destroyed, not pooled.
        client.release(broken);
      }
    },
    async exec(script) {
      try {
        // The simple protocol: one result per statement (an array) when the script has several.
        const result = (await pool.query({ text: script, types: typeParsers })) as pg.QueryResult | pg.QueryResult[];
        return (Array.isArray(result) ? result : [result]).flatMap((r) => (r.rows ?? []) as Record<string, unknown>[]);
      } catch (error) {
        // pool.query has already destroyed the client, so an aborted transaction goes with it.
        throw toDatabaseError(error);
      }
    },
    async listen(channel, onMessage) {
      // A dedicated connection: LISTEN is per session, and a pooled client would be recycled. If the
      // connection is lost it reconnects, then calls onMessage('reconnected') since notifications
      // may have been missed meanwhile.
      let client: pg.Client | undefined;
      let stopped = false;
      const connect = async (): Promise<void> => {
        const next = new pg.Client({ connectionString, keepAlive: true, connectionTimeoutMillis: 5_000 });
        next.on('notification', (message) => {
          if (message.channel === channel) onMessage(message.payload ?? '');
        });
        let lost = false;
        next.on('error', (error) => {
          if (lost) return;
          lost = true;
          onFault(`PostgreSQL LISTEN connection lost (${channel})`, error);
          void next.end().catch(() => undefined);
          if (!stopped) setTimeout(() => void reconnect(), 1_000).unref();
        });
        try {
          await next.connect();
          await next.query(`listen ${pg.escapeIdentifier(channel)}`);
        } catch (error) {
          lost = true;
          void next.end().catch(() => undefined);
          throw error;
        }
        client = next;
      };
      const reconnect = async () => {
        if (stopped) return;
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
    close: () => (closing ??= pool.end()),
  };
}
