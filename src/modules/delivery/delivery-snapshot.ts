import type { Database } from '../../db/database';
import { AppError } from '../../http/app-error';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import { normalisePostalCode } from '../../shared/postal-code';
import type { PlanReader } from '../allocation';
import { catalogReaders } from '../catalog';
import type { PickupOfferEntry, PickupService } from '../pickup';
import type { DeliveryRegionInput, HubCandidate, PathCandidate } from './core/delivery-window';
import { deliveryRepository as repo } from './delivery.repository';

/**
 * An in-memory snapshot of what estimates need: regions and postal prefixes, hubs with their lanes,
 * SKUs with their drop's promise, baseline and published plan, and available stock per hub × SKU.
 * Estimates never touch the database. Every replica refreshes its snapshot on NOTIFY (catalog or
 * stock changed, from any replica), coalescing bursts into one reload.
 */
export interface SkuEntry {
  id: string;
  dropId: string;
  creatorId: string;
  promiseBusinessDays: number;
  /** the drop's opening, ISO instant: nothing ships before it */
  opensAt: string;
  publishedPlanId: string | null;
  baselineByRegion: Map<string, PathCandidate>;
}

export interface HubEntry {
  id: string;
  time_zone: string;
  cutoff_local: string;
  handling_days: number;
  lane: { transit_days_min: number; transit_days_max: number };
}

export interface DeliverySnapshot {
  regions: Map<string, DeliveryRegionInput>;
  regionIdByPrefix: Map<string, string>;
  longestPrefix: number;
  skus: Map<string, SkuEntry>;
  hubsByRegion: Map<string, HubEntry[]>;
  /** units free to promise per hub × SKU (stockKey): on hand, and inbound (placed, not received) */
  stockByHubSku: Map<string, StockEntry>;
  /** when the published plan's supplier orders bring a SKU to a hub (ISO instant), per stockKey */
  inboundAtByHubSku: Map<string, string>;
  /** hubs offering pickup, by hub id and by the regions that may collect there (lane order) */
  pickupOffers: Map<string, PickupOfferEntry>;
  pickupOffersByRegion: Map<string, PickupOfferEntry[]>;
  /** units each pickup slot hands out, keyed slotKey(hub, start ms); read with the stock */
  pickupSlotUsage: Map<string, number>;
  /** Bumps on every reload; two replicas that agree on a change show the same figures. */
  loadedAt: Date;
}

/**
 * Free units of one SKU at one hub. Holds and reservations take on-hand units first, so what they
 * take beyond the on-hand units comes out of the inbound ones.
 */
export interface StockEntry {
  onHand: number;
  inbound: number;
}

export const stockKey = (hubId: string, skuId: string) => `${hubId}\u0000${skuId}`;

const NO_STOCK: StockEntry = { onHand: 0, inbound: 0 };

const ISO_SATURDAY_SUNDAY = [6, 7];

export function regionIdForPostalCode(snapshot: DeliverySnapshot, postalCode: string): string | undefined {
  const code = normalisePostalCode(postalCode);
  for (let length = Math.min(code.length, snapshot.longestPrefix); length > 0; length--) {
    const regionId = snapshot.regionIdByPrefix.get(code.slice(0, length));
    if (regionId) return regionId;
  }
  return undefined;
}

/**
 * The region a buyer's question names: its `region_id` if the snapshot knows it, else the region
 * whose postal prefix matches `postal_code` (longest first); 422 naming the field otherwise.
 */
export function resolveRegion(
  snapshot: DeliverySnapshot,
  input: { region_id?: string | undefined; postal_code?: string | undefined },
): string {
  if (input.region_id) {
    if (!snapshot.regions.has(input.region_id))
      throw new AppError('unprocessable', `region '${input.region_id}' is unknown`, {
        errors: [{ path: 'region_id', message: 'unknown region' }],
      });
    return input.region_id;
  }
  const regionId = regionIdForPostalCode(snapshot, input.postal_code!);
  if (!regionId)
    throw new AppError('unprocessable', `no region has a postal prefix matching '${input.postal_code}'`, {
      errors: [{ path: 'postal_code', message: 'unknown postal code' }],
    });
  return regionId;
}

