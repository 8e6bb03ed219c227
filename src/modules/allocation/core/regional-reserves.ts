/**
 * Regional tier reserves placed where their buyers are (issue 16). A drop's access tier may set
 * aside a share of a SKU for one region's buyers; the reserve counts over the SKU's whole stock, so
 * it is only worth its name if the hub serving that region holds it: otherwise the region's holders
 * are granted units that ship from a slower hub. The plan therefore places, at each region's serving
 * hub, at least the units reserved for the region (all its tiers together), when stock and hub room
 * allow, and says where they fall short.
 *
 * A reserve is floor(share × the plan's units of the SKU), the figure the stored reserve takes once
 * the plan's units are at the hubs, and those units depend on the plan: the plan is solved, the
 * reserves it implies are set as floors at the serving hubs, and it is solved again, until the
 * floors hold (a few rounds: the floors grow only with the units they add).
 */
import { byId, prepareInstance } from './plan-instance';
import type { AllocationInput, AllocationPlan, RegionalReserve, ServingHubFloor } from './plan-types';
import { reservedUnits } from './tier-split';

/** At most this many re-solves with floors. */
const RESERVE_ROUNDS = 4;

/** Where a region's reserves are not all at its serving hub. */
export interface ReserveShortfall {
  skuId: string;
  hubId: string;
  /** units reserved for the regions the hub serves */
  reserved: number;
  /** units the plan places there */
  placed: number;
}

export async function placeRegionalReserves(
  input: AllocationInput,
  solve: (input: AllocationInput) => Promise<AllocationPlan>,
): Promise<AllocationPlan> {
  const reserves = (input.regionalReserves ?? []).filter((r) => r.share > 0);
  if (reserves.length === 0) return solve(input);
  const servingHub = servingHubByRegion(input);
  let plan = await solve(input);
  let floors: ServingHubFloor[] = [];
  let rounds = 0;
  for (; rounds < RESERVE_ROUNDS; rounds += 1) {
    const wanted = reserveFloors(plan, reserves);
    if (reserveShortfalls(plan, wanted, servingHub).length === 0) break;
    // Already solved with exactly these floors: stock or hub room is what falls short.
    if (JSON.stringify(wanted) === JSON.stringify(floors)) break;
    floors = wanted;
    plan = await solve({ ...input, servingHubFloors: floors });
  }
  const final = reserveFloors(plan, reserves);
  const reserved = final.reduce((sum, f) => sum + f.units, 0);
  const short = reserveShortfalls(plan, final, servingHub);
  plan.solver.notes.push(
    rounds === 0
      ? `regional tier reserves: the plan already holds their ${reserved} unit(s) at the hubs serving their regions`
      : `regional tier reserves: ${reserved} unit(s) placed at the hubs serving their regions (${rounds} re-solve(s) with those floors)`,
  );
  if (short.length > 0)
    plan.solver.notes.push(
      `regional tier reserves short where stock or hub room does not allow: ${short
        .map((s) => `${s.skuId} at ${s.hubId} ${s.placed} of ${s.reserved}`)
        .join(', ')}`,
    );
  return plan;
}

/** Per (SKU, region), the units its tiers reserve of the plan's units, sorted by SKU then region. */
export function reserveFloors(
  plan: Pick<AllocationPlan, 'allocations'>,
  reserves: readonly RegionalReserve[],
): ServingHubFloor[] {
  const unitsOfSku = new Map<string, number>();
  for (const a of plan.allocations) unitsOfSku.set(a.skuId, (unitsOfSku.get(a.skuId) ?? 0) + a.units);
  const floors = new Map<string, ServingHubFloor>();
  for (const r of reserves) {
    const units = reservedUnits(r.share, unitsOfSku.get(r.skuId) ?? 0);
    if (units <= 0) continue;
    const key = `${r.skuId}\u0000${r.regionId}`;
    const floor = floors.get(key) ?? { skuId: r.skuId, regionId: r.regionId, units: 0 };
    floor.units += units;
    floors.set(key, floor);
  }
  return [...floors.values()].sort((a, b) => byId(a.skuId, b.skuId) || byId(a.regionId, b.regionId));
}

/** Serving hubs that hold fewer units of a SKU than the regions they serve have reserved. */
export function reserveShortfalls(
  plan: Pick<AllocationPlan, 'allocations'>,
  floors: readonly ServingHubFloor[],
  servingHub: ReadonlyMap<string, string>,
): ReserveShortfall[] {
  const needed = new Map<string, ReserveShortfall>();
  for (const f of floors) {
    const hubId = servingHub.get(f.regionId);
    if (hubId === undefined) continue; // no hub reaches the region within the promise
    const key = `${f.skuId}\u0000${hubId}`;
    const entry = needed.get(key) ?? { skuId: f.skuId, hubId, reserved: 0, placed: 0 };
    entry.reserved += f.units;
    needed.set(key, entry);
  }
  for (const a of plan.allocations) {
    const entry = needed.get(`${a.skuId}\u0000${a.hubId}`);
    if (entry) entry.placed += a.units;
  }
  return [...needed.values()].filter((e) => e.placed < e.reserved);
}

/** Each region's serving hub: the first in lane order within the promise (the planner's own rule). */
function servingHubByRegion(input: AllocationInput): Map<string, string> {
  const prepared = prepareInstance({ ...input, demand: [] });
  const map = new Map<string, string>();
  for (const region of prepared.regions) {
    const first = region.candidates[0];
    if (first !== undefined) map.set(region.regionId, prepared.hubs[first]!.hubId);
  }
  return map;
}
