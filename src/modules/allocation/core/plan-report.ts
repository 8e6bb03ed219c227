/** From a solver's units to the plan's parts: supplier orders, region rows, SKU issues. Pure. */
import type { AllocationPlan, RegionCost, RegionService, SkuIssue, SupplierOrder, UnservedRegion } from './plan-types';
import { byId, totalDemand, transitQuantile, type PreparedInstance } from './plan-instance';
import { minCostFlow, type FlowArc } from './min-cost-flow';

function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Split each SKU's supplier quantities over its hubs, by inbound cost and arrival time:
 * - which supplier serves which hub: the least inbound freight in total (a transportation problem,
 *   min-cost flow); equal costs go to the supplier earlier in priority, then the lower hub id;
 * - when: a supplier's units come from its lots in date order (capacity by date: the earliest
 *   ready first, shared over its SKUs in SKU id order), so an order that spreads over days is
 *   delivered in parts, one line per hub and lot; the earliest lots go to the hubs holding most of
 *   the SKU (most sales at stake), then the lower hub id.
 */
export function buildSupplierOrders(
  prepared: PreparedInstance,
  unitsBySkuHub: (s: number, h: number) => number,
  quantities: number[][],
): SupplierOrder[] {
  const orders: SupplierOrder[] = [];
  // One date string per supplier and date, not per line (a large plan has 100,000s of lines).
  const dates = new Map<number, string>();
  const dateOf = (ms: number): string => {
    let text = dates.get(ms);
    if (text === undefined) dates.set(ms, (text = isoDate(ms)));
    return text;
  };
  const lotsLeft = new Map<string, number[]>();
  const H = prepared.hubs.length;
  prepared.skus.forEach((sku, s) => {
    const need: number[] = [];
    const hubs: number[] = [];
    for (let h = 0; h < H; h += 1) {
      const units = unitsBySkuHub(s, h);
      if (units > 0) {
        hubs.push(h);
        need.push(units);
      }
    }
    const split = splitByInboundCost(
      prepared,
      sku.suppliers.map((_, f) => quantities[s]![f] ?? 0),
      sku.suppliers.map((f) => f.option.inboundFreightPerUnitByHub),
      hubs,
      need,
    );
    sku.suppliers.forEach((supplier, f) => {
      const quantity = quantities[s]![f] ?? 0;
      if (quantity <= 0) return;
      const isFallback = !supplier.isPrimary;
      const order: SupplierOrder = {
        supplierId: supplier.option.supplierId,
        skuId: sku.skuId,
        quantity,
        isFallback,
        reason: !isFallback ? 'primary' : sku.primaryLate ? 'primary-late' : 'primary-short',
        lines: [],
      };
      const id = supplier.option.supplierId;
      const lots = prepared.supplierLots.get(id) ?? [];
      let left = lotsLeft.get(id);
      if (left === undefined) lotsLeft.set(id, (left = lots.map((lot) => lot.units)));
      // Hubs of this supplier in hub-id order; when it delivers in parts, the hubs holding most of
      // the SKU first (they get the earliest lots).
      const targets = hubs.map((h, i) => ({ h, units: split[f]![i]!, weight: need[i]! })).filter((t) => t.units > 0);
      if (lots.length > 1) targets.sort((a, b) => b.weight - a.weight || a.h - b.h);
      let lot = 0;
      for (const target of targets) {
        let want = target.units;
        while (want > 0) {
          while (lot < lots.length - 1 && !(left[lot]! > 0)) lot += 1;
          // The last lot takes any remainder (the solvers keep the total within the lots).
          const take = lot < lots.length - 1 ? Math.min(want, left[lot]!) : want;
          const dated = lots[lot] ?? { shipBy: supplier.shipBy, arriveBy: supplier.arriveBy };
          order.lines.push({
            supplierId: id,
            supplierKind: supplier.option.kind,
            skuId: sku.skuId,
            quantity: take,
            destinationHubId: prepared.hubs[target.h]!.hubId,
            shipBy: dateOf(dated.shipBy),
            arriveBy: dateOf(dated.arriveBy),
            isFallback,
            premium: take * supplier.premium,
          });
          if (lot < left.length) left[lot] -= take;
          want -= take;
        }
      }
      orders.push(order);
    });
  });
  return orders;
}

