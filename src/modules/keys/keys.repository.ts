import type { Queryable } from '../../db/database';
import { afterKey, type PageRequest } from '../../http/pagination';
import type { Role } from '../../http/principal';

export interface ApiKeyRow {
  id: string;
  role: Role;
  creator_id: string | null;
  partner_id: string | null;
  /** the access tiers a storefront key may claim (null: every tier) */
  tiers: string[] | null;
  label: string;
  key_prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

const columns = 'id, role, creator_id, partner_id, tiers, label, key_prefix, created_at, revoked_at';

export const keysRepository = {
  async insertApiKey(
    db: Queryable,
    key: Omit<ApiKeyRow, 'created_at' | 'revoked_at'> & { key_hash: string },
  ): Promise<ApiKeyRow> {
    const { rows } = await db.query<ApiKeyRow>(
      `insert into api_keys (id, key_hash, key_prefix, role, creator_id, partner_id, tiers, label)
       values ($1, $2, $3, $4, $5, $6, $7, $8) returning ${columns}`,
      [key.id, key.key_hash, key.key_prefix, key.role, key.creator_id, key.partner_id, key.tiers, key.label],
    );
    return rows[0]!;
  },

  async findActiveKeyByHash(db: Queryable, keyHash: string): Promise<ApiKeyRow | undefined> {
    const { rows } = await db.query<ApiKeyRow>(
      `select ${columns} from api_keys where key_hash = $1 and revoked_at is null`,
      [keyHash],
    );
    return rows[0];
  },

  /** Oldest first; the page key is (created_at as text, id). */
  async listApiKeys(db: Queryable, page: PageRequest) {
    return (
      await db.query<ApiKeyRow & { page_created_at: string }>(
        `select ${columns}, created_at::text as page_created_at from api_keys
         where ($1::timestamptz is null or (created_at, id) > ($1::timestamptz, $2::text))
         order by created_at, id limit $3`,
        [...afterKey(page, 2), page.limit + 1],
      )
    ).rows;
  },

  async countActiveAdminKeys(db: Queryable): Promise<number> {
    const { rows } = await db.query<{ n: number }>(
      `select count(*)::int as n from api_keys where role = 'admin' and revoked_at is null`,
    );
    return rows[0]!.n;
  },

  async revokeApiKey(db: Queryable, id: string): Promise<ApiKeyRow | undefined> {
    const { rows } = await db.query<ApiKeyRow>(
      `update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1 returning ${columns}`,
      [id],
    );
    return rows[0];
  },
};
