/**
 * What other modules read of the catalog, as exported functions: they never import the catalog's
 * repositories. On whatever connection or transaction the caller holds (the planner runs them on
 * its own connection in a worker thread, where no catalog service exists): records, bare ids to
 * check references against in memory, the drops and hubs a window or a tenant covers, and the
 * row locks that serialise work hanging off catalog rows.
 */
import type { Queryable } from '../../db/database';
import { catalogLookupsRepository as lookups } from './catalog-lookups.repository';
import { catalogRepository } from './catalog.repository';

export const catalogReaders = {
  // Records.
  /** A drop row, or undefined. */
  drop: (db: Queryable, dropId: string) => catalogRepository.findDrop(db, dropId),
  /** The drop's SKUs with their sourcing. */
  skusOf: (db: Queryable, dropId: string) => catalogRepository.listSkus(db, dropId),
  suppliers: (db: Queryable) => catalogRepository.listSuppliers(db),
  hubs: (db: Queryable) => catalogRepository.listHubs(db),
  hub: (db: Queryable, hubId: string) => catalogRepository.findHub(db, hubId),
  regions: (db: Queryable) => catalogRepository.listRegions(db),
  /** Every SKU with its drop's creator, promise, opening and baseline paths (the estimates' snapshot). */
  skusWithDropPromise: (db: Queryable) => catalogRepository.listSkusWithDropPromise(db),
  /** The drop a SKU belongs to and the drop's creator, or undefined. */
  skuDrop: (db: Queryable, skuId: string) => catalogRepository.findSkuDropCreator(db, skuId),
  /** Units the SKU's fallback sources could restock, with their lead times (null: no such source). */
  fallbackRestock: (db: Queryable, skuId: string) => lookups.fallbackRestock(db, skuId),

  // Ids, to check references against or to filter by.
  /** Ids of a drop's SKUs, in id order. */
  skuIdsOf: (db: Queryable, dropId: string) => lookups.listSkuIdsOfDrop(db, dropId),
  /** Ids of the SKUs of a creator's drops (every drop's when creatorId is null). */
  skuIdsOfCreator: async (q: Queryable, creatorId: string | null): Promise<ReadonlySet<string>> =>
    new Set(await lookups.listSkuIdsOfCreator(q, creatorId)),
  regionIds: async (q: Queryable): Promise<ReadonlySet<string>> => new Set(await lookups.listRegionIds(q)),
  /** Which of these region ids exist. */
  existingRegionIds: (db: Queryable, regionIds: string[]) => catalogRepository.findExistingRegionIds(db, regionIds),
  /** Every postal prefix with its region. */
  postalPrefixes: (q: Queryable) => lookups.listPostalPrefixes(q),
  /** Ids of the hubs with a lane to the region, fastest first (handling + transit max, then min, then hub id). */
  hubIdsServingRegion: (db: Queryable, regionId: string) => catalogRepository.listHubIdsServingRegion(db, regionId),
  /** Ids of the hubs a partner operates (every hub when partnerId is null), by id. */
  hubIdsOperatedBy: (q: Queryable, partnerId: string | null) => lookups.listHubIdsOperatedBy(q, partnerId),
  /** The operator of each of these hubs, by hub id. */
  operatorsOfHubs: (q: Queryable, hubIds: string[]) => lookups.listOperatorsOfHubs(q, hubIds),

  // Drops by window.
  /** Ids of the other drops whose window overlaps this one, by id. */
  otherDropIdsOverlapping: (q: Queryable, dropId: string, window: { opensAt: Date; closesAt: Date }) =>
    lookups.listOtherDropIdsOverlapping(q, dropId, window),
  /** Ids of the drops open at `now` (or marked live), not closed, by id. */
  liveDropIds: (q: Queryable, now: Date) => lookups.listLiveDropIds(q, now),
  /** Ids of the drops scheduled or live and not yet closed at `now`, by opening then id. */
  openDropIdsByOpening: (q: Queryable, now: Date) => lookups.listOpenDropIdsByOpening(q, now),
  /** Ids of drops past their close and not drafts, by (closes_at, id): one page after the drop `afterId`. */
  dropsPastClose: (db: Queryable, now: Date, afterId: string | null, limit: number) =>
    lookups.dropsPastClose(db, now, afterId, limit),
  /** Which of these drops closed before `closedBefore`, in id order. */
  dropsClosedBefore: (db: Queryable, dropIds: string[], closedBefore: Date) =>
    lookups.dropsClosedBefore(db, dropIds, closedBefore),

  // Row locks, for the rest of the caller's transaction.
  /** Serialises the versions of what hangs off one drop (plans, forecasts) and its publishes. */
  lockDrop: (tx: Queryable, dropId: string) => lookups.lockDrop(tx, dropId),
  /** Hubs' rows (their capacity is shared across drops). */
  lockHubs: (tx: Queryable, hubIds: string[]) => lookups.lockHubs(tx, hubIds),
  /** Suppliers' rows (their capacity is shared across drops). */
  lockSuppliers: (tx: Queryable, supplierIds: string[]) => lookups.lockSuppliers(tx, supplierIds),
};