/**
 * Units of each supplier (quantity[f]) to each hub (need[i] at hubs[i]) at the least inbound
 * freight. Without freight (or one supplier) suppliers fill hubs in priority and hub order;
 * otherwise a min-cost flow, with a tie-break that keeps that order among equal costs.
 */
export function splitByInboundCost(
  prepared: PreparedInstance,
  quantity: readonly number[],
  freight: readonly (Record<string, number> | undefined)[],
  hubs: readonly number[],
  need: readonly number[],
): number[][] {
  const F = quantity.length;
  const split = quantity.map(() => new Array<number>(hubs.length).fill(0));
  const active = quantity.filter((q) => q > 0).length;
  const costOf = (f: number, i: number): number => Math.max(0, freight[f]?.[prepared.hubs[hubs[i]!]!.hubId] ?? 0);
  const costed = freight.some((byHub, f) => quantity[f]! > 0 && byHub !== undefined && Object.keys(byHub).length > 0);
  if (active <= 1 || !costed) {
    const left = [...need];
    let i = 0;
    for (let f = 0; f < F; f += 1) {
      let q = quantity[f]!;
      while (q > 0 && i < hubs.length) {
        const take = Math.min(q, left[i]!);
        split[f]![i] += take;
        left[i] -= take;
        q -= take;
        if (left[i] === 0) i += 1;
      }
    }
    return split;
  }
  const arcs: FlowArc[] = [];
  const arcOf: { f: number; i: number }[] = [];
  const scale = Math.max(1, ...need) * (F + 1) * (hubs.length + 1);
  for (let f = 0; f < F; f += 1) {
    if (!(quantity[f]! > 0)) continue;
    for (let i = 0; i < hubs.length; i += 1) {
      // tie-break far below any freight difference: priority order, then hub order
      arcs.push({
        from: f,
        to: F + i,
        capacity: quantity[f]!,
        cost: costOf(f, i) + (f * hubs.length + i) / (scale * 1e6),
      });
      arcOf.push({ f, i });
    }
  }
  const supplies = [...quantity.map((q) => Math.max(0, q)), ...need.map((n) => -n)];
  const flow = minCostFlow(F + hubs.length, arcs, supplies);
  flow.flows.forEach((units, k) => {
    if (units > 0) split[arcOf[k]!.f]![arcOf[k]!.i] += units;
  });
  return split;
}

