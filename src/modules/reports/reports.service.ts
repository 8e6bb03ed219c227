import type { Database } from '../../db/database';
import { notFound } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import type { Principal } from '../../http/principal';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import type { AccessService } from '../access';
import type { PlanReader } from '../allocation';
import { catalogReaders, type CatalogService } from '../catalog';
import type { DeliveryService } from '../delivery';
import type { ForecastReader } from '../forecast';
import type { QueueService } from '../queue';
import type { ReturnsService } from '../returns';
import { signalsReaders } from '../signals';
import { queueOutcomes, tierFillRates } from './core/community-report';
import { buildPostDropReport, type PostDropInput } from './core/post-drop-report';
import { reportsRepository as repo } from './reports.repository';

/** Quantile levels 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95: p10, p50, p90 sit at these indexes. */
const P10 = 1;
const P50 = 3;
const P90 = 5;
/** The report job's work list: at most this many drops per run, found this many candidates at a time. */
const DUE_PER_RUN = 50;
const DUE_PAGE = 500;

export interface ReportsServiceDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  catalog: CatalogService;
  /** the plan in force, asked of the allocation module */
  plans: Pick<PlanReader, 'planInForce' | 'allocations' | 'regions' | 'supplierOrders'>;
  /** the last forecast before opening, asked of the forecast module */
  forecasts: Pick<ForecastReader, 'lastBeforeOpening'>;
  /** what hubs reported receiving, asked of the delivery module (the stock ledger) */
  stock: Pick<DeliveryService, 'receivedStock'>;
  /** return rates as of the read, asked of the returns module (returns arrive after the close) */
  returns: Pick<ReturnsService, 'returnRates'>;
  /** tier reserves and queue entries (issue 16), asked of their modules; absent: no community section */
  access?: Pick<AccessService, 'tierReserves' | 'unitsTakenByTier'>;
  queue?: Pick<QueueService, 'outcomes'>;
  /** The learning loop: a closed drop joins the forecast's training history. */
  recordClosedDrop: (dropId: string) => Promise<unknown>;
}

