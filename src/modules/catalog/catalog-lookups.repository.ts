import type { Queryable } from '../../db/database';

/**
 * Catalog reads other modules ask for by intent (the queue's restock outlook, the report job's
 * work list, the signal retention's closed drops): one query each, no rules.
 */
export const catalogLookupsRepository = {
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

  /** The ids of the drop's SKUs, in id order. */
  async skuIdsOfDrop(db: Queryable, dropId: string): Promise<string[]> {
    return (await db.query<{ id: string }>('select id from skus where drop_id = $1 order by id', [dropId])).rows.map(
      (r) => r.id,
    );
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
