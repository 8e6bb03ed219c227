/**
 * What other modules read of the catalog, as exported functions: they never import the catalog's
 * repository. Reads only, on whatever connection or transaction the caller holds.
 */
import type { Queryable } from '../../db/database';
import { catalogRepository } from './catalog.repository';

export const catalogReaders = {
  /** A drop row, or undefined. */
  drop: (db: Queryable, dropId: string) => catalogRepository.findDrop(db, dropId),
  /** The drop's SKUs with their sourcing. */
  skusOf: (db: Queryable, dropId: string) => catalogRepository.listSkus(db, dropId),
  suppliers: (db: Queryable) => catalogRepository.listSuppliers(db),
  hubs: (db: Queryable) => catalogRepository.listHubs(db),
  hub: (db: Queryable, hubId: string) => catalogRepository.findHub(db, hubId),
  // Estimates' snapshot, pickup and returns.
  /** Every SKU with its drop's creator, promise, opening and baseline paths (the estimates' snapshot). */
  skusWithDropPromise: (db: Queryable) => catalogRepository.listSkusWithDropPromise(db),
  /** The drop a SKU belongs to and the drop's creator, or undefined. */
  skuDrop: (db: Queryable, skuId: string) => catalogRepository.findSkuDropCreator(db, skuId),
  /** Ids of a drop's SKUs. */
  skuIdsOf: (db: Queryable, dropId: string) => catalogRepository.listSkuIdsOfDrop(db, dropId),
  /** Ids of the hubs with a lane to the region, fastest first (handling + transit max, then min, then hub id). */
  hubIdsServingRegion: (db: Queryable, regionId: string) => catalogRepository.listHubIdsServingRegion(db, regionId),
  /** Which of these region ids exist. */
  existingRegionIds: (db: Queryable, regionIds: string[]) => catalogRepository.findExistingRegionIds(db, regionIds),
  regions: (db: Queryable) => catalogRepository.listRegions(db),
};
