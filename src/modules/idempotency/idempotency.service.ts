import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/database';
import type { Clock } from '../../shared/clock';
import { idempotencyRepository as repo, type StoredAnswer } from './idempotency.repository';

/**
 * Safe retries: the first answer to a request carrying an Idempotency-Key, kept per API key for
 * 24 hours. A request claims its key before it runs (state `running`, under a lease its process
 * renews) and stores its answer when it has one; a retry then gets that answer instead of running
 * again. The HTTP side (hashing the request, capturing the answer) is src/http/idempotency.ts.
 */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** How long a running request's claim holds without renewal by default; a dead process frees it after this. */
export const DEFAULT_IDEMPOTENCY_LEASE_MS = 30_000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export type Claim =
  | { kind: 'claimed'; token: string }
  /** Another request with this key is running (its lease is live). */
  | { kind: 'running' }
  /** The key's first answer, and the hash of the request that got it. */
  | { kind: 'done'; requestHash: string; answer: StoredAnswer };

export function createIdempotencyService(db: Database, deps: { clock: Clock; leaseMs?: number }) {
  const { clock } = deps;
  /** the claim's lease; the HTTP side renews it every third of this while the request runs */
  const leaseMs = deps.leaseMs ?? DEFAULT_IDEMPOTENCY_LEASE_MS;
  const times = () => {
    const now = clock.now();
    return {
      now,
      lockedUntil: new Date(now.getTime() + leaseMs),
      expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
    };
  };

  return {
    leaseMs,
    /** Claims (apiKeyId, key) for a request about to run, or says why it may not run. */
    async claim(apiKeyId: string, key: string): Promise<Claim> {
      // Two rounds at most: a row seen stale in the first may be taken over by a concurrent retry.
      for (let round = 0; round < 2; round++) {
        const token = randomUUID();
        const t = times();
        if (await repo.insertRunning(db, { apiKeyId, key, token, ...t })) return { kind: 'claimed', token };
        const row = await repo.find(db, apiKeyId, key);
        if (!row) continue;
        const stale =
          row.expires_at.getTime() <= t.now.getTime() ||
          (row.state === 'running' && (row.locked_until?.getTime() ?? 0) <= t.now.getTime());
        if (stale) {
          if (await repo.takeOverStale(db, { apiKeyId, key, token, ...t })) return { kind: 'claimed', token };
          continue;
        }
        if (row.state === 'running') return { kind: 'running' };
        return {
          kind: 'done',
          requestHash: row.request_hash ?? '',
          answer: { status: row.response_status!, headers: row.response_headers ?? {}, body: row.response_body ?? '' },
        };
      }
      return { kind: 'running' };
    },

    async renew(apiKeyId: string, key: string, token: string) {
      await repo.renewLease(db, apiKeyId, key, token, times().lockedUntil);
    },

    async complete(apiKeyId: string, key: string, token: string, requestHash: string, answer: StoredAnswer) {
      await repo.storeAnswer(db, { apiKeyId, key, token, requestHash, answer });
    },

    async release(apiKeyId: string, key: string, token: string) {
      await repo.deleteClaim(db, apiKeyId, key, token);
    },

    /** Deletes keys past their 24 hours (a scheduled job); lookups already ignore them. */
    async purgeExpired(): Promise<number> {
      return repo.deleteExpired(db, clock.now());
    },
  };
}

export type IdempotencyService = ReturnType<typeof createIdempotencyService>;
