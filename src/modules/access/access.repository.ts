import type { Queryable } from '../../db/database';

/** Access SQL (migration 0020): a drop's tiers, reserves and limits, account salts, hold claims. */
export interface AccessRow {
  per_drop_limit: number | null;
  /** numeric, as text */
  abuse_threshold: string | null;
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
/** Signal counts of one account as SQL answers them (see core/abuse-score.ts for their meaning). */
export interface SignalCountRow {
  /** the hold id already has a claim (a retry): nothing to score */
  existing?: boolean;
  quick_cycles: number;
  many_regions: number;
  shared_device: number;
  shared_address: number;
  inhuman_velocity: number;
}
export interface FlaggedRow extends SignalCountRow {
  account_hash: string;
  holds: number;
}
export type FingerprintKind = 'device' | 'address';

/**
 * The holds an account made itself: its access claims, without the holds the fair queue made for
 * it (offers, ids `hold_q_…`, migration 0022: an offer is not the buyer's doing).
 */
const OWN_CLAIMS = `c.account_hash is not null and c.hold_id not like 'hold\\_q\\_%'`;

export type PlaceOutcome = 'held' | 'existing' | 'refused' | 'reserved' | 'sku_limit' | 'drop_limit';

export const accessRepository = {
  async findAccess(db: Queryable, dropId: string) {
    const access = (
      await db.query<AccessRow>(
        'select per_drop_limit, abuse_threshold::text as abuse_threshold, updated_at from drop_access where drop_id = $1',
        [dropId],
      )
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

  /** A drop's tier reserves for one region's buyers (drop-wide ones left out). */
  async listRegionalReserves(db: Queryable, dropId: string): Promise<AccessReserveRow[]> {
    const { rows } = await db.query<AccessReserveRow>(
      `select tier, sku_id, scope, share::text as share from drop_access_reserves
        where drop_id = $1 and scope <> '' order by tier, sku_id, scope`,
      [dropId],
    );
    return rows;
  },

  /** Replaces a drop's access rules (call inside one transaction). */
  async replaceAccess(
    tx: Queryable,
    dropId: string,
    rules: {
      perDropLimit: number | null;
      abuseThreshold: number | null;
      tiers: { name: string; startsAt: Date; endsAt: Date }[];
      reserves: { tier: string; skuId: string; scope: string; share: number }[];
      skuLimits: { skuId: string; perAccount: number }[];
      now: Date;
    },
  ) {
    await tx.query('delete from drop_access where drop_id = $1', [dropId]);
    await tx.query(
      'insert into drop_access (drop_id, per_drop_limit, abuse_threshold, updated_at) values ($1, $2, $3, $4)',
      [dropId, rules.perDropLimit, rules.abuseThreshold, rules.now],
    );
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
      /** recorded for the account, in the same statement, when a hub held */
      fingerprints?: { kind: FingerprintKind; fingerprint: string }[];
    },
  ) {
    const prints = hold.accountHash === null ? [] : (hold.fingerprints ?? []);
    return (
      await db.query<{
        outcome: PlaceOutcome;
        hub_id: string | null;
        available: number | null;
        used: number | null;
        account_limit: number | null;
      }>(
        prints.length === 0
          ? `select outcome, hub_id, available, used, account_limit
             from place_hold_with_access($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
          : // One statement: the fingerprints add no round trip under the SKU's lock.
            `with placed as materialized (
               select outcome, hub_id, available, used, account_limit
               from place_hold_with_access($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ), recorded as (
               insert into access_account_fingerprints (drop_id, kind, fingerprint, account_hash, first_seen_at)
               select $10, p.kind, p.fingerprint, $12, $7
               from unnest($13::text[], $14::text[]) as p(kind, fingerprint), placed
               where placed.outcome = 'held'
               on conflict do nothing
             )
             select * from placed`,
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
          ...(prints.length === 0 ? [] : [prints.map((p) => p.kind), prints.map((p) => p.fingerprint)]),
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
   * An account's limits on a drop (per SKU, per drop; null: none) and its access claims on the drop
   * (which of their holds still count is the delivery module's to answer).
   */
  async accountLimitsAndClaims(db: Queryable, dropId: string, skuId: string, accountHash: string) {
    return (
      await db.query<{
        sku_limit: number | null;
        drop_limit: number | null;
        claims: { hold_id: string; sku_id: string; quantity: number }[];
      }>(
        `select
           (select l.per_account from drop_access_sku_limits l where l.drop_id = $1 and l.sku_id = $2) as sku_limit,
           (select a.per_drop_limit from drop_access a where a.drop_id = $1) as drop_limit,
           coalesce((select json_agg(json_build_object('hold_id', c.hold_id, 'sku_id', c.sku_id, 'quantity', c.quantity))
             from hold_access_claims c where c.drop_id = $1 and c.account_hash = $3), '[]') as claims`,
        [dropId, skuId, accountHash],
      )
    ).rows[0]!;
  },

  /** Units each tier's claims on the drop hold, per claim (whether its hold still counts is the delivery module's). */
  async tierClaims(db: Queryable, dropId: string) {
    return (
      await db.query<{ hold_id: string; tier: string; quantity: number }>(
        'select c.hold_id, c.tier, c.quantity from hold_access_claims c where c.drop_id = $1 and c.tier is not null',
        [dropId],
      )
    ).rows;
  },

  /**
   * The account's signals as they would stand with one more hold (`holdId`, in `regionId`, with
   * these fingerprints) made at `now`, read after every lock they depend on is taken (function
   * locked_account_signals: the account's, its devices' and addresses'). In a transaction the
   * locks last until it ends. A retried hold id answers `existing`.
   */
  async lockAndReadSignals(
    q: Queryable,
    a: {
      dropId: string;
      accountHash: string;
      holdId: string;
      regionId: string;
      device: string | null;
      address: string | null;
      now: Date;
      quickCycleSeconds: number;
      velocityWindowSeconds: number;
    },
  ): Promise<SignalCountRow> {
    return (
      await q.query<SignalCountRow>(
        `select existing, quick_cycles, many_regions, shared_device, shared_address, inhuman_velocity
         from locked_account_signals($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          a.dropId,
          a.accountHash,
          a.holdId,
          a.regionId,
          a.device,
          a.address,
          a.now,
          a.quickCycleSeconds,
          a.velocityWindowSeconds,
        ],
      )
    ).rows[0]!;
  },

  /** Records that the account was seen with these fingerprints (the first sighting is kept). */
  async recordFingerprints(
    q: Queryable,
    dropId: string,
    accountHash: string,
    prints: { kind: FingerprintKind; fingerprint: string }[],
    now: Date,
  ) {
    for (const p of prints)
      await q.query(
        `insert into access_account_fingerprints (drop_id, kind, fingerprint, account_hash, first_seen_at)
         values ($1, $2, $3, $4, $5) on conflict do nothing`,
        [dropId, p.kind, p.fingerprint, accountHash, now],
      );
  },

  /** The hold ids of the accounts' own claims on the drop (not the queue's offers). */
  async ownClaimHoldIds(q: Queryable, dropId: string): Promise<string[]> {
    return (
      await q.query<{ hold_id: string }>(
        `select c.hold_id from hold_access_claims c where c.drop_id = $1 and ${OWN_CLAIMS}`,
        [dropId],
      )
    ).rows.map((r) => r.hold_id);
  },

  /**
   * Every account of the drop with its signals over the whole drop: its holds (not the queue's
   * offers; `holds` are those claims' holds as the delivery module answered them, a claim without
   * one is left out) and fingerprints. Velocity is the most holds made within any window of that
   * length.
   */
  async signalsOfDrop(
    q: Queryable,
    dropId: string,
    windows: { quickCycleSeconds: number; velocityWindowSeconds: number },
    holds: { id: string; status: string; created_at: Date; ended_at: Date | null }[],
  ): Promise<FlaggedRow[]> {
    return (
      await q.query<FlaggedRow>(
        `with holds as (
           select c.account_hash, c.region_id, h.status, h.created_at, h.ended_at
           from hold_access_claims c
           join unnest($4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[]) as h(id, status, created_at, ended_at)
             on h.id = c.hold_id
           where c.drop_id = $1 and ${OWN_CLAIMS}
         ), bursts as (
           select account_hash, count(*) over (partition by account_hash order by created_at
             range between $3::int * interval '1 second' preceding and current row) as n
           from holds
         ), sharing as (
           select f.account_hash, f.kind, (select count(*) from access_account_fingerprints g
             where g.drop_id = f.drop_id and g.kind = f.kind and g.fingerprint = f.fingerprint) as n
           from access_account_fingerprints f where f.drop_id = $1
         ), accounts as (
           select account_hash from holds
           union select account_hash from access_account_fingerprints where drop_id = $1
         )
         select a.account_hash,
           (select count(*) from holds h where h.account_hash = a.account_hash)::int as holds,
           (select count(*) from holds h where h.account_hash = a.account_hash and h.status = 'released'
              and h.ended_at <= h.created_at + $2::int * interval '1 second')::int as quick_cycles,
           (select count(distinct h.region_id) from holds h where h.account_hash = a.account_hash)::int as many_regions,
           coalesce((select max(s.n) from sharing s where s.account_hash = a.account_hash and s.kind = 'device'), 0)::int
             as shared_device,
           coalesce((select max(s.n) from sharing s where s.account_hash = a.account_hash and s.kind = 'address'), 0)::int
             as shared_address,
           coalesce((select max(b.n) from bursts b where b.account_hash = a.account_hash), 0)::int as inhuman_velocity
         from accounts a order by a.account_hash`,
        [
          dropId,
          windows.quickCycleSeconds,
          windows.velocityWindowSeconds,
          holds.map((h) => h.id),
          holds.map((h) => h.status),
          holds.map((h) => h.created_at.toISOString()),
          holds.map((h) => h.ended_at?.toISOString() ?? null),
        ],
      )
    ).rows;
  },

  /**
   * Drops with signal data: fingerprints, account hashes on access claims, or a salt (any hash
   * implies the drop's salt, so the salt finds every such drop). Which of them closed long enough
   * ago is the catalog's to answer.
   */
  async dropsWithSignalData(tx: Queryable): Promise<string[]> {
    return (
      await tx.query<{ drop_id: string }>(
        `select f.drop_id from access_account_fingerprints f
         union select c.drop_id from hold_access_claims c where c.account_hash is not null
         union select s.drop_id from drop_account_salts s`,
      )
    ).rows.map((r) => r.drop_id);
  },

  /**
   * Deletes the signal data of these drops: the fingerprints, the account hashes on access claims,
   * and the drop's salt (so no hash kept elsewhere can be linked to an account id again). Answers
   * the rows touched.
   */
  async purgeSignalsOf(tx: Queryable, dropIds: string[]): Promise<number> {
    let rows = 0;
    for (const sql of [
      'delete from access_account_fingerprints where drop_id = any($1::text[])',
      'update hold_access_claims set account_hash = null where drop_id = any($1::text[]) and account_hash is not null',
      'delete from drop_account_salts where drop_id = any($1::text[])',
    ])
      rows += (await tx.query(sql, [dropIds])).rowCount;
    return rows;
  },
};
