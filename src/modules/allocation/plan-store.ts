/**
 * A plan from its inputs to its stored rows, on one database: read the drop's latest forecast and
 * catalog snapshot, compute (the pure path, through `compute`), write the plan and its rows in one
 * transaction, and read a stored plan back in the contract's shape. The allocation service runs
 * it on the serving thread's database (the embedded PGlite, which lives in that thread, with the
 * maths alone in a worker); on PostgreSQL a worker thread runs it whole on a connection of its own
 * (plan-worker.ts), so the serving thread neither parses the plan's inputs nor writes its rows.
 */
import { randomBytes } from 'node:crypto';
import type { Database, Queryable } from '../../db/database';
import { AppError } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import { accessReaders } from '../access';
import { catalogReaders } from '../catalog';
import { forecastReaders } from '../forecast';
import type { PickupRoute } from '../pickup';
import {
  allocationRepository as repo,
  type AssumedPublished,
  type PlanRow,
  type SupplierOrderRow,
} from './allocation.repository';
import type { SolverChoice, toStoredPlan } from './allocation.service';
import { findInconsistencies, type CatalogSnapshot, type ForecastCell, type PlanOverrides } from './plan-input';

type Plan = Schemas['Plan'];
type PlanSummary = Schemas['PlanSummary'];

export const iso = (d: Date) => d.toISOString();
export const isoOrNull = (d: Date | null) => (d ? iso(d) : null);
export const newPlanId = () => `plan_${randomBytes(8).toString('hex')}`;

/** A plan stored before the solver said whether it was certified and why it ran reads with neutral values. */
function withSolverDefaults(solver: Schemas['PlanSolver']): Schemas['PlanSolver'] {
  return {
    ...solver,
    certified: solver.certified ?? solver.optimal === true,
    gap_bound: solver.gap_bound ?? solver.optimality_gap ?? null,
    choice_reason: solver.choice_reason ?? '',
    sku_economics: solver.sku_economics ?? [],
  };
}

export function toSummary(row: Omit<PlanRow, 'catalog_snapshot' | 'unserved_regions' | 'sku_issues'>): PlanSummary {
  return {
    id: row.id,
    drop_id: row.drop_id,
    version: row.version,
    status: row.status,
    forecast_id: row.forecast_id,
    overrides: row.overrides as PlanOverrides,
    solver: withSolverDefaults(row.solver as Schemas['PlanSolver']),
    totals: row.totals as Schemas['PlanTotals'],
    created_at: iso(row.created_at),
    published_at: isoOrNull(row.published_at),
    superseded_at: isoOrNull(row.superseded_at),
  };
}
export const toOrder = (row: SupplierOrderRow): Schemas['PlanSupplierOrder'] => ({
  line_no: row.line_no,
  supplier_id: row.supplier_id,
  sku_id: row.sku_id,
  quantity: row.quantity,
  destination_hub_id: row.destination_hub_id,
  ship_by: iso(row.ship_by),
  arrive_by: iso(row.arrive_by),
  is_fallback: row.is_fallback,
  reason: row.reason as Schemas['PlanSupplierOrder']['reason'],
  premium: row.premium,
});

