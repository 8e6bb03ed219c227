/**
 * The post-drop report: what the plan expected against what happened. Pure: every input is data
 * loaded by the service; no clock, no I/O.
 *
 * How the outcome is reconstructed. The realised orders of the drop window (placed pre-orders that
 * were not cancelled) are replayed in time order against the stock the plan placed at each hub
 * (plus stock adjustments reported by hubs). Each order goes to the first hub, in lane order
 * (fastest first: handling + transit_days_max, then + transit_days_min, then hub id — the same
 * rule delivery estimates use), whose lane meets the promise and that still has units; otherwise
 * it ships on the baseline path (not within the promise). The replay gives the fill within the
 * promise, when each hub ran out of each SKU, the leftovers, and the realised lead-time deltas.
 * A hub "runs out" of a SKU at the first order it could not fill (it had fewer units than the
 * order asked, possibly none) or the order that took its last unit, whichever comes first.
 */

export interface ReportOrder {
  skuId: string;
  regionId: string;
  quantity: number;
  /** epoch ms */
  placedAt: number;
}

export interface ReportHubLane {
  hubId: string;
  handlingDays: number;
  capacityUnits: number;
  lanes: { regionId: string; transitDaysMin: number; transitDaysMax: number }[];
}

export interface ReportForecastCell {
  skuId: string;
  regionId: string;
  mean: number;
  p10: number;
  p50: number;
  p90: number;
}

export interface ReportPlanRegion {
  skuId: string;
  regionId: string;
  servingHubId: string | null;
  leadTimeDeltaDays: number | null;
}

export interface ReportSupplierOrder {
  supplierId: string;
  skuId: string;
  quantity: number;
  destinationHubId: string;
  isFallback: boolean;
  reason: string;
  premium: number;
}

export interface PostDropInput {
  dropId: string;
  promiseBusinessDays: number;
  orders: ReportOrder[];
  hubs: ReportHubLane[];
  /** units per SKU × hub the published plan placed, plus any stock adjustments reported */
  stock: { skuId: string; hubId: string; units: number }[];
  forecast: ReportForecastCell[];
  planRegions: ReportPlanRegion[];
  supplierOrders: ReportSupplierOrder[];
  /** plan SKU issues, e.g. 'no-supplier-before-opening' */
  skuIssues: { skuId: string; reason: string }[];
  baselineByRegion: Record<string, { handlingDays: number; transitDaysMin: number; transitDaysMax: number }>;
}

export type MissCause = 'under-forecast' | 'over-forecast' | 'hub-capacity' | 'supplier-lead-time' | 'no-hub-within-promise';

export interface PostDropReport {
  drop_id: string;
  cells: { sku_id: string; region_id: string; forecast_p10: number; forecast_p50: number; forecast_p90: number; realised: number; inside_p10_p90: boolean }[];
  share_inside_p10_p90: number | null;
  units_ordered: number;
  units_within_promise: number;
  fill_rate_within_promise: number | null;
  regions: { region_id: string; realised_units: number; within_promise_units: number; planned_lead_time_delta_days: number | null; realised_lead_time_delta_days: number | null }[];
  stock_outs: { hub_id: string; sku_id: string; at: string; units_placed: number }[];
  fallback_suppliers: { supplier_id: string; sku_id: string; units: number; premium_cost: number; reason: string }[];
  fallback_premium_total: number;
  leftover_by_hub: Record<string, number>;
  top_misses: { region_id: string; missed_units: number; cause: MissCause; detail: string }[];
}

interface HubChoice {
  hubId: string;
  daysMax: number;
  daysMin: number;
}

/** Hubs whose lane to the region meets the promise, in lane order. */
function hubsWithinPromise(hubs: ReportHubLane[], regionId: string, promise: number): HubChoice[] {
  const out: HubChoice[] = [];
  for (const hub of hubs) {
    const lane = hub.lanes.find((l) => l.regionId === regionId);
    if (!lane || hub.handlingDays + lane.transitDaysMax > promise) continue;
    out.push({ hubId: hub.hubId, daysMax: hub.handlingDays + lane.transitDaysMax, daysMin: hub.handlingDays + lane.transitDaysMin });
  }
  return out.sort((a, b) => a.daysMax - b.daysMax || a.daysMin - b.daysMin || (a.hubId < b.hubId ? -1 : a.hubId > b.hubId ? 1 : 0));
}

const key = (a: string, b: string) => `${a}\u0000${b}`;

