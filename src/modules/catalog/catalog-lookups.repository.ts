import type { Queryable } from '../../db/database';

/**
 * Catalog SQL that other modules need through the catalog's reader and service: bare ids to check
 * references against (in memory, loaded once per batch), which drops and hubs a tenant or a window
 * covers, and the row locks that serialise work hanging off catalog rows (plan and forecast
 * versions, shared hub and supplier capacity), the queue's restock outlook, the report job's work
 * list and the signal retention's closed drops. Apart from catalog.repository.ts, which serves the
 * catalog's own routes. One intent-named query per function, no business rules.
 */
export const catalogLookupsRepository = {
  /** Ids of a drop's SKUs, in id order. */
  async listSkuIdsOfDrop(db: Queryable, dropId: string): Promise<string[]> {
    const { rows } = await db.query<{ id: string }>('select id from skus where drop_id = $1 order by id', [dropId]);
    return rows.map((r) => r.id);
  },
  /** Ids of the SKUs of a creator's drops, or of every drop when creatorId is null. */
  async listSkuIdsOfCreator(db: Queryable, creatorId: string | null): Promise<string[]> {
    const { rows } = await db.query<{ id: string }>(
      'select s.id from skus s join drops d on d.id = s.drop_id where ($1::text is null or d.creator_id = $1)',
      [creatorId],
    );
    return rows.map((r) => r.id);
  },
  async listRegionIds(db: Queryable): Promise<string[]> {
    const { rows } = await db.query<{ id: string }>('select id from regions');
    return rows.map((r) => r.id);
  },
  /** Every postal prefix with its region (prefixes are stored normalised). */
  async listPostalPrefixes(db: Queryable): Promise<{ prefix: string; region_id: string }[]> {
    return (
      await db.query<{ prefix: string; region_id: string }>('select prefix, region_id from region_postal_prefixes')
    ).rows;
  },

  /** Ids of the hubs a partner operates, or of every hub when partnerId is null; by id. */
  async listHubIdsOperatedBy(db: Queryable, partnerId: string | null): Promise<string[]> {
    const { rows } = await db.query<{ id: string }>(
      'select id from hubs where ($1::text is null or operator_partner_id = $1) order by id',
      [partnerId],
    );
    return rows.map((r) => r.id);
  },
  /** The operator of each of these hubs (unknown ids left out); by hub id. */
  async listOperatorsOfHubs(db: Queryable, hubIds: string[]) {
    return (
      await db.query<{ id: string; operator_partner_id: string }>(
        'select id, operator_partner_id from hubs where id = any($1::text[]) order by id',
        [hubIds],
      )
    ).rows;
  },

  /** Ids of the drops other than `exceptDropId` whose window [opens_at, closes_at] overlaps (opensAt, closesAt); by id. */
  async listOtherDropIdsOverlapping(
    db: Queryable,
    exceptDropId: string,
    window: { opensAt: Date; closesAt: Date },
  ): Promise<string[]> {
    const { rows } = await db.query<{ id: string }>(
      'select id from drops where id <> $1 and opens_at < $3 and closes_at > $2 order by id',
      [exceptDropId, window.opensAt, window.closesAt],
    );
    return rows.map((r) => r.id);
  },
  /** Drops whose window contains `now` (or marked live), not closed; by id. */
  async listLiveDropIds(db: Queryable, now: Date): Promise<string[]> {
    const { rows } = await db.query<{ id: string }>(
      `select id from drops where status <> 'closed' and (status = 'live' or (opens_at <= $1 and closes_at > $1)) order by id`,
      [now],
    );
    return rows.map((r) => r.id);
  },
  /** Drops scheduled or live whose window has not closed by `now`; by opening, then id. */
  async listOpenDropIdsByOpening(db: Queryable, now: Date): Promise<string[]> {
    const { rows } = await db.query<{ id: string }>(
      `select id from drops where status in ('scheduled', 'live') and closes_at > $1 order by opens_at, id`,
      [now],
    );
    return rows.map((r) => r.id);
  },

  /**
   * Locks a drop's row until the transaction ends, against other lockers and edits of the drop,
   * but not against inserts that merely reference it (their foreign-key check takes `for key
   * share`): a plan's transaction does not hold up a pre-order import or a queue entry of its drop.
   */
  async lockDrop(tx: Queryable, dropId: string): Promise<void> {
    await tx.query('select id from drops where id = $1 for no key update', [dropId]);
  },
  /** Locks these hubs' rows until the transaction ends, in id order (no deadlock between two lockers). */
  async lockHubs(tx: Queryable, hubIds: string[]): Promise<void> {
    await tx.query('select id from hubs where id = any($1::text[]) order by id for update', [hubIds]);
  },
  /** Locks these suppliers' rows until the transaction ends, in id order. */
  async lockSuppliers(tx: Queryable, supplierIds: string[]): Promise<void> {
    await tx.query('select id from suppliers where id = any($1::text[]) order by id for update', [supplierIds]);
  },

  /** The SKU's fallback sources (priority > 0) with units: what a restock could bring, and how fast. */
  async fallbackRestock(db: Queryable, skuId: string) {
    const { rows } = await db.query<{ units: number; lead_min: number | null; lead_max: number | null }>(
      `select coalesce(sum(ss.units_available), 0)::int as units, min(su.lead_time_days_min)::int as lead_min,
         max(su.lead_time_days_max)::int as lead_max
       from sku_sourcing ss join suppliers su on su.id = ss.supplier_id
       where ss.sku_id = $1 and ss.priority > 0 and ss.units_available > 0`,
      [skuId],
    );
    return rows[0]!;
  },

  /**
   * Drops past their close at `now` and not drafts, by (closes_at, id), after the drop `afterId`
   * in that order (null: from the first), at most `limit`. The cursor is the drop's own stored
   * close (no timestamp round trip through the caller, which could lose its precision).
   */
  async dropsPastClose(db: Queryable, now: Date, afterId: string | null, limit: number): Promise<string[]> {
    return (
      await db.query<{ id: string }>(
        `select d.id from drops d
         where d.closes_at <= $1 and d.status <> 'draft'
           and ($2::text is null or (d.closes_at, d.id) > ((select a.closes_at from drops a where a.id = $2), $2::text))
         order by d.closes_at, d.id limit $3`,
        [now, afterId, limit],
      )
    ).rows.map((r) => r.id);
  },

  /** Which of these drops closed before `closedBefore`, in id order. */
  async dropsClosedBefore(db: Queryable, dropIds: string[], closedBefore: Date): Promise<string[]> {
    if (dropIds.length === 0) return [];
    return (
      await db.query<{ id: string }>(
        'select d.id from drops d where d.id = any($1::text[]) and d.closes_at < $2 order by d.id',
        [dropIds, closedBefore],
      )
    ).rows.map((r) => r.id);
  },
};
