/**
 * What other modules read of pickup offers, as exported functions on whatever connection or
 * transaction the caller holds (the planner reads them on its own connection in a worker thread,
 * where no pickup service exists). They never import the pickup repository.
 */
import type { Queryable } from '../../db/database';
import { catalogReaders } from '../catalog';
import { pickupRepository as repo } from './pickup.repository';

/** The share of a region's demand that collects at a pickup hub, as the plan takes it. */
export interface PickupRoute {
  region_id: string;
  hub_id: string;
  share: number;
}

export const pickupReaders = {
  /**
   * Where each region's pickup share of a drop collects: the first hub offering it pickup in lane
   * order (handling + transit max, then handling + transit min, then hub id; a hub that lists the
   * region without a lane to it comes after those with one).
   */
  async routesOf(q: Queryable, dropId: string): Promise<PickupRoute[]> {
    const rows = await pickupHubsForShares(q, dropId);
    const best = new Map<string, (typeof rows)[number]>();
    const rank = (r: (typeof rows)[number]) =>
      r.transit_days_max === null
        ? [1, 0, 0]
        : [0, r.handling_days + r.transit_days_max, r.handling_days + (r.transit_days_min ?? 0)];
    for (const row of rows) {
      const current = best.get(row.region_id);
      if (!current) {
        best.set(row.region_id, row);
        continue;
      }
      const [a, b] = [rank(row), rank(current)];
      const cmp = a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]! || (row.hub_id < current.hub_id ? -1 : 1);
      if (cmp < 0) best.set(row.region_id, row);
    }
    return [...best.values()].map((r) => ({ region_id: r.region_id, hub_id: r.hub_id, share: r.share }));
  },
};

/** A hub that may take a region's pickup share, with its lane to the region (null: listed without a lane). */
interface ShareHub {
  region_id: string;
  share: number;
  hub_id: string;
  handling_days: number;
  transit_days_min: number | null;
  transit_days_max: number | null;
}

/**
 * For each region of the drop with a pickup share, the hubs offering it pickup (listing it, or
 * listing no region and reaching it by a lane) with the lane that ranks them, by region then hub.
 */
async function pickupHubsForShares(q: Queryable, dropId: string): Promise<ShareHub[]> {
  const rows = await repo.listPickupHubsForShares(q, dropId);
  if (rows.length === 0) return [];
  const hubs = new Map((await catalogReaders.hubs(q)).map((hub) => [hub.id, hub] as const));
  return rows.flatMap((row) => {
    const hub = hubs.get(row.hub_id);
    const lane = hub?.lanes.find((l) => l.region_id === row.region_id);
    if (!hub || (!row.listed && !lane)) return [];
    return [
      {
        region_id: row.region_id,
        share: row.share,
        hub_id: row.hub_id,
        handling_days: hub.handling_days,
        transit_days_min: lane?.transit_days_min ?? null,
        transit_days_max: lane?.transit_days_max ?? null,
      },
    ];
  });
}