/** Region rows and unserved regions, given per-(SKU, region) expected sales within the promise. */
export function describeRegions(
  prepared: PreparedInstance,
  salesOf: (s: number, demandIndex: number) => number,
  hasStock: (s: number, region: number) => boolean,
): { regions: RegionService[]; unservedRegions: UnservedRegion[] } {
  const rows: RegionService[] = [];
  const unserved = new Map<string, UnservedRegion>();
  const note = (regionId: string, reason: UnservedRegion['reason'], skuId: string, mean: number): void => {
    const key = `${reason}\u0000${regionId}`;
    let entry = unserved.get(key);
    if (entry === undefined) {
      entry = {
        regionId,
        reason,
        skuIds: [],
        expectedDemandUnits: 0,
        detail:
          reason === 'no-hub-within-promise'
            ? `no hub reaches the region within ${prepared.input.promiseBusinessDays} business days`
            : 'the hubs within the promise hold no stock of these SKUs',
      };
      unserved.set(key, entry);
    }
    entry.skuIds.push(skuId);
    entry.expectedDemandUnits += mean;
  };
  const candidateIds = prepared.regions.map((r) => r.candidates.map((h) => prepared.hubs[h]!.hubId));
  // Per region, once: its baseline and the serving hub's delivery days (500,000 rows on a large plan).
  const perRegion = prepared.regions.map((region) => {
    const baseline = prepared.input.baselineDaysByRegion[region.regionId];
    const serving = region.candidates[0];
    if (serving === undefined) return { baselineDays: baseline ?? null, p50: 0, p90: 0 };
    const handling = prepared.hubs[serving]!.handlingDays;
    const lane = region.lanes[0]!;
    return {
      baselineDays: baseline ?? null,
      p50: handling + transitQuantile(lane.transitDaysMin, lane.transitDaysMax, 0.5),
      p90: handling + transitQuantile(lane.transitDaysMin, lane.transitDaysMax, 0.9),
    };
  });
  prepared.demandBySku.forEach((list, s) => {
    const skuId = prepared.skus[s]!.skuId;
    list.forEach((d, i) => {
      const region = prepared.regions[d.region]!;
      const { baselineDays, p50, p90 } = perRegion[d.region]!;
      const serving = region.candidates[0];
      if (serving === undefined) {
        if (d.mean > 0) note(region.regionId, 'no-hub-within-promise', skuId, d.mean);
        rows.push({
          regionId: region.regionId,
          skuId,
          servingHubId: null,
          candidateHubIds: [],
          inStockProbability: 0,
          deliveryDaysP50: null,
          deliveryDaysP90: null,
          baselineDays,
          leadTimeDeltaDays: null,
          leadTimeDeltaDaysP90: null,
        });
        return;
      }
      if (d.mean > 0 && !hasStock(s, d.region)) note(region.regionId, 'no-stock', skuId, d.mean);
      rows.push({
        regionId: region.regionId,
        skuId,
        servingHubId: prepared.hubs[serving]!.hubId,
        candidateHubIds: candidateIds[d.region]!,
        inStockProbability: d.mean > 0 ? Math.min(1, salesOf(s, i) / d.mean) : 1,
        deliveryDaysP50: p50,
        deliveryDaysP90: p90,
        baselineDays,
        leadTimeDeltaDays: baselineDays === null ? null : baselineDays - p50,
        leadTimeDeltaDaysP90: baselineDays === null ? null : baselineDays - p90,
      });
    });
  });
  const unservedRegions = [...unserved.values()].sort(
    (a, b) => byId(a.regionId, b.regionId) || byId(a.reason, b.reason),
  );
  return { regions: rows, unservedRegions };
}

export function listSkuIssues(prepared: PreparedInstance): SkuIssue[] {
  const issues: SkuIssue[] = [];
  prepared.skus.forEach((sku, s) => {
    if (sku.issue) issues.push(sku.issue);
    const e = prepared.economics[s]!;
    if (e.valuePerFastUnit < 0)
      issues.push({
        skuId: sku.skuId,
        reason: 'value-below-cost',
        detail: `a unit delivered within the promise is worth ${e.valuePerFastUnit.toFixed(2)} (its value is below its cost): none is placed`,
      });
    const reachable = prepared.demandBySku[s]!.some(
      (d) => d.mean > 0 && prepared.regions[d.region]!.candidates.length > 0,
    );
    if (!reachable && prepared.demandBySku[s]!.some((d) => d.mean > 0)) {
      issues.push({
        skuId: sku.skuId,
        reason: 'no-demand-within-promise',
        detail: 'no region with demand for this SKU is reached by a hub within the promise',
      });
    }
  });
  return issues;
}

export function relativeGap(upperBound: number | null, value: number): number | null {
  if (upperBound === null) return null;
  return Math.max(0, upperBound - value) / Math.max(1e-12, Math.abs(upperBound));
}

/** Expected sales of SKU s from hub h to region r (a region index), with the lane's cost per unit. */
export type SalesLegs = (leg: (s: number, h: number, region: number, sold: number, laneCost: number) => void) => void;

/**
 * The totals of a plan from what it places and expects to sell, shared by every solver: value of
 * the units delivered within the promise, each cost (premium, leftover, holding, lane shipping,
 * inbound freight), the expected margin, and the cost per unit overall and per region (a region
 * carries its own shipping plus a share of the other costs in proportion to its expected units).
 */
