/**
 * planAllocation: units of each SKU per hub before a drop opens, the supplier orders behind
 * them, and what every region can expect. Pure: no clock (now and opens_at are inputs), no I/O.
 *
 * Rules, decided once here:
 * - Supplier choice when the primary is late: only suppliers whose stock arrives before opening
 *   at their worst-case lead time (max(now, available date) + lead time max ≤ opens_at) are used.
 *   Among those, PRIORITY wins, not earliest arrival: units come from the feasible suppliers in
 *   sourcing order. A late primary is skipped (no late orders are planned); a fallback is also
 *   used when the primary's capacity is below the demand worth covering, paying the premium
 *   (unit cost − primary's unit cost) only when the marginal unit is still worth it.
 * - Min order size and multiple apply to a supplier's total for a SKU (one purchase order,
 *   split-shipped to hubs). A quantity that breaks them is rounded down or up, whichever gives
 *   the higher objective (ties: down).
 * - Serving hub of a region: hubs whose lane meets the promise at its worst case
 *   (handling + transit max ≤ promise), fastest first by (handling + transit max, handling +
 *   transit min, hub id in plain string order). The first is the serving hub; a stock-out falls
 *   through to the next (that list is the "lane order").
 * - Ties: SKUs and hubs are processed in id order (plain string order), so the plan does not
 *   depend on input order; equal marginal gains go to the lower SKU id, then the lower hub id.
 * - Fast allocator: each region's demand goes to its serving hub only (no pooling). When some
 *   region has several hubs within the promise, 'auto' uses the sample-average LP, which pools,
 *   and says so in `solver.notes`.
 */
import type { DemandDistribution } from './demand-distribution';
import {
  distributionMean,
  expectedSales,
  pooledPmf,
  survivalCapacity,
  survivalFromPmf,
  writeNegativeBinomialSurvival,
} from './demand-distribution';
import type {
  AllocationInput,
  AllocationPlan,
  AllocationPolicy,
  HubInput,
  RegionService,
  SkuIssue,
  SkuSupply,
  SupplierOption,
  SupplierOrder,
  UnservedRegion,
} from './plan-types';
import type { TransportProblem } from './transport-allocation';
import { pairGain, solveTransportAllocation } from './transport-allocation';
import { solveSampleAverageLp } from './sample-average-lp';

const DAY_MS = 86_400_000;

export function toEpochMs(value: string | number): number {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new RangeError(`not a date: ${String(value)}`);
  return ms;
}

/** Largest quantity ≤ limit that is ≥ min order and a multiple of the order multiple (0 if none). */
export function largestValidOrder(limit: number, minOrder: number, multiple: number): number {
  const m = Math.max(1, Math.floor(multiple));
  const q = Math.floor(Math.max(0, limit) / m) * m;
  return q >= Math.max(1, minOrder) ? q : 0;
}

/** Smallest valid quantity ≥ want (want > 0), or +∞ if above `limit`. */
export function smallestValidOrder(want: number, limit: number, minOrder: number, multiple: number): number {
  const m = Math.max(1, Math.floor(multiple));
  const q = Math.ceil(Math.max(want, minOrder, 1) / m) * m;
  return q <= limit ? q : Number.POSITIVE_INFINITY;
}

function isValidOrder(q: number, minOrder: number, multiple: number): boolean {
  const m = Math.max(1, Math.floor(multiple));
  return q === 0 || (q >= minOrder && q % m === 0);
}

/** p-quantile of transit days, taken as uniform over the integers min..max. */
export function transitQuantile(min: number, max: number, p: number): number {
  const lo = Math.min(min, max);
  const n = Math.floor(Math.max(min, max) - lo) + 1;
  return lo + Math.max(0, Math.ceil(p * n) - 1);
}

interface FeasibleSupplier {
  option: SupplierOption;
  isPrimary: boolean;
  maxUnits: number;
  premium: number;
  shipBy: number;
  arriveBy: number;
}

