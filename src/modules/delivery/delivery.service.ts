import { createHash, randomUUID } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database, Queryable } from '../../db/database';
import { AppError, notFound } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import { pageOf, type Page, type PageRequest } from '../../http/pagination';
import { ownsCreator, type Principal } from '../../http/principal';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import { createKeyedBatches } from '../../shared/keyed-batches';
import type { AccessService, PlacedWithAccess } from '../access';
import type { PlanReader } from '../allocation';
import type { CatalogService } from '../catalog';
import type { ForecastReader } from '../forecast';
import type { PickupService } from '../pickup';
import {
  compareLaneOrder,
  estimateCart,
  estimateDelivery,
  type DeliveryEstimate,
  type LaneRanked,
} from './core/delivery-window';
import { previewQueueByRegion, reservedByTierPerRegion } from './core/preview-community';
import { deliveryRepository as repo, type HoldBatchItem, type HoldBatchRow, type HoldRow } from './delivery.repository';
import type { CartInput, EstimateQuery, HoldInput } from './delivery.schemas';
import {
  hubCandidates,
  resolveRegion,
  stockKey,
  type DeliverySnapshot,
  type DeliverySnapshotCache,
  type SkuEntry,
} from './delivery-snapshot';
import { pickupOptionsFor, placeHoldWithSlot, requestedPickupSlot } from './pickup-options';

type Estimate = Schemas['DeliveryEstimate'];

/** Quantiles are stored at 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95: p10, p50 and p90 sit here. */
const P10 = 1;
const P50 = 3;
const P90 = 5;
/** The most holds one statement places (a batch of a SKU's holds that arrived while its last one ran). */
const HOLD_BATCH_MAX = 64;

