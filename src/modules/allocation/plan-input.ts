/**
 * From a catalog snapshot, a forecast and what-if overrides to the pure planner's input. Pure: the
 * service loads the rows and passes `now`. An inconsistent snapshot (a reference to something the
 * snapshot does not hold) is reported as field errors, which the service answers with 422.
 */
import type { FieldError } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import {
  negativeBinomialDemand,
  routePickupDemand,
  transitQuantile,
  type AllocationInput,
  type CostShift,
  type SupplierOption,
} from './core';
import { dropEconomics, skuEconomics } from './plan-economics';

export interface CatalogSnapshot {
  taken_at: string;
  drop: {
    id: string;
    creator_id: string;
    opens_at: string;
    closes_at: string;
    promise_business_days: number;
    baseline: {
      source: string;
      paths: { region_id: string; handling_days: number; transit_days_min: number; transit_days_max: number }[];
    };
  };
  skus: {
    id: string;
    price: number;
    unit_cost: number;
    sourcing: { supplier_id: string; units_available: number; available_on: string }[];
  }[];
  suppliers: {
    id: string;
    kind: 'microfactory' | 'offshore' | 'warehouse';
    lead_time_days_min: number;
    lead_time_days_max: number;
    capacity_units: number;
    unit_cost: number;
    min_order_units: number;
    order_multiple: number;
    /** absent in snapshots taken before costs (issue 17): 0 / none */
    fallback_premium_per_unit?: number;
    inbound_freight?: { hub_id: string; cost_per_unit: number }[];
    /** units other drops' plans order from it over an overlapping window (planned against) */
    held_by_other_plans?: number;
    /** units ready to ship from each date, over all its SKUs; absent or empty: capacity_units at once */
    capacity_by_date?: { date: string; units: number }[];
    /** of those, the units other drops' plans ship on each date (planned against) */
    held_by_other_plans_by_date?: { date: string; units: number }[];
  }[];
  hubs: {
    id: string;
    operator_partner_id: string;
    capacity_units: number;
    handling_days: number;
    lanes: {
      region_id: string;
      transit_days_min: number;
      transit_days_max: number;
      /** absent in snapshots taken before costs (issue 17): 0 */
      shipping_cost_per_unit?: number;
      shipping_cost_per_shipment?: number;
      cost_shifts?: CostShiftRow[];
    }[];
    /** units other drops' plans hold here while this drop's stock is on hand (planned against) */
    held_by_other_plans?: number;
    /** those drops */
    held_by_drop_ids?: string[];
  }[];
  region_ids: string[];
  /** cost shifts on every lane into a region (a lane's own sit on the lane); absent before issue 17 */
  region_cost_shifts?: { region_id: string; cost_shifts: CostShiftRow[] }[];
  /** the share of a region's demand that collects at a pickup hub (the drop's pickup shares); absent: none */
  pickup_routes?: { region_id: string; hub_id: string; share: number }[];
  /** the drop's tier reserves for one region's buyers: the plan places them at the region's serving hub */
  regional_reserves?: { tier: string; sku_id: string; region_id: string; share: number }[];
}

type CostShiftRow = Schemas['CostShift'];

export interface ForecastCell {
  sku_id: string;
  region_id: string;
  mean: number;
  dispersion: number;
}

export type PlanOverrides = Schemas['PlanOverrides'];

