import type { Queryable } from '../../db/database';

/** Idempotency-Key SQL: one row per (API key, idempotency key), migration 0009. */
export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface IdempotencyRow {
  request_hash: string | null;
  state: 'running' | 'done';
  locked_until: Date | null;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
  expires_at: Date;
}

export const idempotencyRepository = {
  /** Claims a fresh key for a request about to run; false when the key is already stored. */
  async insertRunning(
    db: Queryable,
    row: { apiKeyId: string; key: string; token: string; now: Date; lockedUntil: Date; expiresAt: Date },
  ): Promise<boolean> {
    const { rows } = await db.query(
      `insert into idempotency_keys (api_key_id, key, state, lease_token, locked_until, created_at, expires_at)
       values ($1, $2, 'running', $3, $4, $5, $6)
       on conflict (api_key_id, key) do nothing
       returning 1 as claimed`,
      [row.apiKeyId, row.key, row.token, row.lockedUntil, row.now, row.expiresAt],
    );
    return rows.length > 0;
  },

  /**
   * Takes over a stored key whose 24 h have passed, or whose running request stopped renewing its
   * lease (its process died): the conditional update lets exactly one of several retries win.
   */
  async takeOverStale(
    db: Queryable,
    row: { apiKeyId: string; key: string; token: string; now: Date; lockedUntil: Date; expiresAt: Date },
  ): Promise<boolean> {
    const { rows } = await db.query(
      `update idempotency_keys set state = 'running', request_hash = null, lease_token = $3, locked_until = $4,
         response_status = null, response_headers = null, response_body = null, created_at = $5, expires_at = $6
       where api_key_id = $1 and key = $2 and (expires_at <= $5 or (state = 'running' and locked_until <= $5))
       returning 1 as claimed`,
      [row.apiKeyId, row.key, row.token, row.lockedUntil, row.now, row.expiresAt],
    );
    return rows.length > 0;
  },

  async find(db: Queryable, apiKeyId: string, key: string) {
    return (
      await db.query<IdempotencyRow>(
        `select request_hash, state, locked_until, response_status, response_headers, response_body, expires_at
         from idempotency_keys where api_key_id = $1 and key = $2`,
        [apiKeyId, key],
      )
    ).rows[0];
  },

  async renewLease(db: Queryable, apiKeyId: string, key: string, token: string, lockedUntil: Date) {
    await db.query(
      `update idempotency_keys set locked_until = $4
       where api_key_id = $1 and key = $2 and lease_token = $3 and state = 'running'`,
      [apiKeyId, key, token, lockedUntil],
    );
  },

  /** Stores the first answer; only the claim's holder (its token) may. */
  async storeAnswer(
    db: Queryable,
    row: { apiKeyId: string; key: string; token: string; requestHash: string; answer: StoredAnswer },
  ) {
    await db.query(
      `update idempotency_keys set state = 'done', request_hash = $4, response_status = $5,
         response_headers = $6::jsonb, response_body = $7, locked_until = null
       where api_key_id = $1 and key = $2 and lease_token = $3 and state = 'running'`,
      [
        row.apiKeyId,
        row.key,
        row.token,
        row.requestHash,
        row.answer.status,
        JSON.stringify(row.answer.headers),
        row.answer.body,
      ],
    );
  },

  /** Forgets a claim whose request failed (5xx) or whose body was never read: a retry runs again. */
  async deleteClaim(db: Queryable, apiKeyId: string, key: string, token: string) {
    await db.query('delete from idempotency_keys where api_key_id = $1 and key = $2 and lease_token = $3', [
      apiKeyId,
      key,
      token,
    ]);
  },

  async deleteExpired(db: Queryable, now: Date): Promise<number> {
    return (await db.query('delete from idempotency_keys where expires_at <= $1', [now])).rowCount;
  },
};
