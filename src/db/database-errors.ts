import { AppError } from '../http/app-error';

/**
 * Which driver errors mean "the database cannot be reached right now" (as opposed to "this
 * statement is wrong"). Those become one AppError('unavailable') → 503 problem+json with
 * Retry-After, whatever the query was: a client can retry later, and nothing else in the service
 * needs to know about PostgreSQL's error codes or socket errors.
 */

/** How long a client is told to wait before retrying a request refused because the database is away. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * SQLSTATEs of a lost or refused session: 57P01 admin_shutdown (pg_terminate_backend, a restart),
 * 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up, shutting down), 53300
 * too_many_connections, and class 08 (connection exception).
 */
const SESSION_LOST_STATES = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006']);
/** Node socket errors on the way to the server. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** node-postgres and pg-pool say it in words only. */
const LOST_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|connection timeout|Query read timeout|encountered a connection error|not queryable|Client was closed|Cannot use a pool after calling end|PGlite is closed/i;
/** 57014 query_canceled: our statement_timeout fired (or a cancel request). */
const STATEMENT_TIMEOUT = '57014';

interface DriverError {
  code?: unknown;
  message?: unknown;
}

/** The session or the server is gone: the statement may not have run; the connection must not be reused. */
export function isConnectionLost(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message } = error as DriverError;
  if (typeof code === 'string' && (SESSION_LOST_STATES.has(code) || NETWORK_CODES.has(code))) return true;
  return typeof message === 'string' && LOST_MESSAGES.test(message);
}

export function isStatementTimeout(error: unknown): boolean {
  return !!error && typeof error === 'object' && (error as DriverError).code === STATEMENT_TIMEOUT;
}

/** The 503 for a database fault, or the error unchanged when it is something else. */
export function toDatabaseError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const lost = isConnectionLost(error);
  if (!lost && !isStatementTimeout(error)) return error;
  const internalMessage = error instanceof Error ? `${error.message}` : String(error);
  const appError = new AppError(
    'unavailable',
    lost
      ? 'The database cannot be reached right now; retry shortly'
      : 'The database did not answer in time; retry shortly',
    {
      internalMessage: `database ${lost ? 'connection lost' : 'statement timeout'}: ${internalMessage}`,
      headers: { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) },
      extensions: { reason: lost ? 'database_unavailable' : 'database_timeout' },
    },
  );
  (appError as { cause?: unknown }).cause = error;
  return appError;
}

/**
 * Whether a statement sent outside a transaction may be sent again after its connection was lost:
 * a plain read (SELECT, or WITH … SELECT) that writes nothing and calls no function with a side
 * effect. A write that may or may not have committed is never retried; its client gets the 503.
 */
export function isRetryableRead(text: string): boolean {
  const sql = text
    .replace(/--[^\n]*/g, ' ')
    .trimStart()
    .toLowerCase();
  if (!/^(select|with)\b/.test(sql)) return false;
  if (
    /\b(insert|update|delete|merge|nextval|setval|pg_notify|set_config|for\s+update|for\s+share)\b|advisory/.test(sql)
  )
    return false;
  // A function read from (`select … from place_hold(…)`) may write: only the known readers pass.
  for (const called of sql.matchAll(/\b(?:from|join)\s+(?:lateral\s+)?([a-z_][a-z0-9_]*)\s*\(/g))
    if (!READ_ONLY_FUNCTIONS.has(called[1]!)) return false;
  return true;
}

/**
 * Set-returning functions that only read, the ones the service selects from. Any other function
 * in a FROM (the schema's place_hold, place_holds, join_queue_batch, end_hold, …) makes a statement
 * a write: sent again after its connection was lost, it could do its work twice.
 */
const READ_ONLY_FUNCTIONS = new Set([
  'unnest',
  'generate_series',
  'jsonb_to_recordset',
  'jsonb_array_elements',
  'jsonb_array_elements_text',
  'json_to_recordset',
  'json_array_elements',
  'queue_supply',
  'access_pools',
]);