export function createReportsService(deps: ReportsServiceDeps) {
  const { db, clock, logger, catalog, plans, forecasts } = deps;

  /**
   * Units at hubs for the drop's SKUs: the planned allocation, replaced by what the hub reported
   * receiving (when it reported any), plus its adjustments; never below zero.
   */
  async function stockAtOpening(planId: string) {
    const allocations = await plans.allocations(planId);
    const reported = await deps.stock.receivedStock([...new Set(allocations.map((a) => a.sku_id))]);
    const byHubSku = new Map(reported.map((r) => [`${r.hub_id}\u0000${r.sku_id}`, r]));
    return allocations.map((a) => {
      const hub = byHubSku.get(`${a.hub_id}\u0000${a.sku_id}`);
      const base = hub && hub.received !== 0 ? hub.received : a.units;
      return { sku_id: a.sku_id, hub_id: a.hub_id, units: Math.max(0, base + (hub?.adjusted ?? 0)) };
    });
  }

  /**
   * Drops past their close (not drafts) that have no report yet, by close then id, at most
   * DUE_PER_RUN: the catalog's drops past close, less those this module has reported.
   */
  async function dropsDueForReport(now: Date): Promise<string[]> {
    const due: string[] = [];
    let afterId: string | null = null;
    for (;;) {
      const page = await catalogReaders.dropsPastClose(db, now, afterId, DUE_PAGE);
      const reported = new Set(await repo.reportedAmong(db, page));
      due.push(...page.filter((id) => !reported.has(id)));
      if (due.length >= DUE_PER_RUN || page.length < DUE_PAGE) return due.slice(0, DUE_PER_RUN);
      afterId = page[page.length - 1]!;
    }
  }

  async function loadInput(dropId: string): Promise<{ input: PostDropInput; planId: string | null; forecastId: string | null }> {
    // The drop with its baseline paths, one read of the catalog.
    const drop = (await catalogReaders.drop(db, dropId))!;
    const baseline = drop.baseline.paths;
    const [orders, hubs, plan, forecast] = await Promise.all([
      signalsReaders.placedPreordersUntil(db, dropId, drop.closes_at),
      catalogReaders.hubs(db),
      plans.planInForce(dropId),
      forecasts.lastBeforeOpening(dropId, drop.opens_at),
    ]);
    const [stock, planRegions, supplierOrders] = plan
      ? await Promise.all([stockAtOpening(plan.id), plans.regions(plan.id), plans.supplierOrders(plan.id)])
      : [[], [], []];
    return {
      planId: plan?.id ?? null,
      forecastId: forecast.forecastId ?? null,
      input: {
        dropId,
        promiseBusinessDays: drop.promise_business_days,
        orders: orders.map((o) => ({ skuId: o.sku_id, regionId: o.region_id, quantity: o.quantity, placedAt: o.placed_at.getTime() })),
        hubs: hubs.map((h) => ({ hubId: h.id, handlingDays: h.handling_days, capacityUnits: h.capacity_units, lanes: h.lanes.map((l) => ({ regionId: l.region_id, transitDaysMin: l.transit_days_min, transitDaysMax: l.transit_days_max })) })),
        stock: stock.map((s) => ({ skuId: s.sku_id, hubId: s.hub_id, units: s.units })),
        forecast: forecast.cells.map((c) => ({ skuId: c.sku_id, regionId: c.region_id, mean: c.mean, p10: c.quantiles[P10] ?? 0, p50: c.quantiles[P50] ?? 0, p90: c.quantiles[P90] ?? 0 })),
        planRegions: planRegions.map((r) => ({ skuId: r.sku_id, regionId: r.region_id, servingHubId: r.serving_hub_id, leadTimeDeltaDays: r.lead_time_delta_days })),
        supplierOrders: supplierOrders.map((o) => ({ supplierId: o.supplier_id, skuId: o.sku_id, quantity: o.quantity, destinationHubId: o.destination_hub_id, isFallback: o.is_fallback, reason: o.reason, premium: o.premium })),
        skuIssues: (plan?.sku_issues ?? []).map((issue) => ({ skuId: issue.sku_id, reason: issue.reason })),
        baselineByRegion: Object.fromEntries(baseline.map((b) => [b.region_id, { handlingDays: b.handling_days, transitDaysMin: b.transit_days_min, transitDaysMax: b.transit_days_max }])),
      },
    };
  }

  /**
   * Tier fill rates and queue outcomes, read when the report is read (as returns are): a late
   * confirmation or an offer lapsing after the close still counts.
   */
  async function community(dropId: string): Promise<Schemas['CommunityReport']> {
    const now = clock.now();
    const [reserves, entries, taken] = await Promise.all([
      deps.access ? deps.access.tierReserves(dropId, await catalogReaders.skuIdsOf(db, dropId)) : undefined,
      deps.queue ? deps.queue.outcomes(dropId) : [],
      // Taken units count only for the tiers of the reserves (none without the access module).
      deps.access ? deps.access.unitsTakenByTier(dropId, now) : [],
    ]);
    return {
      tiers: tierFillRates(
        (reserves ?? []).map((r) => ({
          tier: r.tier,
          skuId: r.sku_id,
          regionId: r.region_id ?? null,
          reserved: r.reserved,
          rolledIn: r.rolled_in,
          used: r.used,
        })),
        new Map(taken.map((t) => [t.tier, t.units])),
      ),
      queue: queueOutcomes(
        entries.map((e) => ({
          promisedProbability: e.promised_probability,
          quantity: e.quantity,
          status: e.status,
          holdStatus: e.hold_status,
          holdExpiresAtMs: e.hold_expires_at?.getTime() ?? null,
        })),
        now.getTime(),
      ),
    };
  }

  return {
    /**
     * The scheduled step (every minute): each drop past its close gets its report, is marked
     * closed, and joins the training history. A failure on one drop does not stop the others.
     */
    async reportClosedDrops(): Promise<string[]> {
      const done: string[] = [];
      for (const dropId of await dropsDueForReport(clock.now())) {
        try {
          const { input, planId, forecastId } = await loadInput(dropId);
          const report = buildPostDropReport(input);
          await db.transaction(async (tx) => {
            await repo.insertReport(tx, { dropId, planId, forecastId, report });
            await deps.catalog.markDropClosed(tx, dropId);
          });
          await deps.recordClosedDrop(dropId);
          done.push(dropId);
        } catch (error) {
          logger.error({ err: error, dropId }, 'post-drop report failed');
        }
      }
      return done;
    },

    async getReport(principal: Principal, dropId: string): Promise<Schemas['PostDropReport']> {
      await catalog.visibleDrop(principal, dropId);
      const row = await repo.findReport(db, dropId);
      if (!row) throw notFound('report for drop', dropId);
      return {
        ...(row.report as Omit<Schemas['PostDropReport'], 'plan_id' | 'forecast_id' | 'created_at' | 'returns' | 'community'>),
        plan_id: row.plan_id,
        forecast_id: row.forecast_id,
        created_at: row.created_at.toISOString(),
        returns: await deps.returns.returnRates(dropId),
        community: await community(dropId),
      };
    },
  };
}

export type ReportsService = ReturnType<typeof createReportsService>;