/** The catalog as the planner sees it now: the drop, its SKUs and sourcing, their suppliers, every hub. */
async function loadSnapshot(
  db: Queryable,
  dropId: string,
  now: Date,
  pickupRoutes?: PickupRoutesReader,
): Promise<CatalogSnapshot> {
  const drop = (await catalogReaders.drop(db, dropId))!;
  const skus = await catalogReaders.skusOf(db, dropId);
  const used = new Set(skus.flatMap((s) => s.sourcing.map((o) => o.supplier_id)));
  const suppliers = (await catalogReaders.suppliers(db)).filter((s) => used.has(s.id));
  const hubs = await catalogReaders.hubs(db);
  const regions = await catalogReaders.regions(db);
  return {
    taken_at: iso(now),
    drop: {
      id: drop.id,
      creator_id: drop.creator_id,
      opens_at: iso(drop.opens_at),
      closes_at: iso(drop.closes_at),
      promise_business_days: drop.promise_business_days,
      baseline: drop.baseline,
    },
    skus: skus.map((s) => ({ id: s.id, price: s.price, unit_cost: s.unit_cost, sourcing: s.sourcing })),
    suppliers: suppliers.map((s) => ({
      id: s.id,
      kind: s.kind,
      lead_time_days_min: s.lead_time_days_min,
      lead_time_days_max: s.lead_time_days_max,
      capacity_units: s.capacity_units,
      unit_cost: s.unit_cost,
      min_order_units: s.min_order_units,
      order_multiple: s.order_multiple,
      fallback_premium_per_unit: s.fallback_premium_per_unit,
      inbound_freight: s.inbound_freight,
      capacity_by_date: s.capacity_by_date,
    })),
    hubs: hubs.map((h) => ({
      id: h.id,
      operator_partner_id: h.operator_partner_id,
      capacity_units: h.capacity_units,
      handling_days: h.handling_days,
      lanes: h.lanes,
    })),
    region_ids: regions.map((r) => r.id),
    region_cost_shifts: regions
      .filter((r) => r.cost_shifts.length > 0)
      .map((r) => ({ region_id: r.id, cost_shifts: r.cost_shifts })),
    pickup_routes: pickupRoutes ? await pickupRoutes(dropId, db) : [],
    regional_reserves: await accessReaders.regionalReservesOf(db, dropId),
  };
}

/**
 * Which of the other drops' plans a new plan sees at shared hubs and suppliers: by default their
 * published plan or latest draft, the larger; `publishedOnly`: published plans alone; `assumed`: a
 * draft counted as its drop's published plan (a publish that re-plans the drops it conflicts with).
 */
export interface OtherPlansSeen {
  publishedOnly?: boolean;
  assumed?: AssumedPublished;
}

/** How the snapshot reads a drop's pickup routes (absent: the service runs without pickup). */
export type PickupRoutesReader = (dropId: string, q: Queryable) => Promise<PickupRoute[]>;

/** The planner's pure path, from snapshot and forecast to the rows a plan stores (a worker's, or a direct call). */
export type StoredPlanCompute = (
  snapshot: CatalogSnapshot,
  cells: readonly ForecastCell[],
  overrides: PlanOverrides,
  now: Date,
  requested: SolverChoice,
) => Promise<ReturnType<typeof toStoredPlan>>;

/** What a plan computation is asked for (plain data: it crosses to a worker thread). */
export interface PlanRequest {
  dropId: string;
  overrides: PlanOverrides;
  requested: SolverChoice;
  whatIf: boolean;
  /** The planning instant (the service's clock), the snapshot's `taken_at` and the plan's `created_at`. */
  now: Date;
}

/** A stored plan's id and status. */
export interface StoredPlanRef {
  id: string;
  status: 'draft' | 'what_if';
}

/**
 * What a plan rests on: the drop's latest forecast (none → 422 `no_forecast`), the catalog as the
 * planner sees it now with what other drops' plans hold at shared hubs and suppliers, and the
 * forecast's cells; an inconsistent catalog → 422 `inconsistent_catalog`.
 */