/** Every reference the planner will follow, checked against the snapshot. */
export function findInconsistencies(
  snapshot: CatalogSnapshot,
  cells: readonly ForecastCell[],
  overrides: PlanOverrides = {},
): FieldError[] {
  const errors: FieldError[] = [];
  const skuIds = new Set(snapshot.skus.map((s) => s.id));
  const regionIds = new Set(snapshot.region_ids);
  const supplierIds = new Set(snapshot.suppliers.map((s) => s.id));
  const hubIds = new Set(snapshot.hubs.map((h) => h.id));
  cells.forEach((cell, i) => {
    if (!skuIds.has(cell.sku_id))
      errors.push({ path: `forecast.cells[${i}].sku_id`, message: `SKU '${cell.sku_id}' is not a SKU of this drop` });
    if (!regionIds.has(cell.region_id))
      errors.push({ path: `forecast.cells[${i}].region_id`, message: `unknown region '${cell.region_id}'` });
  });
  snapshot.skus.forEach((sku) =>
    sku.sourcing.forEach((s, i) => {
      if (!supplierIds.has(s.supplier_id))
        errors.push({
          path: `skus.${sku.id}.sourcing[${i}].supplier_id`,
          message: `unknown supplier '${s.supplier_id}'`,
        });
    }),
  );
  snapshot.hubs.forEach((hub) =>
    hub.lanes.forEach((lane, i) => {
      if (!regionIds.has(lane.region_id))
        errors.push({ path: `hubs.${hub.id}.lanes[${i}].region_id`, message: `unknown region '${lane.region_id}'` });
    }),
  );
  snapshot.drop.baseline.paths.forEach((p, i) => {
    if (!regionIds.has(p.region_id))
      errors.push({ path: `drop.baseline.paths[${i}].region_id`, message: `unknown region '${p.region_id}'` });
  });
  (overrides.hub_capacities ?? []).forEach((o, i) => {
    if (!hubIds.has(o.hub_id))
      errors.push({ path: `overrides.hub_capacities[${i}].hub_id`, message: `unknown hub '${o.hub_id}'` });
  });
  (overrides.unavailable_supplier_ids ?? []).forEach((id, i) => {
    if (!supplierIds.has(id))
      errors.push({ path: `overrides.unavailable_supplier_ids[${i}]`, message: `unknown supplier '${id}'` });
  });
  (overrides.cost_shifts ?? []).forEach((o, i) => {
    if (!regionIds.has(o.region_id))
      errors.push({ path: `overrides.cost_shifts[${i}].region_id`, message: `unknown region '${o.region_id}'` });
    if (o.hub_id !== undefined && !hubIds.has(o.hub_id))
      errors.push({ path: `overrides.cost_shifts[${i}].hub_id`, message: `unknown hub '${o.hub_id}'` });
  });
  (overrides.demand_multipliers?.regions ?? []).forEach((o, i) => {
    if (!regionIds.has(o.region_id))
      errors.push({
        path: `overrides.demand_multipliers.regions[${i}].region_id`,
        message: `unknown region '${o.region_id}'`,
      });
  });
  return errors;
}

/** Baseline delivery days of a region: handling plus the median transit day of its baseline path. */
export function baselineDays(path: {
  handling_days: number;
  transit_days_min: number;
  transit_days_max: number;
}): number {
  return path.handling_days + transitQuantile(path.transit_days_min, path.transit_days_max, 0.5);
}

type SnapshotSupplier = CatalogSnapshot['suppliers'][number];
type SnapshotHub = CatalogSnapshot['hubs'][number];

/**
 * What is left of a capacity by date once other plans' orders are served, read cumulatively: the
 * units shipping by a date never exceed the units ready by then. Left ready by d is
 * max(0, min over d' ≥ d of (ready by d' − held by d')), so any order within what is left, added to
 * the held orders, stays within the capacity at every date; returned as units from each date (only
 * dates where some become ready). Pure.
 */
export function capacityLeftByDate(
  capacity: readonly { date: string; units: number }[],
  held: readonly { date: string; units: number }[] = [],
): { date: string; units: number }[] {
  const dates = [...new Set([...capacity, ...held].map((e) => e.date))].sort();
  const sumBy = (list: readonly { date: string; units: number }[]) => {
    const map = new Map<string, number>();
    for (const e of list) map.set(e.date, (map.get(e.date) ?? 0) + e.units);
    return map;
  };
  const ready = sumBy(capacity);
  const taken = sumBy(held);
  const slack: number[] = [];
  let cumReady = 0;
  let cumHeld = 0;
  for (const d of dates) {
    cumReady += ready.get(d) ?? 0;
    cumHeld += taken.get(d) ?? 0;
    slack.push(cumReady - cumHeld);
  }
  const left: number[] = new Array<number>(dates.length);
  let suffixMin = Number.POSITIVE_INFINITY;
  for (let i = dates.length - 1; i >= 0; i -= 1) {
    suffixMin = Math.min(suffixMin, slack[i]!);
    left[i] = Math.max(0, suffixMin);
  }
  const out: { date: string; units: number }[] = [];
  let before = 0;
  dates.forEach((date, i) => {
    if (left[i]! > before) out.push({ date, units: left[i]! - before });
    before = Math.max(before, left[i]!);
  });
  return out;
}