export function createDeliveryService(deps: {
  db: Database;
  clock: Clock;
  snapshots: DeliverySnapshotCache;
  catalog: CatalogService;
  /** the preview's plan and forecast, asked of the modules that own them */
  plans: Pick<PlanReader, 'previewPlan' | 'regions' | 'allocations'>;
  forecasts: Pick<ForecastReader, 'latest'>;
  /** the pickup slot step of a hold (absent: holds with a pickup slot are refused) */
  pickups?: Pick<PickupService, 'reserveSlot'>;
  /** community access (tiers, account limits): holds on a drop with rules go through its one-statement step */
  access?: Pick<AccessService, 'prepareHold' | 'placeHold' | 'batchable' | 'holdOutcome' | 'tierReserves'>;
  /** the fair queue's waiting entries per region, for the creator's preview (absent: not shown) */
  queue?: {
    waitingByRegion(dropId: string): Promise<{ region_id: string; sku_id: string; entries: number; units: number }[]>;
  };
  logger: Logger;
  /** where the ledger's metrics are registered (served at /metrics) */
  metrics?: Registry;
}) {
  const { db, clock, snapshots, catalog, plans, forecasts, pickups, logger, access, queue } = deps;
  const registry = deps.metrics ?? new Registry();
  const metrics = ledgerMetrics(registry);
  const batchSizes = new Histogram({
    name: 'hold_batch_size',
    help: 'Holds placed per statement: parallel holds of one SKU go to the database together',
    buckets: [1, 2, 4, 8, 16, 32, HOLD_BATCH_MAX],
    registers: [registry],
  });
  const holdBatches = createKeyedBatches<HoldBatchItem, HoldBatchRow>({
    maxBatch: HOLD_BATCH_MAX,
    maxInFlight: 2,
    run: (items) => repo.placeHolds(db, items, db.engine === 'postgres'),
    // A database fault arrives as AppError('unavailable'): the batch may have committed, so no retry.
    retryAlone: (error) => !(error instanceof AppError),
    onBatch: (size) => batchSizes.observe(size),
  });

  /** The SKU if the key may see it; another tenant's SKU is indistinguishable from none. */
  function visibleSku(principal: Principal, skuId: string, field: string): SkuEntry {
    const sku = snapshots.current().skus.get(skuId);
    if (!sku || !ownsCreator(principal, sku.creatorId)) {
      throw new AppError('not_found', `SKU '${skuId}' was not found`, {
        errors: [{ path: field, message: 'unknown SKU' }],
      });
    }
    return sku;
  }

  type LineEstimate = DeliveryEstimate | Omit<Schemas['DeliveryNoPromise'], 'sku_id' | 'drop_id'>;

  function estimateLine(sku: SkuEntry, regionId: string, quantity: number, orderedAt: string): LineEstimate {
    if (!sku.publishedPlanId) {
      return {
        status: 'no_promise',
        region_id: regionId,
        quantity,
        reason: 'no_published_plan',
        quantity_available: 0,
        detail: `drop '${sku.dropId}' has no published allocation plan yet`,
      };
    }
    const snapshot = snapshots.current();
    return estimateDelivery({
      ordered_at: orderedAt,
      quantity,
      region: snapshot.regions.get(regionId)!,
      promise_business_days: sku.promiseBusinessDays,
      opens_at: sku.opensAt,
      hubs: hubCandidates(snapshot, regionId, sku.id),
      supplier: null,
      baseline: sku.baselineByRegion.get(regionId) ?? null,
    });
  }

  /**
   * The slot step of a pickup hold, in the hold's transaction: the ledger records the slot on the
   * hold, then the pickup module checks the slot's room (and refuses, rolling both back, if full).
   */
  async function reservePickupSlot(
    tx: Queryable,
    holdId: string,
    slot: { hubId: string; startMs: number; endMs: number },
    quantity: number,
    now: Date,
  ): Promise<void> {
    if (!pickups)
      throw new AppError('unprocessable', 'pickup is not available here', {
        errors: [{ path: 'pickup.hub_id', message: 'pickup is not offered' }],
      });
    await repo.setPickupSlot(tx, holdId, new Date(slot.startMs), new Date(slot.endMs));
    return pickups.reserveSlot(tx, {
      holdId,
      hubId: slot.hubId,
      slotStartMs: slot.startMs,
      slotEndMs: slot.endMs,
      quantity,
      now,
    });
  }

  const withSku = (sku: SkuEntry, estimate: LineEstimate): Estimate => ({
    sku_id: sku.id,
    drop_id: sku.dropId,
    ...estimate,
  });

  // An estimate is a pure function of (snapshot, SKU, region, quantity, order minute): every cutoff
  // and local midnight falls on a whole UTC minute, so all instants of one minute are on the same
  // side of each. (An opening or arrival inside that minute can only change `start_reason` between
  // its seconds, never a date.) Storefronts ask the same questions many times a second; the cache
  // keeps the answer and its JSON, and starts over whenever the snapshot is replaced.
  let cachedFor: DeliverySnapshot | undefined;
  const answers = new Map<string, { body: Estimate; json: string }>();
  const MAX_CACHED_ANSWERS = 50_000;

  return {
    estimate(principal: Principal, query: EstimateQuery): Estimate {
      return this.estimateWithJson(principal, query).body;
    },

    /** The estimate and its serialised JSON (the route sends the JSON as is). */
    estimateWithJson(principal: Principal, query: EstimateQuery): { body: Estimate; json: string } {
      const sku = visibleSku(principal, query.sku_id, 'sku_id');
      const regionId = resolveRegion(snapshots.current(), query);
      const orderedAtMs = query.ordered_at ? Date.parse(query.ordered_at) : clock.now().getTime();
      const snapshot = snapshots.current();
      if (cachedFor !== snapshot || answers.size >= MAX_CACHED_ANSWERS) {
        answers.clear();
        cachedFor = snapshot;
      }
      const key = `${sku.id}\u0000${regionId}\u0000${query.quantity}\u0000${Math.floor(orderedAtMs / 60_000)}`;
      let answer = answers.get(key);
      if (!answer) {
        const body: Estimate = {
          ...withSku(sku, estimateLine(sku, regionId, query.quantity, new Date(orderedAtMs).toISOString())),
          pickup_options: sku.publishedPlanId
            ? pickupOptionsFor(
                snapshot,
                regionId,
                [{ skuId: sku.id, quantity: query.quantity, opensAt: sku.opensAt }],
                orderedAtMs,
              )
            : [],
        };
        answer = { body, json: JSON.stringify(body) };
        answers.set(key, answer);
      }
      return answer;
    },

    estimateCart(principal: Principal, input: CartInput): Schemas['CartEstimate'] {
      const skus = input.lines.map((line, i) => visibleSku(principal, line.sku_id, `lines[${i}].sku_id`));
      const regionId = resolveRegion(snapshots.current(), input);
      const orderedAt = input.ordered_at ?? clock.now().toISOString();
      const snapshot = snapshots.current();
      const planned = skus.map((sku) => Boolean(sku.publishedPlanId));
      const cart = estimateCart({
        ordered_at: orderedAt,
        region: snapshot.regions.get(regionId)!,
        lines: input.lines.map((line, i) => ({
          sku: line.sku_id,
          quantity: line.quantity,
          promise_business_days: skus[i]!.promiseBusinessDays,
          opens_at: skus[i]!.opensAt,
          // A SKU without a published plan has no hub stock to promise from.
          hubs: planned[i] ? hubCandidates(snapshot, regionId, line.sku_id) : [],
          supplier: null,
          baseline: planned[i] ? (skus[i]!.baselineByRegion.get(regionId) ?? null) : null,
        })),
      });
      return {
        region_id: regionId,
        lines: cart.lines.map((line) => {
          const sku = skus[line.index]!;
          const estimate = planned[line.index]
            ? line.estimate
            : estimateLine(sku, regionId, input.lines[line.index]!.quantity, orderedAt);
          return { index: line.index, ...withSku(sku, estimate) };
        }),
        summary: cart.summary,
        // Hubs where the whole cart can be collected (every SKU must have a published plan).
        pickup_options: planned.every(Boolean)
          ? pickupOptionsFor(
              snapshot,
              regionId,
              input.lines.map((line, i) => ({
                skuId: line.sku_id,
                quantity: line.quantity,
                opensAt: skus[i]!.opensAt,
              })),
              Date.parse(orderedAt),
            )
          : [],
      };
    },

    /**
     * Holds units at the hub that would serve this buyer: hubs are tried in the estimate's lane
     * order until one has the units (place_hold's row lock is the arbiter under concurrency). Units
     * not received yet may be held (pre-orders); the estimate says when they arrive.
     *
     * `requestKey` (the request's Idempotency-Key, scoped to the API key) makes the hold id a
     * function of it: a retry that runs again after a crash finds its hold instead of taking more.
     */
    async createHold(
      principal: Principal,
      input: HoldInput,
      options: { requestKey?: string } = {},
    ): Promise<Schemas['Hold']> {
      const sku = visibleSku(principal, input.sku_id, 'sku_id');
      const regionId = resolveRegion(snapshots.current(), input);
      if (!sku.publishedPlanId)
        throw new AppError('conflict', `drop '${sku.dropId}' has no published plan: nothing to hold`, {
          extensions: { reason: 'no_published_plan', quantity_available: 0 },
        });
      const snapshot = snapshots.current();
      // Access rules (tiers, account limits): what needs no lock is checked here, before any write;
      // the rest runs with the hold in one statement below (access module, migration 0020).
      const prepared = access
        ? await access.prepareHold(principal, {
            dropId: sku.dropId,
            opensAt: new Date(sku.opensAt),
            skuId: sku.id,
            regionId,
            tier: input.tier,
            accountId: input.account_id,
            deviceHash: input.device_hash,
            addressHash: input.address_hash,
          })
        : undefined;
      const now = clock.now();
      // Local pickup: the units are held at the pickup hub only, and the slot with them.
      const slot = input.pickup
        ? requestedPickupSlot(
            snapshot,
            regionId,
            { skuId: sku.id, quantity: input.quantity, opensAt: sku.opensAt },
            input.pickup,
            now.getTime(),
          )
        : undefined;
      // Holds try hubs in the lane order estimates use (every candidate here has a lane to the region).
      const candidates = slot
        ? [{ id: slot.hubId }]
        : hubCandidates(snapshot, regionId, sku.id).sort((a, b) => compareLaneOrder(a as LaneRanked, b as LaneRanked));
      if (prepared && slot)
        // The access step is one statement over the hub candidates; the slot step runs around the
        // plain hold. Until both run in one transaction, a drop with access rules takes no pickup holds.
        throw new AppError(
          'unprocessable',
          `drop '${sku.dropId}' has access rules: pickup holds are not available on it`,
          {
            errors: [{ path: 'pickup', message: 'not available on a drop with access tiers or account limits' }],
          },
        );
      const expiresAt = new Date(now.getTime() + input.hold_seconds * 1000);
      const id = options.requestKey ? holdIdFor(principal.keyId, options.requestKey) : `hold_${randomUUID()}`;
      const hold = {
        id,
        skuId: sku.id,
        regionId,
        quantity: input.quantity,
        creatorId: sku.creatorId,
        now,
        expiresAt,
      };
      const hubIds = candidates.map((hub) => hub.id);
      const asyncCommit = db.engine === 'postgres';
      let placed: PlacedWithAccess;
      if (slot) {
        const atSlot = await placeHoldWithSlot(db, { ...hold, hubId: slot.hubId, asyncCommit }, (tx) =>
          reservePickupSlot(tx, id, slot, input.quantity, now),
        );
        placed = plainOutcome({ ...atSlot, hub_id: slot.hubId });
      } else if (prepared && access && !access.batchable(prepared)) {
        // Signals to score or fingerprints to record: the access module's own statement, alone.
        placed = await access.placeHold(prepared, { ...hold, hubIds, asyncCommit });
      } else {
        // Parallel holds of one SKU wait for its stock rows (and its reserve lock) anyway: those
        // that arrive while its previous statement runs go together in the next (migration 0026).
        const row = await holdBatches.submit(sku.id, {
          ...hold,
          hubIds,
          access: prepared ? { dropId: prepared.dropId, tier: prepared.tier, accountHash: prepared.accountHash } : null,
        });
        placed = prepared && access ? access.holdOutcome(prepared, row) : plainOutcome(row);
      }
      if (placed.outcome === 'existing') return toHold((await repo.findHold(db, id))!, now);
      if (placed.outcome === 'refused')
        throw new AppError(
          'conflict',
          `no hub serving region '${regionId}' has ${input.quantity} unit(s) of '${sku.id}' available` +
            ` (at most ${placed.available} at one hub)`,
          { extensions: { reason: 'out_of_stock', quantity_available: placed.available } },
        );
      snapshots.scheduleReload('stock');
      return {
        id,
        status: 'held',
        sku_id: sku.id,
        hub_id: placed.hubId,
        region_id: regionId,
        quantity: input.quantity,
        created_at: now.toISOString(),
        expires_at: expiresAt.toISOString(),
        ended_at: null,
        ...(slot
          ? {
              pickup: {
                hub_id: slot.hubId,
                slot_start: new Date(slot.startMs).toISOString(),
                slot_end: new Date(slot.endMs).toISOString(),
              },
            }
          : {}),
      };
    },

    /** One hold as it stands; a hold past its expiry reads as expired even before the sweep ends it. */
    async listHolds(
      principal: Principal,
      filter: { status?: Schemas['Hold']['status'] | undefined; sku_id?: string | undefined },
      page: PageRequest,
    ): Promise<Page<Schemas['Hold']>> {
      const now = clock.now();
      const creatorId = principal.role === 'admin' ? null : 'creatorId' in principal ? principal.creatorId : '';
      const rows = await repo.listHolds(db, { creatorId, status: filter.status, skuId: filter.sku_id, now }, page);
      return pageOf(
        rows,
        page,
        (r) => [r.page_created_at, r.id],
        (r) => toHold(r, now),
      );
    },

    async getHold(principal: Principal, holdId: string): Promise<Schemas['Hold']> {
      const hold = await repo.findHold(db, holdId);
      if (!hold || !ownsCreator(principal, hold.creator_id)) throw notFound('hold', holdId);
      return toHold(hold, clock.now());
    },

    /**
     * Confirms or releases a hold. Asking for the state the hold already ended in answers 200 with
     * it (a retry is harmless); any other ended state (released, confirmed, expired) is a 409 that
     * names it.
     */
    async endHold(principal: Principal, holdId: string, outcome: 'confirmed' | 'released'): Promise<Schemas['Hold']> {
      const hold = await repo.findHold(db, holdId);
      if (!hold || !ownsCreator(principal, hold.creator_id)) throw notFound('hold', holdId);
      const now = clock.now();
      const ended = await repo.endHold(db, holdId, outcome, now);
      if (!ended) throw notFound('hold', holdId);
      if (ended.changed) snapshots.scheduleReload('stock');
      if (ended.status !== outcome) {
        const verb = outcome === 'confirmed' ? 'confirmed' : 'released';
        throw new AppError('conflict', `hold '${holdId}' is ${ended.status}; it can no longer be ${verb}`, {
          extensions: { hold_status: ended.status },
        });
      }
      return toHold((await repo.findHold(db, holdId))!, now);
    },

    /** Ends every hold past its expiry (of these SKUs, or all), one hub and SKU at a time. */
    async expireDueHolds(skuIds: string[] | null = null): Promise<number> {
      const now = clock.now();
      let freed = 0;
      for (const pair of await repo.listPairsWithDueHolds(db, now, skuIds))
        freed += await repo.expireDueHoldsAt(db, pair.hub_id, pair.sku_id, now);
      if (freed > 0) snapshots.scheduleReload('stock');
      return freed;
    },

    /**
     * Checks that every hub_stock row's held and confirmed counters equal the sums of its active
     * and confirmed holds; repairs any row that drifted (the holds are the truth), logs it and
     * counts it in the metrics. Runs at start and on a schedule.
     */
    async reconcileLedger(): Promise<LedgerReconciliation> {
      const drifted = await repo.findLedgerDrift(db);
      const repaired: LedgerReconciliation['repaired'] = [];
      for (const row of drifted) {
        const now = clock.now();
        const fixed = await db.transaction(async (tx) => {
          const before = await repo.lockStockRow(tx, row.hub_id, row.sku_id);
          if (!before) return undefined;
          const after = (await repo.setCountersFromHolds(tx, row.hub_id, row.sku_id, now))!;
          return { before, after };
        });
        if (!fixed) continue;
        const { before, after } = fixed;
        if (before.held === after.held && before.confirmed === after.confirmed) continue;
        const entry = {
          hub_id: row.hub_id,
          sku_id: row.sku_id,
          held_before: before.held,
          held_after: after.held,
          confirmed_before: before.confirmed,
          confirmed_after: after.confirmed,
        };
        repaired.push(entry);
        metrics.repairedUnits.inc(Math.abs(before.held - after.held) + Math.abs(before.confirmed - after.confirmed));
        logger.warn(entry, 'stock ledger drift repaired: counters set from the holds');
      }
      metrics.driftRows.set(repaired.length);
      metrics.lastRun.set(clock.now().getTime() / 1000);
      if (repaired.length > 0) snapshots.scheduleReload('stock');
      return { checked_at: clock.now().toISOString(), repaired };
    },

    /**
     * Puts units back on sale at a hub inside the caller's transaction (a resellable return): the
     * ledger's adjustment, which the database's triggers offer to a waiting queue at once.
     */
    async restock(tx: Queryable, hubId: string, skuId: string, units: number, now: Date): Promise<void> {
      await repo.addAdjustment(tx, hubId, skuId, units, now);
    },

    /** Units hubs reported receiving, and their signed adjustments, per hub × SKU of these SKUs. */
    async receivedStock(
      skuIds: string[],
    ): Promise<{ hub_id: string; sku_id: string; received: number; adjusted: number }[]> {
      return repo.listReceivedStock(db, skuIds);
    },

    /** Units of a SKU's confirmed holds; `q`: the caller's transaction, when the figure guards its write. */
    async confirmedUnits(skuId: string, q: Queryable = db): Promise<number> {
      return repo.sumConfirmedUnitsOfSku(q, skuId);
    },

    /** Units of confirmed holds per SKU and region, of these SKUs (return rates). */
    async confirmedUnitsByRegion(skuIds: string[]): Promise<{ sku_id: string; region_id: string; quantity: number }[]> {
      return repo.listConfirmedUnitsBySkuRegion(db, skuIds);
    },

    /** Live stock per hub × SKU of a drop: on hand, inbound (with its date), reserved, held, available. */
    async liveStock(principal: Principal, dropId: string): Promise<Schemas['LiveStock']> {
      await catalog.visibleDrop(principal, dropId);
      // The drop's SKUs from the catalog, not the snapshot: a SKU added a moment ago has stock to
      // show before the snapshot's reload catches up with it.
      const skuIds = [...(await catalog.skuIdsOfDrop(dropId))];
      const snapshot = snapshots.current();
      await this.expireDueHolds(skuIds);
      const [rows, tierReserves] = await Promise.all([
        repo.listStockForSkus(db, skuIds),
        access?.tierReserves(dropId, skuIds),
      ]);
      return {
        drop_id: dropId,
        as_of: clock.now().toISOString(),
        items: rows.map((row) => ({
          ...row,
          inbound_expected_at:
            row.inbound > 0 ? (snapshot.inboundAtByHubSku.get(stockKey(row.hub_id, row.sku_id)) ?? null) : null,
        })),
        ...(tierReserves ? { tier_reserves: tierReserves } : {}),
      };
    },

    /**
     * The creator's pre-drop preview, keyed by region for a map: forecast p10/p50/p90 (summed over
     * SKUs), units placed at the serving hubs, delivery window, lead-time delta, stock-out risk.
     * Storefronts see only drops with a published plan.
     */
    async preview(principal: Principal, dropId: string): Promise<Schemas['DropPreview']> {
      const drop = await catalog.visibleDrop(principal, dropId);
      const plan = await plans.previewPlan(dropId, principal.role === 'storefront');
      if (principal.role === 'storefront' && !plan) throw notFound('drop', dropId);
      const [forecast, regions, allocations] = await Promise.all([
        forecasts.latest(dropId),
        plan ? plans.regions(plan.id) : Promise.resolve([]),
        plan ? plans.allocations(plan.id) : Promise.resolve([]),
      ]);
      // Tier reserves and the queue are the creator's business: storefronts see the preview without them.
      const creatorView = principal.role !== 'storefront';
      const [tierReserves, waiting] = await Promise.all([
        !creatorView || !access
          ? undefined
          : access.tierReserves(
              dropId,
              [...snapshots.current().skus.values()].filter((s) => s.dropId === dropId).map((s) => s.id),
            ),
        creatorView && queue ? queue.waitingByRegion(dropId) : undefined,
      ]);
      const unitsAtHub = new Map(allocations.map((a) => [`${a.hub_id}\u0000${a.sku_id}`, a.units]));
      const byRegion: Schemas['DropPreview']['regions'] = {};
      const entry = (regionId: string) =>
        (byRegion[regionId] ??= {
          demand: { mean: 0, p10: 0, p50: 0, p90: 0 },
          skus: [],
          units_placed_at_serving_hubs: 0,
          delivery_days_p50: null,
          delivery_days_p90: null,
          lead_time_delta_days: null,
          stock_out_risk: null,
        });
      for (const cell of forecast.cells) {
        const e = entry(cell.region_id);
        // Sums of per-SKU quantiles are a conservative band for the region total (not its exact quantiles).
        e.demand.mean += cell.mean;
        e.demand.p10 += cell.quantiles[P10] ?? 0;
        e.demand.p50 += cell.quantiles[P50] ?? 0;
        e.demand.p90 += cell.quantiles[P90] ?? 0;
      }
      for (const r of regions) {
        const e = entry(r.region_id);
        const placed = r.serving_hub_id ? (unitsAtHub.get(`${r.serving_hub_id}\u0000${r.sku_id}`) ?? 0) : 0;
        e.skus.push({
          sku_id: r.sku_id,
          serving_hub_id: r.serving_hub_id,
          units_at_serving_hub: placed,
          in_stock_probability: r.in_stock_probability,
          delivery_days_p50: r.delivery_days_p50,
          delivery_days_p90: r.delivery_days_p90,
          baseline_days: r.baseline_days,
          lead_time_delta_days: r.lead_time_delta_days,
        });
        e.units_placed_at_serving_hubs += placed;
        e.delivery_days_p50 = maxOrNull(e.delivery_days_p50, r.delivery_days_p50);
        e.delivery_days_p90 = maxOrNull(e.delivery_days_p90, r.delivery_days_p90);
        e.lead_time_delta_days = minOrNull(e.lead_time_delta_days, r.lead_time_delta_days);
        e.stock_out_risk = Math.max(e.stock_out_risk ?? 0, 1 - r.in_stock_probability);
      }
      if (waiting) {
        const queues = previewQueueByRegion({
          waiting: waiting.map((w) => ({ regionId: w.region_id, skuId: w.sku_id, entries: w.entries, units: w.units })),
          demand: forecast.cells.map((c) => ({
            regionId: c.region_id,
            skuId: c.sku_id,
            p50: c.quantiles[P50] ?? 0,
            p90: c.quantiles[P90] ?? 0,
          })),
          placed: plan
            ? regions.map((r) => ({
                regionId: r.region_id,
                skuId: r.sku_id,
                units: r.serving_hub_id ? (unitsAtHub.get(`${r.serving_hub_id}\u0000${r.sku_id}`) ?? 0) : 0,
              }))
            : null,
        });
        for (const [regionId, figures] of queues) entry(regionId).queue = figures;
      }
      if (tierReserves)
        for (const [regionId, byTier] of reservedByTierPerRegion(
          tierReserves.map((t) => ({
            tier: t.tier,
            regionId: t.region_id ?? null,
            reserved: t.reserved,
            rolledIn: t.rolled_in,
          })),
        ))
          entry(regionId).reserved_by_tier = byTier;
      return {
        drop_id: drop.id,
        opens_at: drop.opens_at.toISOString(),
        promise_business_days: drop.promise_business_days,
        forecast_id: forecast.cells.length > 0 ? (forecast.forecastId ?? null) : null,
        plan: plan ? { id: plan.id, status: plan.status as 'draft' | 'published', version: plan.version } : null,
        ...(tierReserves ? { tier_reserves: tierReserves } : {}),
        regions: byRegion,
      };
    },
  };
}