export async function readPlanInputs(
  db: Queryable,
  dropId: string,
  overrides: PlanOverrides,
  now: Date,
  pickupRoutes?: PickupRoutesReader,
  others: OtherPlansSeen = {},
) {
  const forecast = await forecastReaders.latestOf(db, dropId);
  if (!forecast) {
    throw new AppError('unprocessable', `drop '${dropId}' has no forecast yet; compute one first`, {
      extensions: { reason: 'no_forecast' },
    });
  }
  const snapshot = await loadSnapshot(db, dropId, now, pickupRoutes);
  const window = { opensAt: new Date(snapshot.drop.opens_at), closesAt: new Date(snapshot.drop.closes_at) };
  const publishedOnly = others.publishedOnly ?? false;
  const otherDropIds = await catalogReaders.otherDropIdsOverlapping(db, dropId, window);
  const held = await repo.listHubUnitsHeldByOtherDrops(db, otherDropIds, publishedOnly, others.assumed);
  for (const row of await repo.listSupplierUnitsHeldByOtherDrops(db, otherDropIds, publishedOnly, others.assumed)) {
    const supplier = snapshot.suppliers.find((f) => f.id === row.supplier_id);
    if (supplier) supplier.held_by_other_plans = row.units;
  }
  for (const row of await repo.listSupplierUnitsByDateHeldByOtherDrops(
    db,
    otherDropIds,
    publishedOnly,
    others.assumed,
  )) {
    const supplier = snapshot.suppliers.find((f) => f.id === row.supplier_id);
    if (supplier && (supplier.capacity_by_date ?? []).length > 0)
      (supplier.held_by_other_plans_by_date ??= []).push({ date: row.date, units: row.units });
  }
  for (const row of held) {
    const hub = snapshot.hubs.find((h) => h.id === row.hub_id);
    if (hub) Object.assign(hub, { held_by_other_plans: row.units, held_by_drop_ids: row.drop_ids });
  }
  const cells = await forecastReaders.cellsOf(db, forecast.id);
  const errors = findInconsistencies(snapshot, cells, overrides);
  if (errors.length > 0) {
    throw new AppError(
      'unprocessable',
      `the catalog is inconsistent: ${errors.length} reference(s) to unknown records`,
      { errors, extensions: { reason: 'inconsistent_catalog' } },
    );
  }
  return { forecast, snapshot, cells };
}

/**
 * Computes a draft (or a what-if) plan on the drop's latest forecast and stores it with its rows.
 * After each piece of its rows per region (the bulk of a large plan) it pauses `writeDelayRatio`
 * times as long as the piece took: a plan is background work, and without the pause a 1,000-SKU
 * plan keeps a database core busy for its whole write, slowing the holds served beside it.
 */
export async function computeAndStorePlan(
  db: Database,
  request: PlanRequest,
  compute: StoredPlanCompute,
  pickupRoutes?: PickupRoutesReader,
  writeDelayRatio = 0,
): Promise<StoredPlanRef> {
  const { dropId, overrides, requested, now } = request;
  const { forecast, snapshot, cells } = await readPlanInputs(db, dropId, overrides, now, pickupRoutes);
  const stored = await compute(snapshot, cells, overrides, now, requested);
  const id = newPlanId();
  const status = request.whatIf ? 'what_if' : 'draft';
  await db.transaction(async (tx) => {
    await catalogReaders.lockDrop(tx, dropId);
    await repo.insertPlan(tx, {
      id,
      drop_id: dropId,
      version: await repo.nextPlanVersion(tx, dropId),
      status,
      forecast_id: forecast.id,
      catalog_snapshot: snapshot,
      overrides,
      solver: stored.solver,
      totals: stored.totals,
      unserved_regions: stored.unserved,
      sku_issues: stored.skuIssues,
      created_at: now,
    });
    await repo.insertAllocations(tx, id, stored.allocations);
    await repo.insertSupplierOrders(tx, id, stored.orders);
    await repo.insertRegions(tx, id, stored.regions, writePacer(writeDelayRatio));
  });
  return { id, status };
}

/** The pause after each piece of a plan's rows: `ratio` times the piece's time. */
function writePacer(ratio: number): ((elapsedMs: number) => Promise<void>) | undefined {
  if (ratio <= 0) return undefined;
  return (elapsedMs) => new Promise((resolve) => setTimeout(resolve, elapsedMs * ratio));
}

/** A stored plan with its rows, as the contract answers it. */
export async function readPlan(q: Queryable, row: PlanRow): Promise<Plan> {
  // Sequential on purpose: a plan read holds one connection, whatever the pool size.
  const allocations = await repo.listAllocations(q, row.id);
  const orders = await repo.listSupplierOrders(q, row.id);
  const regions = await repo.listRegions(q, row.id);
  return {
    ...toSummary(row),
    allocations,
    supplier_orders: orders.map(toOrder),
    regions,
    unserved_regions: row.unserved_regions as Schemas['PlanUnservedRegion'][],
    sku_issues: row.sku_issues as Schemas['PlanSkuIssue'][],
    catalog_snapshot: row.catalog_snapshot as Record<string, unknown>,
  };
}