/**
 * The first date by which a plan's orders (`own`, by ship date), with other plans' (`held`), ship
 * more units than the capacity by date has ready by then, among the dates by which the plan ships
 * some; null when every date fits. Figures are cumulative up to that date. Pure.
 */
export function firstOverbookedDate(
  capacity: readonly { date: string; units: number }[],
  own: readonly { date: string; units: number }[],
  held: readonly { date: string; units: number }[] = [],
): { date: string; capacity_units: number; plan_units: number; held_by_other_plans: number } | null {
  const dates = [...new Set([...capacity, ...own, ...held].map((e) => e.date))].sort();
  let ready = 0;
  let mine = 0;
  let others = 0;
  for (const d of dates) {
    for (const e of capacity) if (e.date === d) ready += e.units;
    for (const e of own) if (e.date === d) mine += e.units;
    for (const e of held) if (e.date === d) others += e.units;
    if (mine > 0 && mine + others > ready)
      return { date: d, capacity_units: ready, plan_units: mine, held_by_other_plans: others };
  }
  return null;
}

/** A sourcing entry of a SKU with its supplier's terms, as the planner takes it. */
export function toSupplierOption(
  supplier: SnapshotSupplier,
  sourcing: { units_available: number; available_on: string },
): SupplierOption {
  return {
    supplierId: supplier.id,
    kind: supplier.kind,
    unitsAvailable: sourcing.units_available,
    availableDate: sourcing.available_on,
    leadTimeDaysMin: supplier.lead_time_days_min,
    leadTimeDaysMax: supplier.lead_time_days_max,
    capacityUnits: supplier.capacity_units,
    unitCost: supplier.unit_cost,
    minOrderQuantity: supplier.min_order_units,
    orderMultiple: supplier.order_multiple,
    fallbackPremiumPerUnit: supplier.fallback_premium_per_unit ?? 0,
    inboundFreightPerUnitByHub: Object.fromEntries(
      (supplier.inbound_freight ?? []).map((f) => [f.hub_id, f.cost_per_unit]),
    ),
    // Capacity by date, less what other drops' plans ship by each date (shared over all its SKUs).
    ...((supplier.capacity_by_date ?? []).length > 0
      ? { capacityByDate: capacityLeftByDate(supplier.capacity_by_date!, supplier.held_by_other_plans_by_date) }
      : {}),
  };
}

/** A hub with its lanes, as the planner takes it, with the capacity to plan against. */
export function toHubInput(hub: SnapshotHub, capacityUnits: number): AllocationInput['hubs'][number] {
  return {
    hubId: hub.id,
    capacityUnits,
    handlingDays: hub.handling_days,
    lanes: hub.lanes.map((l) => ({
      regionId: l.region_id,
      transitDaysMin: l.transit_days_min,
      transitDaysMax: l.transit_days_max,
      shippingCostPerUnit: l.shipping_cost_per_unit ?? 0,
      shippingCostPerShipment: l.shipping_cost_per_shipment ?? 0,
    })),
  };
}

/**
 * Every cost shift the plan applies, in the planner's terms: the regions' (on all their lanes), the
 * lanes' own (on that hub's lane), then a what-if's.
 */
export function costShiftsOf(snapshot: CatalogSnapshot, overrides: PlanOverrides): CostShift[] {
  const shift = (s: CostShiftRow, regionId: string, hubId?: string): CostShift => ({
    regionId,
    ...(hubId === undefined ? {} : { hubId }),
    from: s.from,
    to: s.to,
    ...(s.surcharge === undefined ? {} : { surcharge: s.surcharge }),
    ...(s.multiplier === undefined ? {} : { multiplier: s.multiplier }),
  });
  return [
    ...(snapshot.region_cost_shifts ?? []).flatMap((r) => r.cost_shifts.map((s) => shift(s, r.region_id))),
    ...snapshot.hubs.flatMap((hub) =>
      hub.lanes.flatMap((lane) => (lane.cost_shifts ?? []).map((s) => shift(s, lane.region_id, hub.id))),
    ),
    ...(overrides.cost_shifts ?? []).map((s) => shift(s, s.region_id, s.hub_id)),
  ];
}

