import { randomBytes } from 'node:crypto';
import type { Database, Queryable } from '../../db/database';
import { AppError, notFound } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import { pageOf, type Page, type PageRequest } from '../../http/pagination';
import type { Principal } from '../../http/principal';
import type { Clock } from '../../shared/clock';
import { catalogReaders } from '../catalog';
import { forecastReaders } from '../forecast';
import { signalsReaders } from '../signals';
import type { CatalogService } from '../catalog';
import type { WebhooksService } from '../webhooks';
import { inProcessWorkerPool, type WorkerPool } from '../../shared/worker-pool';
import { isPickupRegionId, type AllocationEconomics, type AllocationPlan } from './core';
import type { PickupService } from '../pickup';
import { planComputer } from './plan-worker';
import { planTierReserves, type TierShare } from './core/tier-split';
import {
  allocationRepository as repo,
  type AllocationRow,
  type PlanRow,
  type RegionRow,
} from './allocation.repository';
import { firstOverbookedDate, type CatalogSnapshot, type PlanOverrides } from './plan-input';

/** A supplier a publish would overbook: in total (date null), or by a date of its capacity by date. */
interface SupplierOverbooked {
  supplier_id: string;
  date: string | null;
  capacity_units: number;
  plan_units: number;
  held_by_other_plans: number;
  held_by_drop_ids: string[];
}
import {
  computeAndStorePlan,
  iso,
  newPlanId,
  readPlan,
  readPlanInputs,
  toOrder,
  toSummary,
  type PickupRoutesReader,
  type PlanRequest,
  type StoredPlanRef,
} from './plan-store';

type Plan = Schemas['Plan'];
type PlanSummary = Schemas['PlanSummary'];
type PartnerPlan = Schemas['PartnerPlan'];
export type SolverChoice = Schemas['PlanSolverChoice'];

/** The pure planner's answer in the contract's (and the tables') vocabulary. */
/** The planner's answer in the shape the plan tables store (pure; runs in the worker with the planner). */
export function toStoredPlan(
  plan: AllocationPlan,
  requested: SolverChoice,
  economics: AllocationEconomics,
  skus: readonly { skuId: string; economics?: AllocationEconomics }[] = [],
) {
  const t = plan.totals;
  const totals: Schemas['PlanTotals'] = {
    expected_demand_units: t.expectedDemandUnits,
    expected_units_within_promise: t.expectedUnitsWithinPromise,
    fill_rate_within_promise: t.fillRateWithinPromise,
    expected_leftover_by_hub: t.expectedLeftoverByHub,
    units_placed: t.unitsPlaced,
    cost: {
      fallback_premium: t.cost.fallbackPremium,
      leftover: t.cost.leftover,
      holding: t.cost.holding,
      shipping: t.cost.shipping,
      inbound: t.cost.inbound,
      total: t.cost.total,
    },
    expected_value: t.expectedValue,
    expected_cost_per_unit: t.expectedCostPerUnit,
    // A region's pickup demand (a region of its own inside the planner) is not a region of the catalog.
    cost_by_region: t.costByRegion
      .filter((r) => !isPickupRegionId(r.regionId))
      .map((r) => ({
        region_id: r.regionId,
        expected_units: r.expectedUnits,
        shipping: r.shipping,
        total: r.total,
        cost_per_unit: r.costPerUnit,
      })),
    objective_value: t.objectiveValue,
  };
  const solver: Schemas['PlanSolver'] = {
    requested,
    name: plan.solver.name,
    optimal: plan.solver.optimal,
    optimality_gap: plan.solver.optimalityGap,
    certified: plan.solver.certified,
    gap_bound: plan.solver.gapBound,
    choice_reason: plan.solver.choiceReason,
    pooled_regions: plan.solver.pooledRegions,
    notes: plan.solver.notes,
    economics: {
      value_per_fast_unit: economics.valuePerFastUnit,
      leftover_cost_per_unit: economics.leftoverCostPerUnit,
      holding_cost_per_unit: economics.holdingCostPerUnit,
    },
    sku_economics: skus.map((s) => ({
      sku_id: s.skuId,
      value_per_fast_unit: (s.economics ?? economics).valuePerFastUnit,
      leftover_cost_per_unit: (s.economics ?? economics).leftoverCostPerUnit,
      holding_cost_per_unit: (s.economics ?? economics).holdingCostPerUnit,
    })),
  };
  const allocations: AllocationRow[] = plan.allocations
    .filter((a) => a.units > 0)
    .map((a) => ({ sku_id: a.skuId, hub_id: a.hubId, units: a.units }));
  let lineNo = 0;
  const orders = plan.supplierOrders.flatMap((order) =>
    order.lines
      .filter((line) => line.quantity > 0)
      .map((line) => ({
        line_no: ++lineNo,
        supplier_id: line.supplierId,
        sku_id: line.skuId,
        quantity: line.quantity,
        destination_hub_id: line.destinationHubId,
        ship_by: line.shipBy,
        arrive_by: line.arriveBy,
        is_fallback: line.isFallback,
        reason: order.reason,
        premium: line.premium,
      })),
  );
  const regions: RegionRow[] = plan.regions
    .filter((r) => !isPickupRegionId(r.regionId))
    .map((r) => ({
      region_id: r.regionId,
      sku_id: r.skuId,
      serving_hub_id: r.servingHubId,
      candidate_hub_ids: r.candidateHubIds,
      in_stock_probability: r.inStockProbability,
      delivery_days_p50: r.deliveryDaysP50,
      delivery_days_p90: r.deliveryDaysP90,
      baseline_days: r.baselineDays,
      lead_time_delta_days: r.leadTimeDeltaDays,
      lead_time_delta_days_p90: r.leadTimeDeltaDaysP90,
    }));
  const unserved: Schemas['PlanUnservedRegion'][] = plan.unservedRegions
    .filter((u) => !isPickupRegionId(u.regionId))
    .map((u) => ({
      region_id: u.regionId,
      reason: u.reason,
      sku_ids: u.skuIds,
      expected_demand_units: u.expectedDemandUnits,
      detail: u.detail,
    }));
  const skuIssues: Schemas['PlanSkuIssue'][] = plan.skuIssues.map((i) => ({
    sku_id: i.skuId,
    reason: i.reason,
    detail: i.detail,
  }));
  return { totals, solver, allocations, orders, regions, unserved, skuIssues };
}