export interface PreparedSku {
  skuId: string;
  suppliers: FeasibleSupplier[];
  primaryLate: boolean;
  issue: SkuIssue | null;
}

export interface PreparedRegion {
  regionId: string;
  /** hub indices (into sorted hubs), fastest first */
  candidates: number[];
  /** lane of each candidate */
  lanes: { transitDaysMin: number; transitDaysMax: number }[];
}

/** Normalised instance shared by the fast allocator and the LP. */
export interface PreparedInstance {
  input: AllocationInput;
  skus: PreparedSku[];
  hubs: HubInput[];
  hubCapacity: Float64Array;
  regions: PreparedRegion[];
  regionIndex: Map<string, number>;
  /** demand entries by SKU index: region index and distribution */
  demandBySku: { region: number; demand: DemandDistribution; mean: number }[][];
  valuePerSale: number;
  costPerUnit: number;
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function prepareSku(sku: SkuSupply, now: number, opensAt: number): PreparedSku {
  const primary = sku.sourcing[0];
  if (primary === undefined)
    return {
      skuId: sku.skuId,
      suppliers: [],
      primaryLate: false,
      issue: { skuId: sku.skuId, reason: 'no-supplier', detail: 'the SKU has no sourcing' },
    };
  const suppliers: FeasibleSupplier[] = [];
  let primaryLate = false;
  sku.sourcing.forEach((option, index) => {
    const earliestShip = Math.max(now, toEpochMs(option.availableDate));
    const leadMax = Math.max(option.leadTimeDaysMin, option.leadTimeDaysMax);
    // Feasible only if shipping as soon as the stock is available arrives before opening, worst case.
    if (earliestShip + leadMax * DAY_MS > opensAt) {
      if (index === 0) primaryLate = true;
      return;
    }
    const maxUnits = largestValidOrder(
      Math.min(option.unitsAvailable, option.capacityUnits),
      option.minOrderQuantity,
      option.orderMultiple,
    );
    if (maxUnits <= 0) return;
    // The order's dates read as one promise: ship by the latest date that still makes the opening,
    // and it arrives by ship-by + the worst-case lead time (so arrive-by never precedes ship-by).
    const shipBy = opensAt - leadMax * DAY_MS;
    suppliers.push({
      option,
      isPrimary: index === 0,
      maxUnits,
      premium: option.unitCost - primary.unitCost,
      shipBy,
      arriveBy: shipBy + leadMax * DAY_MS,
    });
  });
  const issue: SkuIssue | null =
    suppliers.length === 0
      ? {
          skuId: sku.skuId,
          reason: 'no-supplier-before-opening',
          detail: 'no supplier can deliver a valid order before the drop opens',
        }
      : null;
  return { skuId: sku.skuId, suppliers, primaryLate, issue };
}

export function prepareInstance(input: AllocationInput): PreparedInstance {
  const now = toEpochMs(input.now);
  const opensAt = toEpochMs(input.opensAt);
  const skusSorted = [...input.skus].sort((a, b) => byId(a.skuId, b.skuId));
  const hubs = [...input.hubs].sort((a, b) => byId(a.hubId, b.hubId));
  const skus = skusSorted.map((s) => prepareSku(s, now, opensAt));
  const skuIndex = new Map(skus.map((s, i) => [s.skuId, i]));
  const hubCapacity = Float64Array.from(hubs, (h) => Math.max(0, Math.floor(h.capacityUnits)));

  const regionIndex = new Map<string, number>();
  const regions: PreparedRegion[] = [];
  const regionOf = (regionId: string): number => {
    let r = regionIndex.get(regionId);
    if (r === undefined) {
      r = regions.length;
      regionIndex.set(regionId, r);
      regions.push({ regionId, candidates: [], lanes: [] });
    }
    return r;
  };
  hubs.forEach((hub, h) => {
    for (const lane of hub.lanes) {
      const r = regionOf(lane.regionId);
      if (hub.handlingDays + lane.transitDaysMax > input.promiseBusinessDays) continue;
      if (regions[r].candidates.includes(h)) continue; // a duplicate lane: the first wins
      regions[r].candidates.push(h);
      regions[r].lanes.push({ transitDaysMin: lane.transitDaysMin, transitDaysMax: lane.transitDaysMax });
    }
  });
  for (const region of regions) {
    const order = region.candidates.map((_, i) => i);
    const worst = (i: number): number => hubs[region.candidates[i]].handlingDays + region.lanes[i].transitDaysMax;
    const best = (i: number): number => hubs[region.candidates[i]].handlingDays + region.lanes[i].transitDaysMin;
    // hubs are sorted by id, so the index breaks remaining ties by hub id
    order.sort((a, b) => worst(a) - worst(b) || best(a) - best(b) || region.candidates[a] - region.candidates[b]);
    region.candidates = order.map((i) => region.candidates[i]);
    region.lanes = order.map((i) => region.lanes[i]);
  }

  const demandBySku: PreparedInstance['demandBySku'] = skus.map(() => []);
  for (const entry of input.demand) {
    const s = skuIndex.get(entry.skuId);
    if (s === undefined) continue; // demand for an unknown SKU cannot be allocated
    demandBySku[s].push({
      region: regionOf(entry.regionId),
      demand: entry.demand,
      mean: distributionMean(entry.demand),
    });
  }
  for (const list of demandBySku) list.sort((a, b) => a.region - b.region);

  const e = input.economics;
  return {
    input,
    skus,
    hubs,
    hubCapacity,
    regions,
    regionIndex,
    demandBySku,
    valuePerSale: e.valuePerFastUnit + e.leftoverCostPerUnit,
    costPerUnit: e.leftoverCostPerUnit + e.holdingCostPerUnit,
  };
}

/** Regions with demand that have several hubs within the promise. */
export function countPooledRegions(prepared: PreparedInstance): number {
  const pooled = new Set<number>();
  for (const list of prepared.demandBySku)
    for (const d of list) if (prepared.regions[d.region].candidates.length > 1 && d.mean > 0) pooled.add(d.region);
  return pooled.size;
}

/** The fast allocator's model: one (SKU, hub) pair per serving hub with the pooled demand. */
export function buildTransportProblem(prepared: PreparedInstance): {
  problem: TransportProblem;
  pairMean: Float64Array;
  pairIndexOf: (s: number, h: number) => number;
} {
  const S = prepared.skus.length;
  const H = prepared.hubs.length;
  const pairSku: number[] = [];
  const pairHub: number[] = [];
  const pairSkuStart = new Int32Array(S + 1);
  const pairSurvivalStart: number[] = [];
  const pairSurvivalLength: number[] = [];
  const pairMean: number[] = [];
  let survivalSize = 0;
  const pairIndex = new Map<number, number>(); // key s·H + h
  const groups: DemandDistribution[][] = Array.from({ length: H }, () => []);
  const groupMean = new Float64Array(H);
  const nbMean = new Float64Array(H);
  const nbVariance = new Float64Array(H);
  const nbCount = new Int32Array(H);
  let buffer = new Float64Array(1 << 16);
  for (let s = 0; s < S; s += 1) {
    pairSkuStart[s] = pairSku.length;
    // Fast path: all of this SKU's demand negative binomial → pooled NB written straight into one
    // buffer (same maths as pooledPmf, without the intermediate pmfs).
    if (prepared.demandBySku[s].every((d) => d.demand.kind === 'negative-binomial')) {
      nbMean.fill(0);
      nbVariance.fill(0);
      nbCount.fill(0);
      let single = -1;
      for (const d of prepared.demandBySku[s]) {
        const serving = prepared.regions[d.region].candidates[0];
        if (serving === undefined || !(d.mean > 0) || d.demand.kind !== 'negative-binomial') continue;
        nbMean[serving] += d.mean;
        nbVariance[serving] += d.mean + Math.max(0, d.demand.dispersion) * d.mean * d.mean;
        nbCount[serving] += 1;
        single = d.demand.dispersion;
      }
      for (let h = 0; h < H; h += 1) {
        if (nbCount[h] === 0) continue;
        const mean = nbMean[h];
        const dispersion = nbCount[h] === 1 ? single : Math.max(0, (nbVariance[h] - mean) / (mean * mean));
        const need = survivalSize + survivalCapacity(mean, dispersion);
        if (need > buffer.length) {
          const grown = new Float64Array(Math.max(need, buffer.length * 2));
          grown.set(buffer.subarray(0, survivalSize));
          buffer = grown;
        }
        const length = writeNegativeBinomialSurvival(mean, dispersion, buffer, survivalSize);
        pairIndex.set(s * H + h, pairSku.length);
        pairSku.push(s);
        pairHub.push(h);
        pairMean.push(mean);
        pairSurvivalStart.push(survivalSize);
        pairSurvivalLength.push(length);
        survivalSize += length;
      }
      continue;
    }
    for (let h = 0; h < H; h += 1) {
      groups[h].length = 0;
      groupMean[h] = 0;
    }
    for (const d of prepared.demandBySku[s]) {
      const serving = prepared.regions[d.region].candidates[0];
      if (serving === undefined || !(d.mean > 0)) continue;
      groups[serving].push(d.demand);
      groupMean[serving] += d.mean;
    }
    for (let h = 0; h < H; h += 1) {
      if (groups[h].length === 0) continue;
      const table = survivalFromPmf(pooledPmf(groups[h]));
      if (survivalSize + table.length > buffer.length) {
        const grown = new Float64Array(Math.max(survivalSize + table.length, buffer.length * 2));
        grown.set(buffer.subarray(0, survivalSize));
        buffer = grown;
      }
      buffer.set(table, survivalSize);
      pairIndex.set(s * H + h, pairSku.length);
      pairSku.push(s);
      pairHub.push(h);
      pairMean.push(groupMean[h]);
      pairSurvivalStart.push(survivalSize);
      pairSurvivalLength.push(table.length);
      survivalSize += table.length;
    }
  }
  pairSkuStart[S] = pairSku.length;
  const survival = buffer.slice(0, survivalSize);
  const stepStart = new Int32Array(S + 1);
  const stepEnd: number[] = [];
  const stepPremium: number[] = [];
  prepared.skus.forEach((sku, s) => {
    stepStart[s] = stepEnd.length;
    let cumulative = 0;
    for (const supplier of sku.suppliers) {
      cumulative += supplier.maxUnits;
      stepEnd.push(cumulative);
      stepPremium.push(supplier.premium);
    }
  });
  stepStart[S] = stepEnd.length;
  const problem: TransportProblem = {
    skuCount: S,
    hubCount: H,
    pairSku: Int32Array.from(pairSku),
    pairHub: Int32Array.from(pairHub),
    pairSkuStart,
    survival,
    pairSurvivalStart: Int32Array.from(pairSurvivalStart),
    pairSurvivalLength: Int32Array.from(pairSurvivalLength),
    valuePerSale: prepared.valuePerSale,
    costPerUnit: prepared.costPerUnit,
    hubCapacity: prepared.hubCapacity,
    stepStart,
    stepEnd: Float64Array.from(stepEnd),
    stepPremium: Float64Array.from(stepPremium),
  };
  return { problem, pairMean: Float64Array.from(pairMean), pairIndexOf: (s, h) => pairIndex.get(s * H + h) ?? -1 };
}

/**
 * Enforce min order size and multiple per supplier (in priority order) on the fast allocator's
 * units, rounding each supplier's share down or up by the better objective. Returns the
 * quantity per feasible supplier of each SKU.
 */
function applyOrderRules(
  prepared: PreparedInstance,
  problem: TransportProblem,
  units: Int32Array,
): { quantities: number[][]; adjusted: boolean } {
  let adjusted = false;
  const hubLoad = new Float64Array(problem.hubCount);
  for (let p = 0; p < units.length; p += 1) hubLoad[problem.pairHub[p]] += units[p];
  const quantities = prepared.skus.map((sku, s) => {
    const first = problem.pairSkuStart[s];
    const last = problem.pairSkuStart[s + 1];
    let remaining = 0;
    for (let p = first; p < last; p += 1) remaining += units[p];
    return sku.suppliers.map((supplier) => {
      const want = Math.min(remaining, supplier.maxUnits);
      remaining -= want;
      const { minOrderQuantity: moq, orderMultiple: multiple } = supplier.option;
      if (isValidOrder(want, moq, multiple)) return want;
      adjusted = true;
      const down = largestValidOrder(want, moq, multiple);
      const up = smallestValidOrder(want, supplier.maxUnits, moq, multiple);
      // Value of removing (want − down) units: the cheapest last units, each saving its premium.
      const removed: number[] = [];
      let downValue = 0;
      for (let k = want; k > down; k -= 1) {
        let worst = -1;
        for (let p = first; p < last; p += 1)
          if (units[p] > 0 && (worst < 0 || pairGain(problem, p, units[p]) < pairGain(problem, worst, units[worst])))
            worst = p;
        if (worst < 0) break;
        downValue -= pairGain(problem, worst, units[worst]) - supplier.premium;
        units[worst] -= 1;
        removed.push(worst);
      }
      for (const p of removed) units[p] += 1; // undo, decide below
      let upValue = Number.NEGATIVE_INFINITY;
      const added: number[] = [];
      if (Number.isFinite(up)) {
        upValue = 0;
        for (let k = want; k < up; k += 1) {
          let best = -1;
          for (let p = first; p < last; p += 1) {
            if (hubLoad[problem.pairHub[p]] >= problem.hubCapacity[problem.pairHub[p]]) continue;
            if (best < 0 || pairGain(problem, p, units[p] + 1) > pairGain(problem, best, units[best] + 1)) best = p;
          }
          if (best < 0) {
            upValue = Number.NEGATIVE_INFINITY;
            break;
          }
          upValue += pairGain(problem, best, units[best] + 1) - supplier.premium;
          units[best] += 1;
          hubLoad[problem.pairHub[best]] += 1;
          added.push(best);
        }
      }
      if (upValue > downValue) return up;
      for (const p of added) {
        units[p] -= 1;
        hubLoad[problem.pairHub[p]] -= 1;
      }
      for (const p of removed) {
        units[p] -= 1;
        hubLoad[problem.pairHub[p]] -= 1;
      }
      return down;
    });
  });
  return { quantities, adjusted };
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

/** Split each SKU's supplier quantities over its hubs (hubs in id order, suppliers in priority order). */
export function buildSupplierOrders(
  prepared: PreparedInstance,
  unitsBySkuHub: (s: number, h: number) => number,
  quantities: number[][],
): SupplierOrder[] {
  const orders: SupplierOrder[] = [];
  prepared.skus.forEach((sku, s) => {
    const hubRemaining = prepared.hubs.map((_, h) => unitsBySkuHub(s, h));
    let hub = 0;
    sku.suppliers.forEach((supplier, f) => {
      const quantity = quantities[s][f] ?? 0;
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
      let left = quantity;
      while (left > 0 && hub < hubRemaining.length) {
        const take = Math.min(left, hubRemaining[hub]);
        if (take > 0) {
          order.lines.push({
            supplierId: supplier.option.supplierId,
            supplierKind: supplier.option.kind,
            skuId: sku.skuId,
            quantity: take,
            destinationHubId: prepared.hubs[hub].hubId,
            shipBy: isoDate(supplier.shipBy),
            arriveBy: isoDate(supplier.arriveBy),
            isFallback,
            premium: take * supplier.premium,
          });
          hubRemaining[hub] -= take;
          left -= take;
        }
        if (hubRemaining[hub] === 0) hub += 1;
      }
      orders.push(order);
    });
  });
  return orders;
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
  const candidateIds = prepared.regions.map((r) => r.candidates.map((h) => prepared.hubs[h].hubId));
  prepared.demandBySku.forEach((list, s) => {
    const skuId = prepared.skus[s].skuId;
    list.forEach((d, i) => {
      const region = prepared.regions[d.region];
      const baseline = prepared.input.baselineDaysByRegion[region.regionId];
      const baselineDays = baseline === undefined ? null : baseline;
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
      const handling = prepared.hubs[serving].handlingDays;
      const p50 = handling + transitQuantile(region.lanes[0].transitDaysMin, region.lanes[0].transitDaysMax, 0.5);
      const p90 = handling + transitQuantile(region.lanes[0].transitDaysMin, region.lanes[0].transitDaysMax, 0.9);
      rows.push({
        regionId: region.regionId,
        skuId,
        servingHubId: prepared.hubs[serving].hubId,
        candidateHubIds: candidateIds[d.region],
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
    const reachable = prepared.demandBySku[s].some(
      (d) => d.mean > 0 && prepared.regions[d.region].candidates.length > 0,
    );
    if (!reachable && prepared.demandBySku[s].some((d) => d.mean > 0)) {
      issues.push({
        skuId: sku.skuId,
        reason: 'no-demand-within-promise',
        detail: 'no region with demand for this SKU is reached by a hub within the promise',
      });
    }
  });
  return issues;
}

/** The fast allocator: synchronous, no LP. */
export function planAllocationFast(input: AllocationInput, policy: AllocationPolicy = {}): AllocationPlan {
  const prepared = prepareInstance(input);
  const { problem, pairMean, pairIndexOf } = buildTransportProblem(prepared);
  const solution = solveTransportAllocation(
    problem,
    policy.maxRepairIterations ?? 20_000,
    policy.maxRepairWork ?? 5_000_000,
  );
  const units = solution.units;
  const { quantities, adjusted } = applyOrderRules(prepared, problem, units);

  const allocations: AllocationPlan['allocations'] = [];
  const leftoverByHub: Record<string, number> = {};
  for (const hub of prepared.hubs) leftoverByHub[hub.hubId] = 0;
  const pairSales = new Float64Array(units.length);
  let delivered = 0;
  let placed = 0;
  let leftover = 0;
  for (let p = 0; p < units.length; p += 1) {
    const sales = expectedSales(
      problem.survival.subarray(
        problem.pairSurvivalStart[p],
        problem.pairSurvivalStart[p] + problem.pairSurvivalLength[p],
      ),
      units[p],
    );
    pairSales[p] = sales;
    delivered += sales;
    placed += units[p];
    leftover += units[p] - sales;
    if (units[p] > 0) {
      const hubId = prepared.hubs[problem.pairHub[p]].hubId;
      allocations.push({ skuId: prepared.skus[problem.pairSku[p]].skuId, hubId, units: units[p] });
      leftoverByHub[hubId] += units[p] - sales;
    }
  }
  let premium = 0;
  prepared.skus.forEach((sku, s) =>
    sku.suppliers.forEach((supplier, f) => (premium += supplier.premium * quantities[s][f])),
  );
  const unitsAt = (s: number, h: number): number => {
    const p = pairIndexOf(s, h);
    return p < 0 ? 0 : units[p];
  };
  const supplierOrders = buildSupplierOrders(prepared, unitsAt, quantities);
  const { regions, unservedRegions } = describeRegions(
    prepared,
    (s, i) => {
      const d = prepared.demandBySku[s][i];
      const p = pairIndexOf(s, prepared.regions[d.region].candidates[0] ?? -1);
      // A hub's regions share its fill rate: the region gets its share of the hub's expected sales.
      return p < 0 || pairMean[p] <= 0 ? 0 : (pairSales[p] * d.mean) / pairMean[p];
    },
    (s, region) => unitsAt(s, prepared.regions[region].candidates[0] ?? -1) > 0,
  );
  const pooledRegions = countPooledRegions(prepared);
  const e = input.economics;
  const cost = {
    fallbackPremium: premium,
    leftover: e.leftoverCostPerUnit * leftover,
    holding: e.holdingCostPerUnit * placed,
    total: 0,
  };
  cost.total = cost.fallbackPremium + cost.leftover + cost.holding;
  const expectedDemandUnits = totalDemand(prepared);
  const notes: string[] = [];
  if (pooledRegions > 0)
    notes.push(
      `${pooledRegions} region(s) have several hubs within the promise; the fast allocator serves each from its fastest hub only (no pooling)`,
    );
  if (solution.repaired) {
    notes.push(
      solution.optimal
        ? `both hub capacity and SKU stock bind: greedy then ${solution.repairIterations} negative-cycle cancellation round(s), certified optimal`
        : `both hub capacity and SKU stock bind: greedy then ${solution.repairIterations} cancellation round(s) within the work budget; gap is to a Lagrangian upper bound`,
    );
  }
  if (adjusted)
    notes.push('min order size / order multiple rounded some supplier quantities; optimality is then not claimed');
  return {
    allocations,
    supplierOrders,
    regions,
    unservedRegions,
    skuIssues: listSkuIssues(prepared),
    totals: {
      expectedDemandUnits,
      expectedUnitsWithinPromise: delivered,
      fillRateWithinPromise: expectedDemandUnits > 0 ? delivered / expectedDemandUnits : 0,
      expectedLeftoverByHub: leftoverByHub,
      unitsPlaced: placed,
      cost,
      objectiveValue: e.valuePerFastUnit * delivered - cost.total,
    },
    solver: {
      name: solution.repaired ? 'fast-greedy+cycle-canceling' : 'fast-greedy',
      // Rounding to order rules can move away from the optimum: then no claim either way.
      optimal: solution.optimal && !adjusted ? true : solution.optimal ? null : false,
      optimalityGap: adjusted ? null : solution.optimal ? 0 : relativeGap(solution.upperBound, solution.value),
      pooledRegions,
      notes,
    },
  };
}

function relativeGap(upperBound: number | null, value: number): number | null {
  if (upperBound === null) return null;
  return Math.max(0, upperBound - value) / Math.max(1e-12, Math.abs(upperBound));
}

export function totalDemand(prepared: PreparedInstance): number {
  let sum = 0;
  for (const list of prepared.demandBySku) for (const d of list) sum += d.mean;
  return sum;
}

/**
 * Plan with the solver the policy asks for. 'auto' uses the LP when a region with demand has
 * several hubs within the promise and the LP is small enough; otherwise the fast allocator.
 */
export async function planAllocation(input: AllocationInput, policy: AllocationPolicy = {}): Promise<AllocationPlan> {
  const solver = policy.solver ?? 'auto';
  if (solver === 'fast') return planAllocationFast(input, policy);
  if (solver === 'lp') return solveSampleAverageLp(prepareInstance(input), policy);
  const prepared = prepareInstance(input);
  const pooled = countPooledRegions(prepared);
  if (pooled > 0) {
    const cells = lpScenarioCells(prepared, policy);
    if (cells <= (policy.lpMaxScenarioCells ?? 200_000)) return solveSampleAverageLp(prepared, policy);
    const plan = planAllocationFast(input, policy);
    plan.solver.notes.push(
      `the LP would need ${cells} scenario cells (limit ${policy.lpMaxScenarioCells ?? 200_000}); fast allocator used instead`,
    );
    return plan;
  }
  return planAllocationFast(input, policy);
}

export function lpScenarioCells(prepared: PreparedInstance, policy: AllocationPolicy): number {
  const scenarios = policy.lpScenarioCount ?? 200;
  let triples = 0;
  for (const list of prepared.demandBySku)
    for (const d of list) triples += prepared.regions[d.region].candidates.length;
  return triples * scenarios;
}
