import type { Queryable } from '../../db/database';

/**
 * Reads of holds that other modules ask for by hold id or SKU (the queue's offers, access claims,
 * a drop's history): the delivery ledger owns `reservation_holds`, so they read it through here.
 */
export interface HoldLookupRow {
  id: string;
  hub_id: string;
  status: 'held' | 'confirmed' | 'released' | 'expired';
  created_at: Date;
  expires_at: Date;
  ended_at: Date | null;
}

export const holdLookupsRepository = {
  /** These holds (any that exist), in no particular order. */
  async holdsByIds(db: Queryable, holdIds: string[]): Promise<HoldLookupRow[]> {
    if (holdIds.length === 0) return [];
    return (
      await db.query<HoldLookupRow>(
        `select id, hub_id, status, created_at, expires_at, ended_at from reservation_holds
         where id = any($1::text[])`,
        [holdIds],
      )
    ).rows;
  },

  /** Which of these holds count at `now`: confirmed, or held and not past expiry. */
  async activeHoldIds(db: Queryable, holdIds: string[], now: Date): Promise<string[]> {
    if (holdIds.length === 0) return [];
    return (
      await db.query<{ id: string }>(
        `select id from reservation_holds
         where id = any($1::text[]) and ((status = 'held' and expires_at > $2) or status = 'confirmed')`,
        [holdIds, now],
      )
    ).rows.map((r) => r.id);
  },

  /** Units of the holds of these SKUs that ended (and of those, unclaimed), and confirmed units. */
  async endedHoldUnitsOfSkus(db: Queryable, skuIds: string[]) {
    return (
      await db.query<{ ended: number; unclaimed: number; confirmed: number }>(
        `select
           coalesce(sum(h.quantity) filter (where h.status in ('confirmed', 'released', 'expired')), 0)::int as ended,
           coalesce(sum(h.quantity) filter (where h.status in ('released', 'expired')), 0)::int as unclaimed,
           coalesce(sum(h.quantity) filter (where h.status = 'confirmed'), 0)::int as confirmed
         from reservation_holds h where h.sku_id = any($1::text[])`,
        [skuIds],
      )
    ).rows[0]!;
  },
};