export function planTotals(
  prepared: PreparedInstance,
  unitsAt: (s: number, h: number) => number,
  legs: SalesLegs,
  quantities: number[][],
  orders?: readonly SupplierOrder[],
): AllocationPlan['totals'] {
  const S = prepared.skus.length;
  const H = prepared.hubs.length;
  const soldAt = new Float64Array(S * H);
  const R = prepared.regions.length;
  const regionUnits = new Float64Array(R);
  const regionShipping = new Float64Array(R);
  let value = 0;
  let shipping = 0;
  legs((s, h, region, sold, laneCost) => {
    if (!(sold > 0)) return;
    soldAt[s * H + h] += sold;
    value += prepared.economics[s]!.valuePerFastUnit * sold;
    shipping += laneCost * sold;
    regionUnits[region] += sold;
    regionShipping[region] += laneCost * sold;
  });
  const leftoverByHub: Record<string, number> = {};
  for (const hub of prepared.hubs) leftoverByHub[hub.hubId] = 0;
  let placed = 0;
  let delivered = 0;
  let leftover = 0;
  let holding = 0;
  let inbound = 0;
  for (let s = 0; s < S; s += 1) {
    const e = prepared.economics[s]!;
    for (let h = 0; h < H; h += 1) {
      const units = unitsAt(s, h);
      const sold = soldAt[s * H + h]!;
      delivered += sold;
      if (units <= 0) continue;
      placed += units;
      leftover += e.leftoverCostPerUnit * (units - sold);
      holding += e.holdingCostPerUnit * units;
      inbound += prepared.inboundFreight[s * H + h]! * units;
      leftoverByHub[prepared.hubs[h]!.hubId] += units - sold;
    }
  }
  // When a SKU's suppliers charge different freight, the units pay the freight of the supplier the
  // orders route to each hub.
  if (prepared.supplierFreightDiffers && orders !== undefined) {
    const freightOf = new Map<string, Record<string, number> | undefined>();
    for (const sku of prepared.skus)
      for (const f of sku.suppliers) freightOf.set(f.option.supplierId, f.option.inboundFreightPerUnitByHub);
    inbound = 0;
    for (const order of orders)
      for (const line of order.lines)
        inbound += Math.max(0, freightOf.get(line.supplierId)?.[line.destinationHubId] ?? 0) * line.quantity;
  }
  let premium = 0;
  prepared.skus.forEach((sku, s) =>
    sku.suppliers.forEach((supplier, f) => (premium += supplier.premium * (quantities[s]![f] ?? 0))),
  );
  const total = premium + leftover + holding + shipping + inbound;
  const shared = total - shipping;
  const costByRegion: RegionCost[] = [];
  prepared.regions.forEach((region, r) => {
    const units = regionUnits[r]!;
    if (!(units > 1e-12)) return;
    const regionTotal = regionShipping[r]! + (delivered > 0 ? (shared * units) / delivered : 0);
    costByRegion.push({
      regionId: region.regionId,
      expectedUnits: units,
      shipping: regionShipping[r]!,
      total: regionTotal,
      costPerUnit: regionTotal / units,
    });
  });
  costByRegion.sort((a, b) => byId(a.regionId, b.regionId));
  const expectedDemandUnits = totalDemand(prepared);
  return {
    expectedDemandUnits,
    expectedUnitsWithinPromise: delivered,
    fillRateWithinPromise: expectedDemandUnits > 0 ? delivered / expectedDemandUnits : 0,
    expectedLeftoverByHub: leftoverByHub,
    unitsPlaced: placed,
    cost: { fallbackPremium: premium, leftover, holding, shipping, inbound, total },
    expectedValue: value,
    expectedCostPerUnit: delivered > 1e-12 ? total / delivered : null,
    costByRegion,
    objectiveValue: value - total,
  };
}
