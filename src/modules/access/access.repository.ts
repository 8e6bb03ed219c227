import type { Queryable } from '../../db/database';

/** Access SQL (migration 0020): a drop's tiers, reserves and limits, account salts, hold claims. */
export interface AccessRow {
  per_drop_limit: number | null;
  updated_at: Date;
}
export interface AccessTierRow {
  name: string;
  position: number;
  starts_at: Date;
  ends_at: Date;
}
export interface AccessReserveRow {
  tier: string;
  sku_id: string;
  /** '' = drop-wide */
  scope: string;
  share: string;
}
export interface PoolRow {
  sku_id: string;
  tier: string;
  tier_position: number;
  scope: string;
  starts_at: Date;
  ends_at: Date;
  reserved: number;
  rolled_in: number;
  used: number;
  protected: number;
  rolled_over: number;
}
export type PlaceOutcome = 'held' | 'existing' | 'refused' | 'reserved' | 'sku_limit' | 'drop_limit';

export const accessRepository = {
  async findAccess(db: Queryable, dropId: string) {
    const access = (
      await db.query<AccessRow>('select per_drop_limit, updated_at from drop_access where drop_id = $1', [dropId])
    ).rows[0];
    if (!access) return undefined;
    // One after another: `db` may be a transaction's single connection.
    const tiers = await db.query<AccessTierRow>(
      'select name, position, starts_at, ends_at from drop_access_tiers where drop_id = $1 order by position',
      [dropId],
    );
    const reserves = await db.query<AccessReserveRow>(
      'select tier, sku_id, scope, share::text as share from drop_access_reserves where drop_id = $1 order by tier, sku_id, scope',
      [dropId],
    );
    const limits = await db.query<{ sku_id: string; per_account: number }>(
      'select sku_id, per_account from drop_access_sku_limits where drop_id = $1 order by sku_id',
      [dropId],
    );
    return { access, tiers: tiers.rows, reserves: reserves.rows, skuLimits: limits.rows };
  },

  /** Replaces a drop's access rules (call inside one transaction). */
  async replaceAccess(
    tx: Queryable,
    dropId: string,
    rules: {
      perDropLimit: number | null;
      tiers: { name: string; startsAt: Date; endsAt: Date }[];
      reserves: { tier: string; skuId: string; scope: string; share: number }[];
      skuLimits: { skuId: string; perAccount: number }[];
      now: Date;
    },
  ) {
    await tx.query('delete from drop_access where drop_id = $1', [dropId]);
    await tx.query('insert into drop_access (drop_id, per_drop_limit, updated_at) values ($1, $2, $3)', [
      dropId,
      rules.perDropLimit,
      rules.now,
    ]);
    for (const [position, tier] of rules.tiers.entries())
      await tx.query(
        'insert into drop_access_tiers (drop_id, position, name, starts_at, ends_at) values ($1, $2, $3, $4, $5)',
        [dropId, position, tier.name, tier.startsAt, tier.endsAt],
      );
    for (const r of rules.reserves)
      await tx.query(
        'insert into drop_access_reserves (drop_id, tier, sku_id, scope, share) values ($1, $2, $3, $4, $5)',
        [dropId, r.tier, r.skuId, r.scope, r.share],
      );
    for (const l of rules.skuLimits)
      await tx.query('insert into drop_access_sku_limits (drop_id, sku_id, per_account) values ($1, $2, $3)', [
        dropId,
        l.skuId,
        l.perAccount,
      ]);
  },

  /**
   * The drop's account salt: the stored one, or `candidate` stored now. Never changes once stored.
   * Two statements: when a concurrent request stores the salt first, the insert waits for it and
   * does nothing, and only a later statement's snapshot sees the row it committed.
   */
  async ensureSalt(db: Queryable, dropId: string, candidate: string): Promise<string> {
    const inserted = await db.query<{ salt: string }>(
      'insert into drop_account_salts (drop_id, salt) values ($1, $2) on conflict (drop_id) do nothing returning salt',
      [dropId, candidate],
    );
    if (inserted.rows[0]) return inserted.rows[0].salt;
    const { rows } = await db.query<{ salt: string }>('select salt from drop_account_salts where drop_id = $1', [
      dropId,
    ]);
    return rows[0]!.salt;
  },

  /**
   * A hold with its access step, one statement (function place_hold_with_access): the access check
   * under the SKU's and the account's locks, place_hold at each hub in order, then the claim.
   */
  async placeHoldWithAccess(
    db: Queryable,
    hold: {
      id: string;
      hubIds: string[];
      skuId: string;
      regionId: string;
      quantity: number;
      creatorId: string;
      now: Date;
      expiresAt: Date;
      asyncCommit: boolean;
      dropId: string;
      tier: string | null;
      accountHash: string | null;
    },
  ) {
    return (
      await db.query<{
        outcome: PlaceOutcome;
        hub_id: string | null;
        available: number | null;
        used: number | null;
        account_limit: number | null;
      }>(
        `select outcome, hub_id, available, used, account_limit
         from place_hold_with_access($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          hold.id,
          hold.hubIds,
          hold.skuId,
          hold.regionId,
          hold.quantity,
          hold.creatorId,
          hold.now,
          hold.expiresAt,
          hold.asyncCommit,
          hold.dropId,
          hold.tier,
          hold.accountHash,
        ],
      )
    ).rows[0]!;
  },

  /** The reserves of these SKUs of a drop at `now` (function access_pools). */
  async listPools(db: Queryable, dropId: string, skuIds: string[], now: Date) {
    return (
      await db.query<PoolRow>(
        `select s.id as sku_id, p.* from unnest($2::text[]) as s(id), lateral access_pools($1, s.id, $3) p
         order by p.tier_position, s.id, p.scope`,
        [dropId, skuIds, now],
      )
    ).rows;
  },

  /**
   * An account's limits on a drop (per SKU, per drop; null: none) and the units its active and
   * confirmed holds count against each.
   */
  async accountUsage(db: Queryable, dropId: string, skuId: string, accountHash: string, now: Date) {
    return (
      await db.query<{ sku_limit: number | null; drop_limit: number | null; sku_used: number; drop_used: number }>(
        `select
           (select l.per_account from drop_access_sku_limits l where l.drop_id = $1 and l.sku_id = $2) as sku_limit,
           (select a.per_drop_limit from drop_access a where a.drop_id = $1) as drop_limit,
           coalesce(sum(c.quantity) filter (where c.sku_id = $2), 0)::int as sku_used,
           coalesce(sum(c.quantity), 0)::int as drop_used
         from hold_access_claims c join reservation_holds h on h.id = c.hold_id
         where c.drop_id = $1 and c.account_hash = $3
           and ((h.status = 'held' and h.expires_at > $4) or h.status = 'confirmed')`,
        [dropId, skuId, accountHash, now],
      )
    ).rows[0]!;
  },
};