export function planCsv(plan: PartnerPlan): string {
  const header =
    'record_type,plan_id,drop_id,version,sku_id,hub_id,units,supplier_id,ship_by,arrive_by,is_fallback,reason,' +
    'slot_start,slot_end,holds';
  const cell = (v: string | number | boolean) => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const base = [plan.plan_id, plan.drop_id, plan.version];
  const lines = [
    ...plan.allocations.map((a) => [
      'allocation',
      ...base,
      a.sku_id,
      a.hub_id,
      a.units,
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
    ]),
    ...plan.supplier_orders.map((o) => [
      'supplier_order',
      ...base,
      o.sku_id,
      o.destination_hub_id,
      o.quantity,
      o.supplier_id,
      o.ship_by,
      o.arrive_by,
      o.is_fallback,
      o.reason,
      '',
      '',
      '',
    ]),
    // Pickups due per slot (local pickup): units to hand out and how many buyers.
    ...(plan.pickups ?? []).map((p) => [
      'pickup',
      ...base,
      p.sku_id,
      p.hub_id,
      p.units,
      '',
      '',
      '',
      '',
      '',
      p.slot_start,
      p.slot_end,
      p.holds,
    ]),
  ];
  return [header, ...lines.map((l) => l.map(cell).join(','))].join('\r\n') + '\r\n';
}

