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
  // Estimates' snapshot and pickup.
  /** Every SKU with its drop's creator, promise, opening and baseline paths (the estimates' snapshot). */
  skusWithDropPromise: (db: Queryable) => catalogRepository.listSkusWithDropPromise(db),
  /** Ids of a drop's SKUs. */
  skuIdsOf: (db: Queryable, dropId: string) => catalogRepository.listSkuIdsOfDrop(db, dropId),
  /** Which of these region ids exist. */
  existingRegionIds: (db: Queryable, regionIds: string[]) => catalogRepository.findExistingRegionIds(db, regionIds),
  regions: (db: Queryable) => catalogRepository.listRegions(db),
};