/**
 * The factor a what-if puts on a region's demand: the drop-wide multiplier times the region's own
 * (each 1 when not given).
 */
export function demandMultiplier(overrides: PlanOverrides, regionId: string): number {
  const m = overrides.demand_multipliers;
  if (!m) return 1;
  return (m.drop ?? 1) * (m.regions?.find((r) => r.region_id === regionId)?.multiplier ?? 1);
}

/**
 * Forecast cells with a what-if's demand multipliers applied: the mean scales, the dispersion α
 * stays (variance m·μ + α·(m·μ)²), i.e. more or fewer buyers of the same kind. Cells are returned
 * unchanged when there is nothing to apply.
 */
export function scaleDemand<C extends ForecastCell>(cells: readonly C[], overrides: PlanOverrides): C[] {
  if (!overrides.demand_multipliers) return [...cells];
  return cells.map((cell) => ({ ...cell, mean: cell.mean * demandMultiplier(overrides, cell.region_id) }));
}

export function buildAllocationInput(
  snapshot: CatalogSnapshot,
  forecastCells: readonly ForecastCell[],
  overrides: PlanOverrides,
  now: Date,
): AllocationInput {
  const suppliers = new Map(snapshot.suppliers.map((s) => [s.id, s]));
  const unavailable = new Set(overrides.unavailable_supplier_ids ?? []);
  const capacityOverride = new Map((overrides.hub_capacities ?? []).map((o) => [o.hub_id, o.capacity_units]));
  const cells = scaleDemand(forecastCells, overrides);
  const demandBySku = new Map<string, number>();
  for (const cell of cells) demandBySku.set(cell.sku_id, (demandBySku.get(cell.sku_id) ?? 0) + cell.mean);

  const input: AllocationInput = {
    skus: snapshot.skus.map((sku) => ({
      skuId: sku.id,
      economics: skuEconomics({ price: sku.price, unitCost: sku.unit_cost }),
      sourcing: sku.sourcing
        .filter((s) => !unavailable.has(s.supplier_id))
        .map((s) => toSupplierOption(suppliers.get(s.supplier_id)!, s)),
    })),
    // Hub capacity is shared across drops: plan against what other drops' plans leave free.
    hubs: snapshot.hubs.map((hub) =>
      toHubInput(
        hub,
        Math.max(0, (capacityOverride.get(hub.id) ?? hub.capacity_units) - (hub.held_by_other_plans ?? 0)),
      ),
    ),
    demand: cells.map((cell) => ({
      skuId: cell.sku_id,
      regionId: cell.region_id,
      demand: negativeBinomialDemand(cell.mean, cell.dispersion),
    })),
    // A supplier's capacity is shared with other drops: plan against what their orders leave.
    supplierCapacityUnits: Object.fromEntries(
      snapshot.suppliers
        .filter((f) => (f.held_by_other_plans ?? 0) > 0)
        .map((f) => [f.id, Math.max(0, f.capacity_units - (f.held_by_other_plans ?? 0))]),
    ),
    promiseBusinessDays: overrides.promise_business_days ?? snapshot.drop.promise_business_days,
    baselineDaysByRegion: Object.fromEntries(snapshot.drop.baseline.paths.map((p) => [p.region_id, baselineDays(p)])),
    now: now.toISOString(),
    opensAt: snapshot.drop.opens_at,
    closesAt: snapshot.drop.closes_at,
    costShifts: costShiftsOf(snapshot, overrides),
    economics: dropEconomics(
      snapshot.skus.map((s) => ({ price: s.price, unitCost: s.unit_cost, expectedDemand: demandBySku.get(s.id) ?? 0 })),
    ),
    regionalReserves: (snapshot.regional_reserves ?? []).map((r) => ({
      tier: r.tier,
      skuId: r.sku_id,
      regionId: r.region_id,
      share: r.share,
    })),
  };
  // Pickup demand is served at its pickup hub: stock goes where collectors go.
  return routePickupDemand(
    input,
    (snapshot.pickup_routes ?? []).map((r) => ({ regionId: r.region_id, hubId: r.hub_id, share: r.share })),
  );
}
