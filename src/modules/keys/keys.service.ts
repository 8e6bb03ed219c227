import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/database';
import { AppError, notFound } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import { pageOf, type Page, type PageRequest } from '../../http/pagination';
import { principalFromKey, type Principal } from '../../http/principal';
import { generateApiKey, hashApiKey } from './api-key-secrets';
import type { CatalogService } from '../catalog';
import { keysRepository, type ApiKeyRow } from './keys.repository';

type ApiKey = Schemas['ApiKey'];

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    role: row.role,
    creator_id: row.creator_id,
    partner_id: row.partner_id,
    tiers: row.tiers,
    label: row.label,
    key_prefix: row.key_prefix,
    created_at: row.created_at.toISOString(),
    revoked_at: row.revoked_at ? row.revoked_at.toISOString() : null,
  };
}

/** How long a resolved key is trusted without asking the database; revocations also clear it at once (NOTIFY mf_keys). */
const KEY_CACHE_TTL_MS = 30_000;

/** What keys asks the catalog: whether the creator or partner a key names exists. */
export type KeysCatalog = Pick<CatalogService, 'creatorExists' | 'partnerExists'>;

export function createKeysService(db: Database, deps: { catalog: KeysCatalog; now?: () => number }) {
  const { catalog, now = Date.now } = deps;
  // Presented key → principal with the time it was resolved. Keeps the hot paths (delivery
  // estimates) free of a database round trip, and of hashing, per request. Only process memory
  // holds the raw key (as the request did); unknown keys are not cached, so a new key works at once.
  const cache = new Map<string, { principal: Principal; at: number }>();
  return {
    /** Forget every cached key (called on NOTIFY mf_keys from any replica, and on local revoke). */
    clearCache() {
      cache.clear();
    },

    /**
     * Ask the database again about every cached key on its next use, but keep the entries: called
     * when the change feed reconnects (a revocation may have been missed meanwhile). Forgetting
     * them instead would leave storefronts with 503s if the database went away again before each
     * key was used once more.
     */
    revalidateCache() {
      for (const entry of cache.values()) entry.at = Number.NEGATIVE_INFINITY;
    },

    async createApiKey(input: Schemas['ApiKeyInput']): Promise<Schemas['ApiKeyCreated']> {
      return db.transaction(async (tx) => {
        if (input.creator_id) {
          if (!(await catalog.creatorExists(input.creator_id, tx)))
            throw new AppError('unprocessable', `creator '${input.creator_id}' does not exist`, {
              errors: [{ path: 'creator_id', message: 'unknown creator' }],
            });
        }
        if (input.partner_id) {
          if (!(await catalog.partnerExists(input.partner_id, tx)))
            throw new AppError('unprocessable', `partner '${input.partner_id}' does not exist`, {
              errors: [{ path: 'partner_id', message: 'unknown partner' }],
            });
        }
        const secret = generateApiKey(input.role);
        const row = await keysRepository.insertApiKey(tx, {
          id: `key_${randomUUID()}`,
          key_hash: secret.keyHash,
          key_prefix: secret.keyPrefix,
          role: input.role,
          creator_id: input.creator_id ?? null,
          partner_id: input.partner_id ?? null,
          tiers: input.tiers ? [...new Set(input.tiers)] : null,
          label: input.label ?? '',
        });
        return { ...toApiKey(row), key: secret.key };
      });
    },

    async listApiKeys(page: PageRequest): Promise<Page<ApiKey>> {
      const rows = await keysRepository.listApiKeys(db, page);
      return pageOf(rows, page, (r) => [r.page_created_at, r.id], toApiKey);
    },

    async revokeApiKey(id: string): Promise<ApiKey> {
      const row = await keysRepository.revokeApiKey(db, id);
      if (!row) throw notFound('API key', id);
      cache.clear();
      return toApiKey(row);
    },

    /**
     * The principal of a key this replica checked less than the cache's lifetime ago, without
     * waiting: the hot estimate route answers in the same tick. Undefined means "ask authenticate".
     */
    recentlyAuthenticated(presentedKey: string): Principal | undefined {
      const cached = cache.get(presentedKey);
      return cached && now() - cached.at < KEY_CACHE_TTL_MS ? cached.principal : undefined;
    },

    /** The principal behind a presented key, or undefined when unknown or revoked. */
    async authenticate(presentedKey: string): Promise<Principal | undefined> {
      const recent = this.recentlyAuthenticated(presentedKey);
      if (recent) return recent;
      const cached = cache.get(presentedKey);
      let row: ApiKeyRow | undefined;
      try {
        row = await keysRepository.findActiveKeyByHash(db, hashApiKey(presentedKey));
      } catch (error) {
        // The database is away: a key this replica already knew keeps working (estimates answer
        // from the in-memory snapshot meanwhile); a revocation is seen when the database is back.
        if (cached && error instanceof AppError && error.code === 'unavailable') return cached.principal;
        throw error;
      }
      if (!row) return undefined;
      const principal = principalFromKey(row);
      if (cache.size > 10_000) cache.clear();
      cache.set(presentedKey, { principal, at: now() });
      return principal;
    },

    /** On first start there is no admin key: make one so the operator can get in (printed once). */
    async ensureBootstrapAdminKey(): Promise<string | undefined> {
      if ((await keysRepository.countActiveAdminKeys(db)) > 0) return undefined;
      const created = await this.createApiKey({ role: 'admin', label: 'bootstrap admin (created on first start)' });
      return created.key;
    },
  };
}

export type KeysService = ReturnType<typeof createKeysService>;