export function buildPostDropReport(input: PostDropInput): PostDropReport {
  const stock = new Map<string, number>();
  const placed = new Map<string, number>();
  for (const s of input.stock) {
    stock.set(key(s.hubId, s.skuId), (stock.get(key(s.hubId, s.skuId)) ?? 0) + s.units);
    placed.set(key(s.hubId, s.skuId), (placed.get(key(s.hubId, s.skuId)) ?? 0) + s.units);
  }
  const choicesByRegion = new Map<string, HubChoice[]>();
  const choices = (regionId: string) => {
    let list = choicesByRegion.get(regionId);
    if (!list) choicesByRegion.set(regionId, (list = hubsWithinPromise(input.hubs, regionId, input.promiseBusinessDays)));
    return list;
  };

  const realised = new Map<string, number>();
  const fastByRegion = new Map<string, number>();
  const unitsByRegion = new Map<string, number>();
  const deltaUnitDays = new Map<string, number>();
  const stockOutAt = new Map<string, number>();
  const missedForLackOfStock = new Map<string, number>();
  let unitsOrdered = 0;
  let unitsFast = 0;

  const orders = [...input.orders].sort((a, b) => a.placedAt - b.placedAt || a.skuId.localeCompare(b.skuId) || a.regionId.localeCompare(b.regionId));
  for (const order of orders) {
    realised.set(key(order.skuId, order.regionId), (realised.get(key(order.skuId, order.regionId)) ?? 0) + order.quantity);
    unitsOrdered += order.quantity;
    unitsByRegion.set(order.regionId, (unitsByRegion.get(order.regionId) ?? 0) + order.quantity);
    const baseline = input.baselineByRegion[order.regionId];
    const baselineDays = baseline ? baseline.handlingDays + baseline.transitDaysMax : null;
    let hub: HubChoice | undefined;
    for (const candidate of choices(order.regionId)) {
      const k = key(candidate.hubId, order.skuId);
      if ((stock.get(k) ?? 0) >= order.quantity) {
        hub = candidate;
        break;
      }
      // A hub the plan stocked with this SKU that cannot fill this order has run out for it.
      if (placed.has(k) && !stockOutAt.has(k)) stockOutAt.set(k, order.placedAt);
    }
    if (hub) {
      const k = key(hub.hubId, order.skuId);
      const left = stock.get(k)! - order.quantity;
      stock.set(k, left);
      if (left === 0 && !stockOutAt.has(k)) stockOutAt.set(k, order.placedAt);
      unitsFast += order.quantity;
      fastByRegion.set(order.regionId, (fastByRegion.get(order.regionId) ?? 0) + order.quantity);
      if (baselineDays !== null) deltaUnitDays.set(order.regionId, (deltaUnitDays.get(order.regionId) ?? 0) + (baselineDays - hub.daysMax) * order.quantity);
    } else {
      if (choices(order.regionId).length > 0) missedForLackOfStock.set(order.regionId, (missedForLackOfStock.get(order.regionId) ?? 0) + order.quantity);
      // Shipped on the baseline path: no lead-time gain.
      if (baselineDays !== null) deltaUnitDays.set(order.regionId, deltaUnitDays.get(order.regionId) ?? 0);
    }
  }

  const cellKeys = new Set([...input.forecast.map((c) => key(c.skuId, c.regionId)), ...realised.keys()]);
  const forecastByCell = new Map(input.forecast.map((c) => [key(c.skuId, c.regionId), c]));
  const cells = [...cellKeys].sort().map((k) => {
    const [skuId, regionId] = k.split('\u0000') as [string, string];
    const f = forecastByCell.get(k);
    const y = realised.get(k) ?? 0;
    return {
      sku_id: skuId,
      region_id: regionId,
      forecast_p10: f?.p10 ?? 0,
      forecast_p50: f?.p50 ?? 0,
      forecast_p90: f?.p90 ?? 0,
      realised: y,
      inside_p10_p90: f ? y >= f.p10 && y <= f.p90 : y === 0,
    };
  });

  const plannedDelta = new Map<string, number[]>();
  for (const r of input.planRegions) if (r.leadTimeDeltaDays !== null) plannedDelta.set(r.regionId, [...(plannedDelta.get(r.regionId) ?? []), r.leadTimeDeltaDays]);
  const regionIds = [...new Set([...unitsByRegion.keys(), ...input.planRegions.map((r) => r.regionId)])].sort();
  const regions = regionIds.map((regionId) => {
    const units = unitsByRegion.get(regionId) ?? 0;
    const deltas = plannedDelta.get(regionId);
    return {
      region_id: regionId,
      realised_units: units,
      within_promise_units: fastByRegion.get(regionId) ?? 0,
      planned_lead_time_delta_days: deltas ? round(deltas.reduce((a, b) => a + b, 0) / deltas.length) : null,
      realised_lead_time_delta_days: units > 0 && deltaUnitDays.has(regionId) ? round(deltaUnitDays.get(regionId)! / units) : null,
    };
  });

  const leftover: Record<string, number> = {};
  for (const [k, units] of stock) {
    const hubId = k.split('\u0000')[0]!;
    leftover[hubId] = (leftover[hubId] ?? 0) + units;
  }
  const fallbacks = input.supplierOrders.filter((o) => o.isFallback);
  return {
    drop_id: input.dropId,
    cells,
    share_inside_p10_p90: cells.length ? round(cells.filter((c) => c.inside_p10_p90).length / cells.length) : null,
    units_ordered: unitsOrdered,
    units_within_promise: unitsFast,
    fill_rate_within_promise: unitsOrdered > 0 ? round(unitsFast / unitsOrdered) : null,
    regions,
    stock_outs: [...stockOutAt]
      .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([k, at]) => {
        const [hubId, skuId] = k.split('\u0000') as [string, string];
        return { hub_id: hubId, sku_id: skuId, at: new Date(at).toISOString(), units_placed: placed.get(k) ?? 0 };
      }),
    fallback_suppliers: fallbacks.map((o) => ({ supplier_id: o.supplierId, sku_id: o.skuId, units: o.quantity, premium_cost: round(o.premium), reason: o.reason })),
    fallback_premium_total: round(fallbacks.reduce((sum, o) => sum + o.premium, 0)),
    leftover_by_hub: leftover,
    top_misses: topMisses(input, cells, missedForLackOfStock, leftover),
  };
}

