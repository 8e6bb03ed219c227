/**
 * What other modules read of a drop's access rules, as exported functions on whatever connection or
 * transaction the caller holds (the planner reads them on its own connection in a worker thread,
 * where no access service exists). They never import the access repository.
 */
import type { Queryable } from '../../db/database';
import { accessRepository as repo } from './access.repository';

/** A tier's reserve of a SKU for one region's buyers, as the planner takes it. */
export interface RegionalReserveShare {
  tier: string;
  sku_id: string;
  region_id: string;
  share: number;
}

export const accessReaders = {
  /** The drop's tier reserves set aside for one region's buyers (the plan places them at its serving hub). */
  async regionalReservesOf(q: Queryable, dropId: string): Promise<RegionalReserveShare[]> {
    const rows = await repo.listRegionalReserves(q, dropId);
    return rows.map((r) => ({ tier: r.tier, sku_id: r.sku_id, region_id: r.scope, share: Number(r.share) }));
  },
};
