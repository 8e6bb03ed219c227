/**
 * Catalog reads other modules ask for by intent, as exported functions (they never import the
 * catalog's repositories): on whatever connection or transaction the caller holds.
 */
import type { Queryable } from '../../db/database';
import { catalogLookupsRepository as repo } from './catalog-lookups.repository';

export const catalogLookups = {
  /** Units the SKU's fallback sources could restock, with their lead times (null: no such source). */
  fallbackRestock: (db: Queryable, skuId: string) => repo.fallbackRestock(db, skuId),
  /** The ids of the drop's SKUs, in id order. */
  skuIdsOfDrop: (db: Queryable, dropId: string) => repo.skuIdsOfDrop(db, dropId),
  /** Ids of drops past their close and not drafts, by (closes_at, id): one page after the drop `afterId`. */
  dropsPastClose: (db: Queryable, now: Date, afterId: string | null, limit: number) =>
    repo.dropsPastClose(db, now, afterId, limit),
  /** Which of these drops closed before `closedBefore`, in id order. */
  dropsClosedBefore: (db: Queryable, dropIds: string[], closedBefore: Date) =>
    repo.dropsClosedBefore(db, dropIds, closedBefore),
};