/** Hub candidates for one region and SKU with their live availability (input to estimateDelivery). */
export function hubCandidates(snapshot: DeliverySnapshot, regionId: string, skuId: string): HubCandidate[] {
  return (snapshot.hubsByRegion.get(regionId) ?? []).map((hub) => {
    const key = stockKey(hub.id, skuId);
    const stock = snapshot.stockByHubSku.get(key) ?? NO_STOCK;
    return {
      id: hub.id,
      time_zone: hub.time_zone,
      cutoff_local: hub.cutoff_local,
      handling_days: hub.handling_days,
      lane: hub.lane,
      available_units: stock.onHand,
      inbound_units: stock.inbound,
      inbound_at: snapshot.inboundAtByHubSku.get(key) ?? null,
    };
  });
}

/** What the snapshot reads of plans (the allocation module's). */
export type SnapshotPlans = Pick<PlanReader, 'publishedPlanIdsByDrop' | 'publishedInboundArrivals'>;
/** What the snapshot reads of pickup offers and slots (the pickup module's); absent: no pickup. */
export type SnapshotPickups = Pick<PickupService, 'offers' | 'slotUsage'>;

async function loadCatalogPart(db: Database, plans: SnapshotPlans, pickups: SnapshotPickups | undefined) {
  // Regions (with their postal prefixes), hubs (with their lanes) and SKUs are the catalog's.
  const [regionRows, hubRows, skuRows, publishedPlanIds, arrivalRows, offers] = await Promise.all([
    catalogReaders.regions(db),
    catalogReaders.hubs(db),
    catalogReaders.skusWithDropPromise(db),
    plans.publishedPlanIdsByDrop(),
    plans.publishedInboundArrivals(),
    pickups ? pickups.offers() : Promise.resolve([]),
  ]);
  const pickupOffers = new Map(offers.map((o) => [o.hubId, o] as const));
  const pickupOffersByRegion = new Map<string, PickupOfferEntry[]>();
  for (const offer of offers)
    for (const regionId of offer.regionIds)
      pickupOffersByRegion.set(regionId, [...(pickupOffersByRegion.get(regionId) ?? []), offer]);
  const regions = new Map<string, DeliveryRegionInput>();
  for (const r of regionRows) {
    // The core counts weekdays Monday = 1 … Sunday = 7, as the catalog stores them.
    regions.set(r.id, {
      id: r.id,
      time_zone: r.time_zone,
      weekend_days: (r.weekend_days.length
        ? r.weekend_days
        : ISO_SATURDAY_SUNDAY) as DeliveryRegionInput['weekend_days'],
    });
  }
  const prefixRows = regionRows.flatMap((r) => r.postal_prefixes.map((prefix) => ({ prefix, region_id: r.id })));
  const regionIdByPrefix = new Map(prefixRows.map((p) => [p.prefix, p.region_id]));
  const longestPrefix = Math.max(0, ...prefixRows.map((p) => p.prefix.length));
  const hubsByRegion = new Map<string, HubEntry[]>();
  for (const hub of hubRows) {
    for (const lane of hub.lanes) {
      const entry: HubEntry = {
        id: hub.id,
        time_zone: hub.time_zone,
        cutoff_local: hub.order_cutoff_local,
        handling_days: hub.handling_days,
        lane: { transit_days_min: lane.transit_days_min, transit_days_max: lane.transit_days_max },
      };
      hubsByRegion.set(lane.region_id, [...(hubsByRegion.get(lane.region_id) ?? []), entry]);
    }
  }
  const skus = new Map<string, SkuEntry>();
  for (const sku of skuRows) {
    skus.set(sku.id, {
      id: sku.id,
      dropId: sku.drop_id,
      creatorId: sku.creator_id,
      promiseBusinessDays: sku.promise_business_days,
      opensAt: sku.opens_at.toISOString(),
      publishedPlanId: publishedPlanIds.get(sku.drop_id) ?? null,
      baselineByRegion: new Map(
        sku.baseline.map((b) => [
          b.region_id,
          {
            id: 'baseline',
            handling_days: b.handling_days,
            transit_days_min: b.transit_days_min,
            transit_days_max: b.transit_days_max,
          },
        ]),
      ),
    });
  }
  const inboundAtByHubSku = new Map(
    arrivalRows.map((a) => [stockKey(a.hub_id, a.sku_id), a.arrive_by.toISOString()] as const),
  );
  return {
    regions,
    regionIdByPrefix,
    longestPrefix,
    hubsByRegion,
    skus,
    inboundAtByHubSku,
    pickupOffers,
    pickupOffersByRegion,
  };
}

