import type { Queryable } from '../../db/database';

/** Pre-orders read by other modules by intent (the post-drop report's realised demand): no rules. */
export const preorderLookupsRepository = {
  /** Placed (not cancelled) pre-orders of the drop placed at or before `until`, by placed_at then id. */
  async placedUntil(db: Queryable, dropId: string, until: Date) {
    return (
      await db.query<{ sku_id: string; region_id: string; quantity: number; placed_at: Date }>(
        `select sku_id, region_id, quantity, placed_at from preorders
         where drop_id = $1 and status = 'placed' and placed_at <= $2 order by placed_at, id`,
        [dropId, until],
      )
    ).rows;
  },
};
