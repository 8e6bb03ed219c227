/**
 * Pickup demand in the plan: a share of a region's demand collects at a pickup hub, so that part is
 * served there and nowhere else. It becomes a region of its own, `<region>@pickup:<hub>`, reachable
 * only from the pickup hub over a lane of 0 transit days and no shipping cost; the rest of the
 * region's demand stays as it was. The planner itself is unchanged.
 *
 * Splitting a count by a share s is binomial thinning: a negative binomial NB(μ, α) thins to
 * NB(sμ, α) exactly (same α), a pmf thins term by term, and samples (one joint scenario per index)
 * split whole (s·x rounded, and the rest).
 */
import type { DemandDistribution } from './demand-distribution';
import type { AllocationInput, RegionDemand } from './plan-types';

export interface PickupDemandRoute {
  regionId: string;
  /** the hub where this region's collectors pick up */
  hubId: string;
  /** share 0–1 of the region's demand that collects there */
  share: number;
}

const PICKUP_REGION_MARK = '@pickup:';

/** The id of a region's pickup demand at a hub ('@' never occurs in a real region id). */
export const pickupRegionId = (regionId: string, hubId: string) => `${regionId}${PICKUP_REGION_MARK}${hubId}`;
export const isPickupRegionId = (regionId: string) => regionId.includes(PICKUP_REGION_MARK);

function thinPmf(probabilities: ArrayLike<number>, share: number): Float64Array {
  const out = new Float64Array(probabilities.length);
  for (let n = 0; n < probabilities.length; n++) {
    const p = probabilities[n]!;
    if (p === 0) continue;
    // Binomial(n, share) weights, built by the ratio recurrence.
    let w = Math.pow(1 - share, n);
    for (let k = 0; k <= n; k++) {
      out[k]! += p * w;
      if (k < n) w = (w * (n - k) * share) / ((k + 1) * (1 - share));
    }
  }
  return out;
}

/** The share s of a demand distribution (binomial thinning). */
export function thinDemand(demand: DemandDistribution, share: number): DemandDistribution {
  switch (demand.kind) {
    case 'negative-binomial':
      return { kind: 'negative-binomial', mean: demand.mean * share, dispersion: demand.dispersion };
    case 'samples':
      return { kind: 'samples', samples: Array.from(demand.samples, (x) => x * share) };
    case 'pmf':
      if (share >= 1) return demand;
      if (share <= 0) return { kind: 'pmf', probabilities: [1] };
      return { kind: 'pmf', probabilities: thinPmf(demand.probabilities, share) };
  }
}

/**
 * A region's demand split into what stays (1 − s) and what collects (s). Samples split whole: the
 * collectors' part is s·x rounded, the rest what remains, so each scenario's parts sum to it.
 */
export function splitDemand(demand: DemandDistribution, share: number): [DemandDistribution, DemandDistribution] {
  if (demand.kind !== 'samples') return [thinDemand(demand, 1 - share), thinDemand(demand, share)];
  const collected = Array.from(demand.samples, (x) => Math.round(x * share));
  return [
    { kind: 'samples', samples: Array.from(demand.samples, (x, i) => x - collected[i]!) },
    { kind: 'samples', samples: collected },
  ];
}

/**
 * The planner's input with each routed region's pickup share moved to a pickup region at its hub.
 * Routes with a share of 0, or to a hub the input does not have, change nothing.
 */
export function routePickupDemand(input: AllocationInput, routes: readonly PickupDemandRoute[]): AllocationInput {
  const hubIds = new Set(input.hubs.map((h) => h.hubId));
  const byRegion = new Map(
    routes.filter((r) => r.share > 0 && hubIds.has(r.hubId)).map((r) => [r.regionId, r] as const),
  );
  if (byRegion.size === 0) return input;
  const demand: RegionDemand[] = [];
  const pickupLanes = new Map<string, Set<string>>();
  for (const entry of input.demand) {
    const route = byRegion.get(entry.regionId);
    if (!route) {
      demand.push(entry);
      continue;
    }
    const share = Math.min(1, route.share);
    const pickupRegion = pickupRegionId(entry.regionId, route.hubId);
    const [stays, collects] = splitDemand(entry.demand, share);
    if (share < 1) demand.push({ ...entry, demand: stays });
    demand.push({ skuId: entry.skuId, regionId: pickupRegion, demand: collects });
    pickupLanes.set(route.hubId, (pickupLanes.get(route.hubId) ?? new Set()).add(pickupRegion));
  }
  const baselineDaysByRegion = { ...input.baselineDaysByRegion };
  for (const route of byRegion.values()) {
    const baseline = input.baselineDaysByRegion[route.regionId];
    if (baseline !== undefined) baselineDaysByRegion[pickupRegionId(route.regionId, route.hubId)] = baseline;
  }
  return {
    ...input,
    demand,
    baselineDaysByRegion,
    hubs: input.hubs.map((hub) => {
      const extra = pickupLanes.get(hub.hubId);
      if (!extra) return hub;
      return {
        ...hub,
        lanes: [
          ...hub.lanes,
          ...[...extra].map((regionId) => ({
            regionId,
            transitDaysMin: 0,
            transitDaysMax: 0,
            shippingCostPerUnit: 0,
            shippingCostPerShipment: 0,
          })),
        ],
      };
    }),
  };
}