export function createAllocationService(
  db: Database,
  deps: {
    catalog: CatalogService;
    webhooks: WebhooksService;
    clock: Clock;
    workers?: WorkerPool;
    /** pickup routes for the plan and pickups due for partners (absent: no pickup) */
    pickups?: Pick<PickupService, 'pickupRoutes' | 'pickupsDue'>;
    /** the drop's tier reserve shares, asked of the access module (absent: plans show no tier split) */
    tierShares?: (dropId: string) => Promise<TierShare[]>;
    /** pause after each piece of a plan's rows, as a multiple of the piece's time (config.planWriteDelayRatio; absent: none) */
    planWriteDelayRatio?: number;
  },
) {
  const { catalog, webhooks, clock, pickups } = deps;
  // The planner runs in a worker thread (never on the event loop serving requests) when given a pool.
  const workers = deps.workers ?? inProcessWorkerPool();
  const compute = planComputer(workers);
  const pickupRoutes: PickupRoutesReader | undefined = pickups
    ? (id: string, q: Queryable) => pickups.pickupRoutes(id, q)
    : undefined;

  /** The other drops whose window overlaps this drop's (their plans share its hubs and suppliers), by id. */
  async function overlappingDropIds(q: Queryable, dropId: string): Promise<string[]> {
    const drop = (await catalogReaders.drop(q, dropId))!;
    return catalogReaders.otherDropIdsOverlapping(q, dropId, { opensAt: drop.opens_at, closesAt: drop.closes_at });
  }

  /** A plan whose drop the principal may see (admin, or the drop's creator), or 404. */
  async function visiblePlan(principal: Principal, planId: string, q: Queryable = db): Promise<PlanRow> {
    const row = await repo.findPlan(q, planId);
    if (!row) throw notFound('plan', planId);
    try {
      await catalog.visibleDrop(principal, row.drop_id, q);
    } catch {
      throw notFound('plan', planId);
    }
    return row;
  }

  /** The published plan's part for some hubs; undefined when there is none or it does not involve them. */
  async function partnerPlanOf(q: Queryable, published: PlanRow, hubIds: string[]): Promise<PartnerPlan> {
    const allocations = await repo.listAllocations(q, published.id, hubIds);
    const orders = await repo.listSupplierOrders(q, published.id, hubIds);
    return {
      drop_id: published.drop_id,
      plan_id: published.id,
      version: published.version,
      published_at: iso(published.published_at!),
      hub_ids: hubIds,
      allocations,
      supplier_orders: orders.map(toOrder),
    };
  }

  /**
   * Hub capacity is shared across drops: publishing a plan whose units, with what other drops'
   * published plans hold at the same hubs over an overlapping window, exceed a hub's capacity is
   * refused (409 naming the hubs). Hubs are locked so two publishes cannot both take the last slots.
   */
  async function assertHubsFit(tx: Queryable, row: PlanRow): Promise<void> {
    const own = await repo.listHubUnitsOfPlan(tx, row.id);
    if (own.length === 0) return;
    await catalogReaders.lockHubs(
      tx,
      own.map((h) => h.hub_id),
    );
    const others = await overlappingDropIds(tx, row.drop_id);
    const held = new Map((await repo.listHubUnitsHeldByOtherDrops(tx, others, true)).map((h) => [h.hub_id, h]));
    const capacity = new Map((await catalogReaders.hubs(tx)).map((h) => [h.id, h.capacity_units]));
    const overbooked = own
      .map((h) => ({
        hub_id: h.hub_id,
        capacity_units: capacity.get(h.hub_id) ?? 0,
        plan_units: h.units,
        held_by_other_plans: held.get(h.hub_id)?.units ?? 0,
        held_by_drop_ids: held.get(h.hub_id)?.drop_ids ?? [],
      }))
      .filter((h) => h.plan_units + h.held_by_other_plans > h.capacity_units);
    if (overbooked.length > 0) {
      throw new AppError(
        'conflict',
        `publishing plan '${row.id}' would overbook ${overbooked.length} hub(s) shared with other drops: ${overbooked
          .map((h) => `${h.hub_id} (${h.plan_units} + ${h.held_by_other_plans} held > ${h.capacity_units})`)
          .join(', ')}; compute a new draft, which plans around them`,
        { extensions: { reason: 'hub_capacity_overbooked', hubs: overbooked } },
      );
    }
  }

  /**
   * Supplier capacity is shared across drops the same way: publishing a plan whose supplier orders,
   * with what other drops' published plans order from the same supplier over an overlapping
   * window, exceed the supplier's capacity is refused (409 naming the suppliers). Suppliers are
   * locked so two publishes cannot both take the last units.
   */
  async function assertSuppliersFit(tx: Queryable, row: PlanRow): Promise<void> {
    const own = await repo.listSupplierUnitsOfPlan(tx, row.id);
    if (own.length === 0) return;
    await catalogReaders.lockSuppliers(
      tx,
      own.map((f) => f.supplier_id),
    );
    const others = await overlappingDropIds(tx, row.drop_id);
    const held = new Map(
      (await repo.listSupplierUnitsHeldByOtherDrops(tx, others, true)).map((f) => [f.supplier_id, f]),
    );
    const suppliers = new Map((await catalogReaders.suppliers(tx)).map((f) => [f.id, f]));
    const overbooked: SupplierOverbooked[] = own
      .map((f) => ({
        supplier_id: f.supplier_id,
        date: null,
        capacity_units: suppliers.get(f.supplier_id)?.capacity_units ?? 0,
        plan_units: f.units,
        held_by_other_plans: held.get(f.supplier_id)?.units ?? 0,
        held_by_drop_ids: held.get(f.supplier_id)?.drop_ids ?? [],
      }))
      .filter((f) => f.plan_units + f.held_by_other_plans > f.capacity_units);
    // Capacity by date: the units shipping by each date, with other drops' published orders, within
    // the units ready by then (cumulative), for the suppliers that fit in total.
    const dated = own.filter(
      (f) =>
        (suppliers.get(f.supplier_id)?.capacity_by_date ?? []).length > 0 &&
        !overbooked.some((o) => o.supplier_id === f.supplier_id),
    );
    if (dated.length > 0) {
      const ownByDate = await repo.listSupplierUnitsByDateOfPlan(tx, row.id);
      const heldByDate = await repo.listSupplierUnitsByDateHeldByOtherDrops(tx, others, true);
      for (const f of dated) {
        const heldRows = heldByDate.filter((h) => h.supplier_id === f.supplier_id);
        const first = firstOverbookedDate(
          suppliers.get(f.supplier_id)!.capacity_by_date,
          ownByDate.filter((o) => o.supplier_id === f.supplier_id),
          heldRows,
        );
        if (first)
          overbooked.push({
            supplier_id: f.supplier_id,
            ...first,
            held_by_drop_ids: [
              ...new Set(heldRows.filter((h) => h.date <= first.date).flatMap((h) => h.drop_ids)),
            ].sort(),
          });
      }
    }
    if (overbooked.length > 0) {
      throw new AppError(
        'conflict',
        `publishing plan '${row.id}' would overbook ${overbooked.length} supplier(s) shared with other drops: ${overbooked
          .map(
            (f) =>
              `${f.supplier_id}${f.date === null ? '' : ` by ${f.date}`} (${f.plan_units} + ${f.held_by_other_plans} held > ${f.capacity_units})`,
          )
          .join(', ')}; compute a new draft, which plans around them`,
        { extensions: { reason: 'supplier_capacity_overbooked', suppliers: overbooked } },
      );
    }
  }

  /** A re-plan of another drop, computed before the publish transaction. */
  interface Replan {
    dropId: string;
    /** the published plan it replaces (the publish is refused if that changed meanwhile) */
    replaces: string;
    forecastId: string;
    snapshot: CatalogSnapshot;
    overrides: PlanOverrides;
    stored: Awaited<ReturnType<typeof compute.storedPlan>>;
    now: Date;
  }

  /** The drops named by a 409 for an overbooked hub or supplier (their published plans hold it). */
  function conflictingDropIds(error: unknown): string[] {
    if (!(error instanceof AppError) || error.code !== 'conflict') return [];
    const ext = error.options.extensions ?? {};
    if (ext.reason !== 'hub_capacity_overbooked' && ext.reason !== 'supplier_capacity_overbooked') return [];
    const resources = [...((ext.hubs as unknown[]) ?? []), ...((ext.suppliers as unknown[]) ?? [])] as {
      held_by_drop_ids: string[];
    }[];
    return [...new Set(resources.flatMap((r) => r.held_by_drop_ids))].sort();
  }

  /** Marks a plan published (its drop's published plan superseded) and writes its webhook events. */
  async function markPublishedWithEvents(tx: Queryable, planId: string, dropId: string, at: Date): Promise<number> {
    const previous = await repo.supersedePublished(tx, dropId, at);
    await repo.markPublished(tx, planId, at);
    const involved = new Set(await repo.listInvolvedHubIds(tx, planId));
    if (previous) for (const h of await repo.listInvolvedHubIds(tx, previous)) involved.add(h);
    const operators = await catalogReaders.operatorsOfHubs(tx, [...involved]);
    const hubsByPartner = new Map<string, string[]>();
    for (const o of operators)
      hubsByPartner.set(o.operator_partner_id, [...(hubsByPartner.get(o.operator_partner_id) ?? []), o.id]);
    const published = (await repo.findPlan(tx, planId))!;
    const data = new Map<string, PartnerPlan>();
    for (const [partnerId, hubIds] of hubsByPartner) data.set(partnerId, await partnerPlanOf(tx, published, hubIds));
    return webhooks.enqueue(tx, 'plan.published', [...hubsByPartner.keys()], (partnerId) => data.get(partnerId));
  }

  /**
   * Publishes a draft, and with it the re-plans of other drops (each stored as its drop's next
   * version and published), in one transaction; every published plan is checked against the hubs
   * and suppliers it shares, else nothing is written.
   */
  async function publishWith(first: PlanRow, replans: Replan[]) {
    let enqueued = 0;
    const replanned: Schemas['ReplannedPlan'][] = [];
    await db.transaction(async (tx) => {
      // Drops in id order, so two publishes that re-plan each other's drop cannot deadlock.
      for (const dropId of [...new Set([first.drop_id, ...replans.map((r) => r.dropId)])].sort())
        await catalogReaders.lockDrop(tx, dropId);
      const row = (await repo.findPlan(tx, first.id))!;
      if (row.status === 'published') return;
      if (row.status !== 'draft') {
        throw new AppError(
          'conflict',
          `plan '${first.id}' is ${row.status === 'what_if' ? 'a what-if plan, which is never published' : 'superseded; compute a new draft'}`,
          {
            extensions: { plan_status: row.status },
          },
        );
      }
      const at = clock.now();
      const published: PlanRow[] = [];
      for (const r of replans) {
        if ((await repo.findPublishedPlan(tx, r.dropId))?.id !== r.replaces) {
          throw new AppError(
            'conflict',
            `drop '${r.dropId}' published another plan while it was re-planned; publish again`,
            { extensions: { reason: 'replan_outdated', drop_id: r.dropId } },
          );
        }
        const id = newPlanId();
        await repo.insertPlan(tx, {
          id,
          drop_id: r.dropId,
          version: await repo.nextPlanVersion(tx, r.dropId),
          status: 'draft',
          forecast_id: r.forecastId,
          catalog_snapshot: r.snapshot,
          overrides: r.overrides,
          solver: r.stored.solver,
          totals: r.stored.totals,
          unserved_regions: r.stored.unserved,
          sku_issues: r.stored.skuIssues,
          created_at: r.now,
        });
        await repo.insertAllocations(tx, id, r.stored.allocations);
        await repo.insertSupplierOrders(tx, id, r.stored.orders);
        await repo.insertRegions(tx, id, r.stored.regions);
        enqueued += await markPublishedWithEvents(tx, id, r.dropId, at);
        const saved = (await repo.findPlan(tx, id))!;
        published.push(saved);
        replanned.push({ drop_id: r.dropId, plan_id: id, version: saved.version, superseded_plan_id: r.replaces });
      }
      enqueued += await markPublishedWithEvents(tx, first.id, first.drop_id, at);
      // Checked once all are published, so each check sees the others (a refusal rolls all back).
      for (const p of [row, ...published]) {
        await assertHubsFit(tx, p);
        await assertSuppliersFit(tx, p);
      }
    });
    if (enqueued > 0) webhooks.kick();
    const plan = await readPlan(db, (await repo.findPlan(db, first.id))!);
    return replans.length > 0 ? { ...plan, replanned_plans: replanned } : plan;
  }

  const service = {
    /** Computes and stores a draft (or a what-if) plan. The plan rests on the latest stored forecast. */
    /** 404 unless the key may plan this drop (before queuing the work). */
    async checkDrop(principal: Principal, dropId: string): Promise<void> {
      await catalog.visibleDrop(principal, dropId);
    },
    /**
     * Computes and stores a draft (or a what-if) plan on the drop's latest stored forecast: its id
     * and status. On PostgreSQL with worker threads, a worker does it all on its own connection
     * (reads, maths, the plan's rows) and, when `answer` is 'json', serialises the plan as the
     * inline answer sends it: the serving thread only receives the bytes. Otherwise (the embedded
     * PGlite, which lives in this thread) the reads and writes run here, the maths in the worker.
     */
    async storePlan(
      principal: Principal,
      dropId: string,
      options: { solver?: SolverChoice; overrides?: PlanOverrides; whatIf?: boolean } = {},
      answer: 'summary' | 'json' = 'summary',
    ): Promise<StoredPlanRef & { json?: Uint8Array }> {
      await catalog.visibleDrop(principal, dropId);
      const request: PlanRequest = {
        dropId,
        overrides: options.overrides ?? {},
        requested: options.solver ?? 'auto',
        whatIf: options.whatIf ?? false,
        now: clock.now(),
      };
      if (db.threadConnection && workers.kind === 'threads')
        return compute.storedPlanOnOwnConnection(
          db.threadConnection,
          request,
          Boolean(pickups),
          answer,
          deps.planWriteDelayRatio ?? 0,
        );
      return computeAndStorePlan(db, request, compute.storedPlan, pickupRoutes, deps.planWriteDelayRatio ?? 0);
    },

    /** Computes and stores a draft (or a what-if) plan, answered in full (CLI, demo catalog). */
    async computePlan(
      principal: Principal,
      dropId: string,
      options: { solver?: SolverChoice; overrides?: PlanOverrides; whatIf?: boolean } = {},
    ): Promise<Plan> {
      const { id } = await service.storePlan(principal, dropId, options);
      return readPlan(db, (await repo.findPlan(db, id))!);
    },

    /**
     * The inline answer of a plan computation: the plan's JSON bytes when a worker serialised it
     * (PostgreSQL), else the plan, for the route to serialise a slice at a time.
     */
    async computePlanAnswer(
      principal: Principal,
      dropId: string,
      options: { solver?: SolverChoice; overrides?: PlanOverrides; whatIf?: boolean } = {},
    ): Promise<{ json: Uint8Array } | { plan: Plan }> {
      const stored = await service.storePlan(principal, dropId, options, 'json');
      if (stored.json) return { json: stored.json };
      return { plan: await readPlan(db, (await repo.findPlan(db, stored.id))!) };
    },

    async listPlans(
      principal: Principal,
      dropId: string,
      status: Schemas['PlanStatus'] | undefined,
      page: PageRequest,
    ): Promise<Page<PlanSummary>> {
      await catalog.visibleDrop(principal, dropId);
      return pageOf(await repo.listPlans(db, dropId, status, page), page, (r) => [String(r.version)], toSummary);
    },

    async getPlan(principal: Principal, planId: string): Promise<Plan> {
      const row = await visiblePlan(principal, planId);
      const [plan, shares] = await Promise.all([readPlan(db, row), deps.tierShares?.(row.drop_id) ?? []]);
      if (shares.length === 0) return plan;
      return { ...plan, tier_reserves: planTierReserves(plan.allocations, plan.regions, shares) };
    },

    /**
     * draft → published; the published plan (if any) → superseded; one webhook event per subscribed
     * partner whose hubs the new or the superseded plan involves, in the same transaction (outbox).
     *
     * A plan that would overbook a hub or a supplier shared with other drops is refused (409). With
     * `replanConflicting`, the other drops whose published plans it conflicts with are re-planned
     * instead: each is computed again (its overrides and solver, its latest forecast) against what the
     * published plans leave once this one is published, and in one transaction the new plans and this
     * one are published and every one of them checked again; if any still does not fit, or a drop
     * changed meanwhile, nothing is written (409).
     */
    async publishPlan(
      principal: Principal,
      planId: string,
      options: { replanConflicting?: boolean } = {},
    ): Promise<Plan & { replanned_plans?: Schemas['ReplannedPlan'][] }> {
      const first = await visiblePlan(principal, planId);
      try {
        return await publishWith(first, []);
      } catch (error) {
        const conflicts = conflictingDropIds(error);
        if (!options.replanConflicting || conflicts.length === 0) throw error;
        // Only drops the key may plan are re-planned; another tenant's drop keeps its plan.
        for (const dropId of conflicts) {
          try {
            await catalog.visibleDrop(principal, dropId);
          } catch {
            throw error;
          }
        }
        const replans: Replan[] = [];
        for (const dropId of conflicts) {
          const current = await repo.findPublishedPlan(db, dropId);
          if (!current) continue;
          const overrides = (current.overrides ?? {}) as PlanOverrides;
          const requested = (current.solver as Schemas['PlanSolver']).requested ?? 'auto';
          const now = clock.now();
          const { forecast, snapshot, cells } = await readPlanInputs(db, dropId, overrides, now, pickupRoutes, {
            publishedOnly: true,
            assumed: { dropId: first.drop_id, planId },
          });
          const stored = await compute.storedPlan(snapshot, cells, overrides, now, requested);
          replans.push({ dropId, replaces: current.id, forecastId: forecast.id, snapshot, overrides, stored, now });
        }
        return publishWith(first, replans);
      }
    },

    /**
     * A what-if plan becomes the drop's next draft, copied as computed (no second solve, so the draft
     * is the plan the user saw). One draft per what-if plan: a retry answers the saved one.
     */
    async saveWhatIfAsDraft(principal: Principal, planId: string): Promise<{ plan: Plan; created: boolean }> {
      const first = await visiblePlan(principal, planId);
      const result = await db.transaction(async (tx) => {
        await catalogReaders.lockDrop(tx, first.drop_id);
        const saved = await repo.findSavedDraftId(tx, planId);
        if (saved) return { id: saved, created: false };
        const row = (await repo.findPlan(tx, planId))!;
        if (row.status !== 'what_if' || !row.forecast_id) {
          throw new AppError(
            'conflict',
            `plan '${planId}' is ${row.status}; only a what-if plan can be saved as a draft`,
            {
              extensions: { plan_status: row.status },
            },
          );
        }
        const id = newPlanId();
        const at = clock.now();
        const allocations = await repo.listAllocations(tx, planId);
        const orders = await repo.listSupplierOrders(tx, planId);
        const regions = await repo.listRegions(tx, planId);
        await repo.insertPlan(tx, {
          id,
          drop_id: row.drop_id,
          version: await repo.nextPlanVersion(tx, row.drop_id),
          status: 'draft',
          forecast_id: row.forecast_id,
          catalog_snapshot: row.catalog_snapshot,
          overrides: row.overrides,
          solver: row.solver,
          totals: row.totals,
          unserved_regions: row.unserved_regions,
          sku_issues: row.sku_issues,
          created_at: at,
        });
        await repo.insertAllocations(tx, id, allocations);
        await repo.insertSupplierOrders(
          tx,
          id,
          orders.map((o) => ({ ...o, ship_by: iso(o.ship_by), arrive_by: iso(o.arrive_by) })),
        );
        await repo.insertRegions(tx, id, regions);
        await repo.insertSavedDraft(tx, planId, id, at);
        return { id, created: true };
      });
      return { plan: await readPlan(db, (await repo.findPlan(db, result.id))!), created: result.created };
    },

    async comparePlans(principal: Principal, aId: string, bId: string): Promise<Schemas['PlanComparison']> {
      const [a, b] = [
        await readPlan(db, await visiblePlan(principal, aId)),
        await readPlan(db, await visiblePlan(principal, bId)),
      ];
      if (a.drop_id !== b.drop_id) {
        throw new AppError('unprocessable', 'only plans of the same drop can be compared', {
          errors: [{ path: 'b', message: `plan '${bId}' belongs to another drop` }],
        });
      }
      const delta = (x: number, y: number) => ({ a: x, b: y, delta: y - x });
      const units = new Map<string, { sku_id: string; hub_id: string; a: number; b: number }>();
      for (const [side, plan] of [
        ['a', a],
        ['b', b],
      ] as const) {
        for (const al of plan.allocations) {
          const k = `${al.sku_id}\u0000${al.hub_id}`;
          const entry = units.get(k) ?? { sku_id: al.sku_id, hub_id: al.hub_id, a: 0, b: 0 };
          entry[side] = al.units;
          units.set(k, entry);
        }
      }
      const regions = new Map<string, { a?: Schemas['PlanRegion']; b?: Schemas['PlanRegion'] }>();
      for (const [side, plan] of [
        ['a', a],
        ['b', b],
      ] as const) {
        for (const r of plan.regions) {
          const k = `${r.region_id}\u0000${r.sku_id}`;
          regions.set(k, { ...regions.get(k), [side]: r });
        }
      }
      const {
        allocations: _a,
        supplier_orders: _o,
        regions: _r,
        unserved_regions: _u,
        sku_issues: _s,
        catalog_snapshot: _c,
        ...summaryA
      } = a;
      const {
        allocations: _a2,
        supplier_orders: _o2,
        regions: _r2,
        unserved_regions: _u2,
        sku_issues: _s2,
        catalog_snapshot: _c2,
        ...summaryB
      } = b;
      return {
        drop_id: a.drop_id,
        a: summaryA,
        b: summaryB,
        fill_rate_within_promise: delta(a.totals.fill_rate_within_promise, b.totals.fill_rate_within_promise),
        expected_units_within_promise: delta(
          a.totals.expected_units_within_promise,
          b.totals.expected_units_within_promise,
        ),
        units_placed: delta(a.totals.units_placed, b.totals.units_placed),
        cost_total: delta(a.totals.cost.total, b.totals.cost.total),
        objective_value: delta(a.totals.objective_value, b.totals.objective_value),
        allocations: [...units.values()]
          .filter((u) => u.a !== u.b)
          .map((u) => ({ ...u, delta: u.b - u.a }))
          .sort((x, y) => (x.sku_id === y.sku_id ? (x.hub_id < y.hub_id ? -1 : 1) : x.sku_id < y.sku_id ? -1 : 1)),
        regions: [...regions.entries()]
          .sort(([x], [y]) => (x < y ? -1 : 1))
          .map(([, { a: ra, b: rb }]) => ({
            region_id: (ra ?? rb)!.region_id,
            sku_id: (ra ?? rb)!.sku_id,
            serving_hub_id_a: ra?.serving_hub_id ?? null,
            serving_hub_id_b: rb?.serving_hub_id ?? null,
            in_stock_probability: delta(ra?.in_stock_probability ?? 0, rb?.in_stock_probability ?? 0),
            lead_time_delta_days_a: ra?.lead_time_delta_days ?? null,
            lead_time_delta_days_b: rb?.lead_time_delta_days ?? null,
          })),
      };
    },

    /**
     * The published plan restricted to hubs. A partner sees only hubs it operates, and only when the
     * published plan involves one of them; otherwise 404, like a drop that does not exist.
     */
    async readPublishedForHubs(
      principal: Principal,
      dropId: string,
      options: { hubId?: string; partnerId?: string },
    ): Promise<PartnerPlan> {
      const missing = () => notFound('published plan for drop', dropId);
      let hubIds: string[];
      if (principal.role === 'partner') {
        hubIds = await catalogReaders.hubIdsOperatedBy(db, principal.partnerId);
        if (options.hubId) {
          if (!hubIds.includes(options.hubId)) throw notFound('hub', options.hubId);
          hubIds = [options.hubId];
        }
      } else if (principal.role === 'admin' || principal.role === 'creator') {
        if (principal.role === 'creator') await catalog.visibleDrop(principal, dropId);
        if (options.hubId) {
          if (!(await catalogReaders.hub(db, options.hubId))) throw notFound('hub', options.hubId);
          hubIds = [options.hubId];
        } else
          hubIds = options.partnerId
            ? await catalogReaders.hubIdsOperatedBy(db, options.partnerId)
            : (await catalogReaders.hubs(db)).map((h) => h.id);
      } else throw missing();
      const published = await repo.findPublishedPlan(db, dropId);
      if (!published) throw missing();
      if (principal.role === 'partner') {
        const involved = new Set(await repo.listInvolvedHubIds(db, published.id));
        if (!hubIds.some((h) => involved.has(h))) throw missing();
      }
      const plan = await partnerPlanOf(db, published, hubIds);
      return pickups ? { ...plan, pickups: await pickups.pickupsDue(dropId, hubIds) } : plan;
    },

    /** A live re-plan proposal for a drop, computed now (not stored). */
    async proposeReplan(principal: Principal | null, dropId: string): Promise<Schemas['ReplanProposal']> {
      if (principal) await catalog.visibleDrop(principal, dropId);
      const now = clock.now();
      const { forecast, snapshot, cells } = await readPlanInputs(db, dropId, {}, now, pickupRoutes);
      const stock = await signalsReaders.liveStockOf(
        db,
        snapshot.skus.map((s) => s.id),
      );
      const published = await repo.findPublishedPlan(db, dropId);
      return {
        drop_id: dropId,
        computed_at: iso(now),
        forecast_id: forecast.id,
        plan_id: published?.id ?? null,
        ...(await compute.replan(snapshot, cells, stock, now)),
      };
    },

    /** The scheduled re-plan: a stored proposal for every drop whose window is open now. */
    async replanLiveDrops(): Promise<number> {
      let stored = 0;
      for (const dropId of await catalogReaders.liveDropIds(db, clock.now())) {
        if (!(await forecastReaders.latestOf(db, dropId))) continue;
        const proposal = await service.proposeReplan(null, dropId);
        await repo.insertReplanProposal(db, {
          id: `replan_${randomBytes(8).toString('hex')}`,
          drop_id: dropId,
          plan_id: proposal.plan_id,
          forecast_id: proposal.forecast_id,
          proposal,
          created_at: new Date(proposal.computed_at),
        });
        stored += 1;
      }
      return stored;
    },
  };
  return service;
}

export type AllocationService = ReturnType<typeof createAllocationService>;
