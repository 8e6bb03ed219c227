/**
 * The normalised instance every solver shares: SKUs with the suppliers that can deliver before
 * opening (priority order), hubs in id order, regions with their hubs within the promise in lane
 * order, and demand by SKU. Pure.
 */
// Index reads end in `!` (type-only): indices are SKU, hub and region numbers of the instance, within its arrays.
import type { DemandDistribution } from './demand-distribution';
import { distributionMean } from './demand-distribution';
import type {
  AllocationEconomics,
  AllocationInput,
  CostShift,
  AllocationPolicy,
  HubInput,
  SkuIssue,
  SkuSupply,
  SupplierOption,
} from './plan-types';

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

export function isValidOrder(q: number, minOrder: number, multiple: number): boolean {
  const m = Math.max(1, Math.floor(multiple));
  return q === 0 || (q >= minOrder && q % m === 0);
}

/** p-quantile of transit days, taken as uniform over the integers min..max. */
export function transitQuantile(min: number, max: number, p: number): number {
  const lo = Math.min(min, max);
  const n = Math.floor(Math.max(min, max) - lo) + 1;
  return lo + Math.max(0, Math.ceil(p * n) - 1);
}

/** Units of a supplier that ship together and arrive by one date. */
export interface SupplyLot {
  shipBy: number;
  arriveBy: number;
  units: number;
}

interface FeasibleSupplier {
  option: SupplierOption;
  isPrimary: boolean;
  maxUnits: number;
  premium: number;
  shipBy: number;
  arriveBy: number;
}

/**
 * The lots of a supplier that arrive before opening: with capacity by date, one per date (ready
 * date, or now, or the available date, whichever is latest; arrival at the worst-case lead time);
 * without, one lot of unlimited units that ships at the latest date still in time.
 */
export function supplierLots(option: SupplierOption, now: number, opensAt: number): SupplyLot[] {
  const leadMax = Math.max(option.leadTimeDaysMin, option.leadTimeDaysMax);
  const earliest = Math.max(now, toEpochMs(option.availableDate));
  if (option.capacityByDate === undefined) {
    if (earliest + leadMax * DAY_MS > opensAt) return [];
    const shipBy = opensAt - leadMax * DAY_MS;
    return [{ shipBy, arriveBy: shipBy + leadMax * DAY_MS, units: Number.POSITIVE_INFINITY }];
  }
  const lots = new Map<number, number>();
  for (const batch of option.capacityByDate) {
    const ship = Math.max(earliest, toEpochMs(batch.date));
    if (ship + leadMax * DAY_MS > opensAt || !(batch.units > 0)) continue;
    lots.set(ship, (lots.get(ship) ?? 0) + Math.floor(batch.units));
  }
  return [...lots]
    .sort((a, b) => a[0] - b[0])
    .map(([ship, units]) => ({ shipBy: ship, arriveBy: ship + leadMax * DAY_MS, units }));
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
  /** shipping cost per unit of each candidate's lane, cost shifts applied */
  laneCosts: number[];
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
  /** units each supplier can provide over all its SKUs */
  supplierCapacity: Map<string, number>;
  /** per supplier, its lots that arrive before opening, earliest first (shared by its SKUs) */
  supplierLots: Map<string, SupplyLot[]>;
  /** per SKU index: its economics, a = c_fast + c_left (value of a sale) and b = c_left + holding (cost of a placed unit) */
  economics: AllocationEconomics[];
  valuePerSale: Float64Array;
  costPerUnit: Float64Array;
  /**
   * [s·H + h]: value of a sale of SKU s from hub h (valuePerSale less the demand-weighted mean
   * lane cost from h to the SKU's regions that list h within the promise)
   */
  hubSaleValue: Float64Array;
  /** [s·H + h]: cost of a unit of SKU s placed at hub h (costPerUnit plus inbound freight to h) */
  hubPlaceCost: Float64Array;
  /** inbound freight per unit of SKU s to hub h, [s·H + h] (from the SKU's first feasible supplier) */
  inboundFreight: Float64Array;
  /**
   * [s·H + h]: units of SKU s to place at hub h before anything else (regional tier reserves at
   * their serving hubs, `AllocationInput.servingHubFloors`); null when there are none
   */
  hubFloor: Int32Array | null;
  /** true when any lane cost or inbound freight is non-zero */
  hasCosts: boolean;
  /** true when some SKU has suppliers in time that charge different freight to some hub */
  supplierFreightDiffers: boolean;
  /** true when, per SKU, every lane within the promise of its regions with demand costs the same */
  uniformLaneCosts: boolean;
}