/** The hold id of a request with an Idempotency-Key: the same key of the same API key, the same hold. */
function holdIdFor(apiKeyId: string, requestKey: string): string {
  return `hold_${createHash('sha256').update(apiKeyId).update('\u0000').update(requestKey).digest('hex').slice(0, 40)}`;
}

function toHold(row: HoldRow, now: Date): Schemas['Hold'] {
  // Past its expiry a hold is expired for the buyer at once; the sweep ends it in the ledger within 30 s.
  const status = row.status === 'held' && row.expires_at.getTime() <= now.getTime() ? 'expired' : row.status;
  return {
    id: row.id,
    status,
    sku_id: row.sku_id,
    hub_id: row.hub_id,
    region_id: row.region_id,
    quantity: row.quantity,
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    ended_at: row.ended_at ? row.ended_at.toISOString() : null,
    ...(row.pickup_slot_start && row.pickup_slot_end
      ? {
          pickup: {
            hub_id: row.hub_id,
            slot_start: row.pickup_slot_start.toISOString(),
            slot_end: row.pickup_slot_end.toISOString(),
          },
        }
      : {}),
  };
}

export interface LedgerReconciliation {
  checked_at: string;
  repaired: {
    hub_id: string;
    sku_id: string;
    held_before: number;
    held_after: number;
    confirmed_before: number;
    confirmed_after: number;
  }[];
}