async function loadStockPart(db: Database) {
  const rows = await repo.loadStock(db);
  return new Map(
    rows.map((row) => {
      const onHand = Math.max(0, row.on_hand - row.reserved - row.held);
      return [stockKey(row.hub_id, row.sku_id), { onHand, inbound: Math.max(0, row.available - onHand) }] as const;
    }),
  );
}

export interface DeliverySnapshotCache {
  current(): DeliverySnapshot;
  reloadAll(): Promise<void>;
  /** Polls the stock counters every `intervalMs` (holds do not NOTIFY; see migration 0008). */
  pollStock(intervalMs: number): void;
  /** Schedules a coalesced reload (called from NOTIFY handlers). */
  scheduleReload(kind: 'catalog' | 'stock'): void;
  stop(): void;
}

const emptySnapshot = (): DeliverySnapshot => ({
  regions: new Map(),
  regionIdByPrefix: new Map(),
  longestPrefix: 0,
  skus: new Map(),
  hubsByRegion: new Map(),
  stockByHubSku: new Map(),
  inboundAtByHubSku: new Map(),
  pickupOffers: new Map(),
  pickupOffersByRegion: new Map(),
  pickupSlotUsage: new Map(),
  loadedAt: new Date(0),
});

/** Starts empty; `reloadAll()` (at service start) fills it, NOTIFY-driven reloads keep it current. */
export function createDeliverySnapshotCache(deps: {
  db: Database;
  plans: SnapshotPlans;
  pickups?: SnapshotPickups;
  clock: Clock;
  logger: Logger;
  coalesceMs?: number;
}): DeliverySnapshotCache {
  const { db, plans, pickups, clock, logger } = deps;
  // Bursts of changes (a storm of holds) become one reload per window.
  const coalesceMs = deps.coalesceMs ?? 50;
  let snapshot = emptySnapshot();
  let pending: 'catalog' | 'stock' | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let poller: NodeJS.Timeout | undefined;

  async function reload(kind: 'catalog' | 'stock') {
    const catalogPart = kind === 'catalog' ? await loadCatalogPart(db, plans, pickups) : snapshot;
    const stockByHubSku = await loadStockPart(db);
    // Slot usage only matters (and is read) when some hub offers pickup.
    const pickupSlotUsage =
      pickups && catalogPart.pickupOffers.size > 0 ? await pickups.slotUsage(clock.now()) : new Map<string, number>();
    snapshot = { ...catalogPart, stockByHubSku, pickupSlotUsage, loadedAt: clock.now() } as DeliverySnapshot;
  }

  return {
    current: () => snapshot,
    reloadAll: () => reload('catalog'),
    scheduleReload(kind) {
      if (stopped) return;
      pending = pending === 'catalog' || kind === 'catalog' ? 'catalog' : 'stock';
      if (timer) return;
      timer = setTimeout(() => {
        const what = pending ?? 'stock';
        pending = undefined;
        reload(what)
          .catch((error: unknown) => logger.error({ err: error }, 'delivery snapshot reload failed'))
          .finally(() => {
            timer = undefined;
            if (pending) this.scheduleReload(pending);
          });
      }, coalesceMs);
    },
    pollStock(intervalMs) {
      poller ??= setInterval(() => this.scheduleReload('stock'), intervalMs);
      poller.unref();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (poller) clearInterval(poller);
    },
  };
}