/**
 * Shipping cost per unit of a lane on the drop's window: per unit + per shipment (a drop's order
 * ships one unit), times the multipliers and plus the surcharges of the shifts that apply.
 */
export function effectiveLaneCost(
  lane: { regionId: string; shippingCostPerUnit?: number; shippingCostPerShipment?: number },
  hubId: string,
  shifts: readonly CostShift[],
  windowStart: number,
  windowEnd: number,
): number {
  let cost = (lane.shippingCostPerUnit ?? 0) + (lane.shippingCostPerShipment ?? 0);
  let surcharge = 0;
  for (const shift of shifts) {
    if (shift.regionId !== lane.regionId || (shift.hubId !== undefined && shift.hubId !== hubId)) continue;
    if (toEpochMs(shift.from) > windowEnd || toEpochMs(shift.to) < windowStart) continue;
    cost *= shift.multiplier ?? 1;
    surcharge += shift.surcharge ?? 0;
  }
  return Math.max(0, cost + surcharge);
}

export const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function prepareSku(sku: SkuSupply, now: number, opensAt: number, capacity: Map<string, number>): PreparedSku {
  const primary = sku.sourcing[0]!;
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
    const leadMax = Math.max(option.leadTimeDaysMin, option.leadTimeDaysMax);
    // Feasible only if shipping as soon as the stock is available arrives before opening, worst
    // case (with capacity by date: if some date's units do).
    if (supplierLots(option, now, opensAt).length === 0) {
      if (index === 0) primaryLate = true;
      return;
    }
    const maxUnits = largestValidOrder(
      Math.min(option.unitsAvailable, capacity.get(option.supplierId) ?? option.capacityUnits),
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
      premium: option.unitCost - primary.unitCost + (index === 0 ? 0 : (option.fallbackPremiumPerUnit ?? 0)),
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
  // A supplier's capacity is one resource over all its SKUs: the least any sourcing entry states,
  // and no more than the input says is left of it.
  const supplierCapacity = new Map<string, number>();
  // Capacity by date: only what arrives before opening counts (the first entry that states dates).
  const lotsBySupplier = new Map<string, SupplyLot[]>();
  for (const sku of skusSorted)
    for (const o of sku.sourcing) {
      if (lotsBySupplier.has(o.supplierId) && o.capacityByDate === undefined) continue;
      if (lotsBySupplier.get(o.supplierId)?.some((lot) => Number.isFinite(lot.units))) continue;
      lotsBySupplier.set(o.supplierId, supplierLots(o, now, opensAt));
    }
  const inTime = (id: string): number => {
    const lots = lotsBySupplier.get(id) ?? [];
    return lots.reduce((sum, lot) => sum + lot.units, 0);
  };
  for (const sku of skusSorted)
    for (const o of sku.sourcing)
      supplierCapacity.set(
        o.supplierId,
        Math.max(
          0,
          Math.min(
            supplierCapacity.get(o.supplierId) ?? Number.POSITIVE_INFINITY,
            o.capacityUnits,
            input.supplierCapacityUnits?.[o.supplierId] ?? Number.POSITIVE_INFINITY,
            o.capacityByDate === undefined ? Number.POSITIVE_INFINITY : inTime(o.supplierId),
          ),
        ),
      );
  const skus = skusSorted.map((s) => prepareSku(s, now, opensAt, supplierCapacity));
  const skuIndex = new Map(skus.map((s, i) => [s.skuId, i]));
  const hubCapacity = Float64Array.from(hubs, (h) => Math.max(0, Math.floor(h.capacityUnits)));

  const regionIndex = new Map<string, number>();
  const regions: PreparedRegion[] = [];
  const regionOf = (regionId: string): number => {
    let r = regionIndex.get(regionId);
    if (r === undefined) {
      r = regions.length;
      regionIndex.set(regionId, r);
      regions.push({ regionId, candidates: [], lanes: [], laneCosts: [] });
    }
    return r;
  };
  const shifts = input.costShifts ?? [];
  const windowEnd = input.closesAt === undefined ? opensAt : Math.max(opensAt, toEpochMs(input.closesAt));
  hubs.forEach((hub, h) => {
    for (const lane of hub.lanes) {
      const r = regionOf(lane.regionId);
      if (hub.handlingDays + lane.transitDaysMax > input.promiseBusinessDays) continue;
      if (regions[r]!.candidates.includes(h)) continue; // a duplicate lane: the first wins
      regions[r]!.candidates.push(h);
      regions[r]!.lanes.push({ transitDaysMin: lane.transitDaysMin, transitDaysMax: lane.transitDaysMax });
      regions[r]!.laneCosts.push(effectiveLaneCost(lane, hub.hubId, shifts, opensAt, windowEnd));
    }
  });
  for (const region of regions) {
    const order = region.candidates.map((_, i) => i);
    const worst = (i: number): number => hubs[region.candidates[i]!]!.handlingDays + region.lanes[i]!.transitDaysMax;
    const best = (i: number): number => hubs[region.candidates[i]!]!.handlingDays + region.lanes[i]!.transitDaysMin;
    // equally fast: the cheaper lane first; hubs are sorted by id, so the index breaks remaining ties by hub id
    order.sort(
      (a, b) =>
        worst(a) - worst(b) ||
        best(a) - best(b) ||
        region.laneCosts[a]! - region.laneCosts[b]! ||
        region.candidates[a]! - region.candidates[b]!,
    );
    region.candidates = order.map((i) => region.candidates[i]!);
    region.lanes = order.map((i) => region.lanes[i]!);
    region.laneCosts = order.map((i) => region.laneCosts[i]!);
  }

  const demandBySku: PreparedInstance['demandBySku'] = skus.map(() => []);
  for (const entry of input.demand) {
    const s = skuIndex.get(entry.skuId);
    if (s === undefined) continue; // demand for an unknown SKU cannot be allocated
    demandBySku[s]!.push({
      region: regionOf(entry.regionId),
      demand: entry.demand,
      mean: distributionMean(entry.demand),
    });
  }
  for (const list of demandBySku) list.sort((a, b) => a.region - b.region);

  const economics = skusSorted.map((s) => s.economics ?? input.economics);
  const valuePerSale = Float64Array.from(economics, (e) => e.valuePerFastUnit + e.leftoverCostPerUnit);
  const costPerUnit = Float64Array.from(economics, (e) => e.leftoverCostPerUnit + e.holdingCostPerUnit);
  const H = hubs.length;
  const S = skus.length;
  const inboundFreight = new Float64Array(S * H);
  const hubSaleValue = new Float64Array(S * H);
  const hubPlaceCost = new Float64Array(S * H);
  const weight = new Float64Array(H);
  const shipping = new Float64Array(H);
  let hasCosts = false;
  let uniformLaneCosts = true;
  let supplierFreightDiffers = false;
  for (let s = 0; s < S; s += 1) {
    const suppliers = skus[s]!.suppliers;
    const freight = input.inboundFreightBySkuHub?.[skus[s]!.skuId] ?? suppliers[0]?.option.inboundFreightPerUnitByHub;
    if (!supplierFreightDiffers && suppliers.length > 1)
      for (const f of suppliers.slice(1))
        for (const hub of hubs)
          if (
            (f.option.inboundFreightPerUnitByHub?.[hub.hubId] ?? 0) !==
            (suppliers[0]!.option.inboundFreightPerUnitByHub?.[hub.hubId] ?? 0)
          )
            supplierFreightDiffers = true;
    weight.fill(0);
    shipping.fill(0);
    let first = Number.NaN;
    for (const d of demandBySku[s]!) {
      if (!(d.mean > 0)) continue;
      const region = regions[d.region]!;
      region.candidates.forEach((h, c) => {
        const cost = region.laneCosts[c]!;
        weight[h] += d.mean;
        shipping[h] += d.mean * cost;
        if (Number.isNaN(first)) first = cost;
        else if (Math.abs(cost - first) > 1e-12) uniformLaneCosts = false;
      });
    }
    for (let h = 0; h < H; h += 1) {
      const inbound = Math.max(0, freight?.[hubs[h]!.hubId] ?? 0);
      const ship = weight[h]! > 0 ? shipping[h]! / weight[h]! : 0;
      if (inbound > 0 || ship > 0) hasCosts = true;
      inboundFreight[s * H + h] = inbound;
      hubSaleValue[s * H + h] = valuePerSale[s]! - ship;
      hubPlaceCost[s * H + h] = costPerUnit[s]! + inbound;
    }
  }
  return {
    input,
    skus,
    hubs,
    hubCapacity,
    regions,
    regionIndex,
    hubFloor: servingHubFloors(input, skuIndex, regionIndex, regions, H),
    demandBySku,
    supplierCapacity,
    supplierLots: lotsBySupplier,
    economics,
    valuePerSale,
    costPerUnit,
    hubSaleValue,
    hubPlaceCost,
    inboundFreight,
    hasCosts,
    supplierFreightDiffers,
    uniformLaneCosts,
  };
}

/** The floors of `input.servingHubFloors` by (SKU, hub): each region's at its serving hub, summed. */
function servingHubFloors(
  input: AllocationInput,
  skuIndex: Map<string, number>,
  regionIndex: Map<string, number>,
  regions: PreparedRegion[],
  H: number,
): Int32Array | null {
  const floors = input.servingHubFloors ?? [];
  if (floors.length === 0) return null;
  const hubFloor = new Int32Array(skuIndex.size * H);
  let any = false;
  for (const f of floors) {
    const s = skuIndex.get(f.skuId);
    const r = regionIndex.get(f.regionId);
    const serving = r === undefined ? undefined : regions[r]!.candidates[0];
    const units = Math.floor(f.units);
    if (s === undefined || serving === undefined || !(units > 0)) continue;
    hubFloor[s * H + serving] += units;
    any = true;
  }
  return any ? hubFloor : null;
}

/**
 * What a unit of a floor (`hubFloor`) is worth on top of its own value: more than any other unit
 * can gain, so the solvers place floors first, while the marginal values stay concave (the bonus
 * falls to 0 after the floor's last unit). Subtracted again from every value a solver reports.
 */
export function floorBonus(prepared: PreparedInstance): number {
  let most = 0;
  for (const v of prepared.valuePerSale) most = Math.max(most, Math.abs(v));
  for (const c of prepared.hubPlaceCost) most = Math.max(most, Math.abs(c));
  for (const sku of prepared.skus) for (const f of sku.suppliers) most = Math.max(most, Math.abs(f.premium));
  for (const region of prepared.regions) for (const c of region.laneCosts) most = Math.max(most, Math.abs(c));
  return 4 * most + 1;
}

/** Regions with demand that have several hubs within the promise. */
export function countPooledRegions(prepared: PreparedInstance): number {
  const pooled = new Set<number>();
  for (const list of prepared.demandBySku)
    for (const d of list) if (prepared.regions[d.region]!.candidates.length > 1 && d.mean > 0) pooled.add(d.region);
  return pooled.size;
}

export function totalDemand(prepared: PreparedInstance): number {
  let sum = 0;
  for (const list of prepared.demandBySku) for (const d of list) sum += d.mean;
  return sum;
}

export function lpScenarioCells(prepared: PreparedInstance, policy: AllocationPolicy): number {
  const scenarios = policy.lpScenarioCount ?? 200;
  let triples = 0;
  for (const list of prepared.demandBySku)
    for (const d of list) triples += prepared.regions[d.region]!.candidates.length;
  return triples * scenarios;
}

/** Suppliers used by several SKUs: their capacity couples those SKUs. */
export function sharedSuppliers(prepared: PreparedInstance): Set<string> {
  const count = new Map<string, number>();
  for (const sku of prepared.skus)
    for (const f of sku.suppliers) count.set(f.option.supplierId, (count.get(f.option.supplierId) ?? 0) + 1);
  return new Set([...count].filter(([, n]) => n > 1).map(([id]) => id));
}