/** The ledger's metrics: what the last reconciliation found, and the units it has repaired. */
function ledgerMetrics(registry: Registry) {
  return {
    driftRows: new Gauge({
      name: 'stock_ledger_drift_rows',
      help: 'Hub × SKU rows whose held or confirmed counter disagreed with their holds at the last reconciliation',
      registers: [registry],
    }),
    repairedUnits: new Counter({
      name: 'stock_ledger_repaired_units_total',
      help: 'Units of drift between the stock counters and the holds, repaired by reconciliation',
      registers: [registry],
    }),
    lastRun: new Gauge({
      name: 'stock_ledger_last_reconciliation_timestamp_seconds',
      help: 'When the stock ledger was last reconciled (Unix seconds)',
      registers: [registry],
    }),
  };
}

/** What a hold without access rules answered, in the access step's terms. */
function plainOutcome(row: { outcome: string; hub_id: string | null; available: number | null }): PlacedWithAccess {
  if (row.outcome === 'held') return { outcome: 'held', hubId: row.hub_id! };
  if (row.outcome === 'existing') return { outcome: 'existing' };
  return { outcome: 'refused', available: row.available ?? 0 };
}

const maxOrNull = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
const minOrNull = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));

export type DeliveryService = ReturnType<typeof createDeliveryService>;