/**
 * The regions where the plan missed most. A region's miss is the units it ordered that were not
 * delivered within the promise plus, for over-forecasts, the units placed for it that were not
 * sold (forecast p50 − realised). Cause, first that applies:
 *   no-hub-within-promise  no hub's lane meets the promise for that region;
 *   supplier-lead-time     the plan flagged a SKU with no supplier arriving before opening, or
 *                          ordered a fallback because the primary was late;
 *   hub-capacity           orders found the serving hubs empty and those hubs were filled to capacity;
 *   under-forecast         realised above the forecast p90 (or simply above p50);
 *   over-forecast          realised below the forecast p10 (or simply below p50).
 */
function topMisses(input: PostDropInput, cells: PostDropReport['cells'], missedForStock: Map<string, number>, leftover: Record<string, number>): PostDropReport['top_misses'] {
  const byRegion = new Map<string, { realised: number; p10: number; p50: number; p90: number }>();
  for (const c of cells) {
    const r = byRegion.get(c.region_id) ?? { realised: 0, p10: 0, p50: 0, p90: 0 };
    r.realised += c.realised;
    r.p10 += c.forecast_p10;
    r.p50 += c.forecast_p50;
    r.p90 += c.forecast_p90;
    byRegion.set(c.region_id, r);
  }
  const lateSkus = new Set([...input.skuIssues.filter((i) => i.reason === 'no-supplier-before-opening').map((i) => i.skuId), ...input.supplierOrders.filter((o) => o.isFallback && o.reason === 'primary-late').map((o) => o.skuId)]);
  const placedByHub = new Map<string, number>();
  for (const s of input.stock) placedByHub.set(s.hubId, (placedByHub.get(s.hubId) ?? 0) + s.units);
  const fullHubs = new Set(input.hubs.filter((h) => (placedByHub.get(h.hubId) ?? 0) >= h.capacityUnits && h.capacityUnits > 0).map((h) => h.hubId));

  const misses = [...byRegion].map(([regionId, r]) => {
    const served = hubsWithinPromise(input.hubs, regionId, input.promiseBusinessDays);
    const lostForStock = missedForStock.get(regionId) ?? 0;
    const slowUnits = served.length === 0 ? r.realised : lostForStock;
    const overPlaced = Math.max(0, r.p50 - r.realised);
    const missed = slowUnits + overPlaced;
    let cause: MissCause;
    let detail: string;
    const regionSkus = cells.filter((c) => c.region_id === regionId && c.realised > 0).map((c) => c.sku_id);
    if (served.length === 0) {
      cause = 'no-hub-within-promise';
      detail = `no hub's lane reaches ${regionId} within ${input.promiseBusinessDays} business day(s)`;
    } else if (lostForStock > 0 && regionSkus.some((s) => lateSkus.has(s))) {
      cause = 'supplier-lead-time';
      detail = `${lostForStock} unit(s) missed the promise; the primary supplier could not arrive before opening`;
    } else if (lostForStock > 0 && served.some((h) => fullHubs.has(h.hubId))) {
      cause = 'hub-capacity';
      detail = `${lostForStock} unit(s) found ${served.map((h) => h.hubId).join(', ')} empty; the hub was filled to capacity`;
    } else if (r.realised > r.p50) {
      cause = 'under-forecast';
      detail = `ordered ${r.realised}, forecast p50 ${r.p50} (p90 ${r.p90})`;
    } else {
      cause = 'over-forecast';
      detail = `ordered ${r.realised}, forecast p50 ${r.p50} (p10 ${r.p10}); leftovers ${served.map((h) => `${h.hubId} ${leftover[h.hubId] ?? 0}`).join(', ')}`;
    }
    return { region_id: regionId, missed_units: missed, cause, detail };
  });
  return misses
    .filter((m) => m.missed_units > 0)
    .sort((a, b) => b.missed_units - a.missed_units || a.region_id.localeCompare(b.region_id))
    .slice(0, 5);
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
