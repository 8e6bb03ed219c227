/**
 * The one database interface. Two engines behind it: PostgreSQL through `pg.Pool` when
 * DATABASE_URL is set, an embedded PGlite (PostgreSQL in WASM) in a data folder otherwise.
 * Nothing outside src/db touches a driver.
 */
export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export interface Queryable {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /**
   * `COPY … FROM STDIN` with `pieces` (text or bytes) as the whole input, written in turn as the
   * connection takes them; resolves to the rows copied. Offered inside a PostgreSQL transaction
   * only (bulk imports stream through it); absent elsewhere, so callers keep a plain-statement path.
   */
  copyFrom?(text: string, pieces: readonly (string | Uint8Array)[]): Promise<number>;
}

export type DatabaseEngine = 'pglite' | 'postgres';

/**
 * How another thread of this process opens its own connection to the same database (plain data,
 * so it crosses to a worker thread): a PostgreSQL server only. The embedded PGlite lives in the
 * thread that opened it, so it offers none.
 */
export interface ThreadConnection {
  connectionString: string;
  acquireTimeoutMs?: number;
  statementTimeoutMs?: number;
}

export interface Database extends Queryable {
  readonly engine: DatabaseEngine;
  /** Present when a worker thread can open its own connection to this database (PostgreSQL). */
  readonly threadConnection?: ThreadConnection;
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs a multi-statement script without parameters (migrations, the job queue's own schema and
   * its locked blocks): the rows every statement returned, in order (a RETURNING between BEGIN and
   * COMMIT is not lost).
   */
  exec(script: string): Promise<Record<string, unknown>[]>;
  /** LISTEN on a channel; resolves to an unsubscribe function. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Both engines return the same JS shapes: bigint and numeric as numbers (our counts and
 * money fit in a double), DATE as the 'YYYY-MM-DD' text (a JS Date would shift it by the
 * process time zone), timestamptz as Date.
 */
export const PG_TYPE_OIDS = { INT8: 20, NUMERIC: 1700, DATE: 1082 } as const;
export const parseNumber = (value: string): number => Number(value);
export const keepText = (value: string): string => value;
