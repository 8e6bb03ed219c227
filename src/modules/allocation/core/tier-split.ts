/**
 * How a plan's stock splits by a drop's access tiers (issue 16). A reserve is a share of the SKU's
 * whole stock (migration 0020), so once the plan's units are at the hubs, a tier's reserve of a SKU
 * is floor(share × the plan's units of it). For a region's reserve, the units the plan places at that
 * region's serving hub are shown beside it: the planner puts them there when stock and room allow
 * (`placeRegionalReserves`), and this shows a creator that it did.
 */
import type { Schemas } from '../../../http/contract';

export interface TierShare {
  tier: string;
  skuId: string;
  /** null: drop-wide */
  regionId: string | null;
  share: number;
}

/**
 * The units a reserve of `share` holds of a SKU the plan places `planUnits` of: the stored
 * reserves' rounding (floor, in SQL); the epsilon keeps 0.3 × 10 at 3.
 */
export function reservedUnits(share: number, planUnits: number): number {
  return Math.floor(share * planUnits + 1e-9);
}

/** A tier's reserve of a SKU as the plan answers it (the contract's type). */
export type PlanTierReserve = Schemas['PlanTierReserve'];

export function planTierReserves(
  allocations: { sku_id: string; hub_id: string; units: number }[],
  regions: { region_id: string; sku_id: string; serving_hub_id: string | null }[],
  shares: TierShare[],
): PlanTierReserve[] {
  const unitsBySku = new Map<string, number>();
  const unitsAtHub = new Map<string, number>();
  for (const a of allocations) {
    unitsBySku.set(a.sku_id, (unitsBySku.get(a.sku_id) ?? 0) + a.units);
    unitsAtHub.set(`${a.hub_id}\u0000${a.sku_id}`, (unitsAtHub.get(`${a.hub_id}\u0000${a.sku_id}`) ?? 0) + a.units);
  }
  const servingHub = new Map(regions.map((r) => [`${r.region_id}\u0000${r.sku_id}`, r.serving_hub_id]));
  return shares.map((s) => {
    const planUnits = unitsBySku.get(s.skuId) ?? 0;
    const hub = s.regionId === null ? undefined : servingHub.get(`${s.regionId}\u0000${s.skuId}`);
    return {
      tier: s.tier,
      sku_id: s.skuId,
      region_id: s.regionId,
      share: s.share,
      plan_units: planUnits,
      reserved: reservedUnits(s.share, planUnits),
      units_at_serving_hub: s.regionId === null ? null : hub ? (unitsAtHub.get(`${hub}\u0000${s.skuId}`) ?? 0) : 0,
    };
  });
}
