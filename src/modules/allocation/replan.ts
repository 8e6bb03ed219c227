/**
 * The live re-plan, pure: from live stock per hub and SKU, the demand still to come (the forecast
 * scaled by the share of the drop window left) and the catalog, propose transfers between hubs and
 * extra fallback orders. No clock, no I/O: the service passes `now` and the rows.
 *
 * Method: the fast allocator is run with the live stock as a zero-cost primary supplier available
 * now (lead time 0) and the SKU's real suppliers as fallbacks that must arrive before the drop
 * closes; hub capacity is the hub's capacity minus units reserved there. Its allocation is the
 * target. Hubs above target send their surplus to hubs below it (hubs in id order, a deterministic
 * tie-break); what is still missing comes from the planner's fallback orders. Transfer lead times
 * are not modelled: proposals are advisory, for a person to confirm.
 */
import type { Schemas } from '../../http/contract';
import {
  expectedSales,
  negativeBinomialDemand,
  planAllocationFast,
  pooledPmf,
  prepareInstance,
  survivalFromPmf,
  type AllocationInput,
  type DemandDistribution,
} from './core';
import { liveEconomics } from './plan-economics';
import {
  baselineDays,
  costShiftsOf,
  toHubInput,
  toSupplierOption,
  type CatalogSnapshot,
  type ForecastCell,
} from './plan-input';

export const LIVE_STOCK_SUPPLIER_ID = 'live-stock';
const liveStockSupplierId = (skuId: string) => `${LIVE_STOCK_SUPPLIER_ID}:${skuId}`;

export interface LiveStock {
  hub_id: string;
  sku_id: string;
  on_hand: number;
  reserved: number;
}

export type ReplanResult = Omit<Schemas['ReplanProposal'], 'drop_id' | 'computed_at' | 'forecast_id' | 'plan_id'>;

export function remainingWindowShare(opensAt: Date, closesAt: Date, now: Date): number {
  const span = closesAt.getTime() - opensAt.getTime();
  if (span <= 0) return 0;
  return Math.min(1, Math.max(0, (closesAt.getTime() - Math.max(now.getTime(), opensAt.getTime())) / span));
}

export function proposeReplan(
  snapshot: CatalogSnapshot,
  cells: readonly ForecastCell[],
  stock: readonly LiveStock[],
  now: Date,
): ReplanResult {
  const share = remainingWindowShare(new Date(snapshot.drop.opens_at), new Date(snapshot.drop.closes_at), now);
  const key = (hubId: string, skuId: string) => `${hubId}\u0000${skuId}`;
  const hubIds = new Set(snapshot.hubs.map((h) => h.id));
  const available = new Map<string, number>();
  const reservedAtHub = new Map<string, number>();
  for (const row of stock) {
    if (!hubIds.has(row.hub_id)) continue;
    available.set(key(row.hub_id, row.sku_id), Math.max(0, row.on_hand - Math.max(0, row.reserved)));
    reservedAtHub.set(row.hub_id, (reservedAtHub.get(row.hub_id) ?? 0) + Math.max(0, row.reserved));
  }
  const suppliers = new Map(snapshot.suppliers.map((s) => [s.id, s]));
  const demandBySku = new Map<string, number>();
  for (const cell of cells) demandBySku.set(cell.sku_id, (demandBySku.get(cell.sku_id) ?? 0) + cell.mean * share);
  const stockOf = (skuId: string) => snapshot.hubs.reduce((sum, h) => sum + (available.get(key(h.id, skuId)) ?? 0), 0);
  const horizon = Math.max(now.getTime(), new Date(snapshot.drop.closes_at).getTime());

  const input: AllocationInput = {
    skus: snapshot.skus.map((sku) => ({
      skuId: sku.id,
      sourcing: [
        {
          // one per SKU: live stock of one SKU is not a capacity other SKUs share
          supplierId: liveStockSupplierId(sku.id),
          kind: 'warehouse' as const,
          unitsAvailable: stockOf(sku.id),
          availableDate: now.toISOString(),
          leadTimeDaysMin: 0,
          leadTimeDaysMax: 0,
          capacityUnits: stockOf(sku.id),
          unitCost: 0,
          minOrderQuantity: 1,
          orderMultiple: 1,
        },
        ...sku.sourcing.flatMap((s) => {
          const supplier = suppliers.get(s.supplier_id);
          return supplier ? [toSupplierOption(supplier, s)] : [];
        }),
      ],
    })),
    hubs: snapshot.hubs.map((hub) =>
      toHubInput(hub, Math.max(0, hub.capacity_units - (reservedAtHub.get(hub.id) ?? 0))),
    ),
    demand: cells.map((c) => ({
      skuId: c.sku_id,
      regionId: c.region_id,
      demand: negativeBinomialDemand(c.mean * share, c.dispersion),
    })),
    promiseBusinessDays: snapshot.drop.promise_business_days,
    baselineDaysByRegion: Object.fromEntries(snapshot.drop.baseline.paths.map((p) => [p.region_id, baselineDays(p)])),
    now: now.toISOString(),
    opensAt: horizon,
    // the planner's window is the close here (opensAt = the horizon): shifts that cover it apply
    closesAt: snapshot.drop.closes_at,
    costShifts: costShiftsOf(snapshot, {}),
    economics: liveEconomics(
      snapshot.skus.map((s) => ({ price: s.price, unitCost: s.unit_cost, expectedDemand: demandBySku.get(s.id) ?? 0 })),
    ),
  };
  const plan = planAllocationFast(input);
  const target = new Map<string, number>();
  for (const a of plan.allocations) target.set(key(a.hubId, a.skuId), a.units);

  const transfers: Schemas['ReplanTransfer'][] = [];
  const fallbackOrders: Schemas['ReplanOrder'][] = [];
  const hubsSorted = [...snapshot.hubs.map((h) => h.id)].sort();
  for (const sku of [...snapshot.skus].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const surplus = hubsSorted
      .map((h) => ({
        hub: h,
        units: Math.max(0, (available.get(key(h, sku.id)) ?? 0) - (target.get(key(h, sku.id)) ?? 0)),
      }))
      .filter((x) => x.units > 0);
    const deficit = hubsSorted
      .map((h) => ({
        hub: h,
        units: Math.max(0, (target.get(key(h, sku.id)) ?? 0) - (available.get(key(h, sku.id)) ?? 0)),
      }))
      .filter((x) => x.units > 0);
    let i = 0;
    for (const d of deficit) {
      while (d.units > 0 && i < surplus.length) {
        const from = surplus[i]!; // i < surplus.length
        const move = Math.min(d.units, from.units);
        transfers.push({ sku_id: sku.id, from_hub_id: from.hub, to_hub_id: d.hub, units: move });
        d.units -= move;
        from.units -= move;
        if (from.units === 0) i += 1;
      }
    }
    const stillShort = deficit.filter((d) => d.units > 0);
    for (const order of plan.supplierOrders.filter(
      (o) => o.skuId === sku.id && o.supplierId !== liveStockSupplierId(sku.id),
    )) {
      let left = order.quantity;
      const arriveBy = order.lines[0]?.arriveBy ?? new Date(horizon).toISOString();
      for (const d of stillShort) {
        if (left <= 0) break;
        const take = Math.min(left, d.units);
        if (take <= 0) continue;
        fallbackOrders.push({
          supplier_id: order.supplierId,
          sku_id: sku.id,
          destination_hub_id: d.hub,
          quantity: take,
          arrive_by: arriveBy,
        });
        d.units -= take;
        left -= take;
      }
      // Order rules (minimum, multiple) can buy more than the shortfall: the rest goes to the last short hub.
      if (left > 0) {
        const last = stillShort[stillShort.length - 1]?.hub ?? order.lines[0]?.destinationHubId ?? hubsSorted[0]!;
        fallbackOrders.push({
          supplier_id: order.supplierId,
          sku_id: sku.id,
          destination_hub_id: last,
          quantity: left,
          arrive_by: arriveBy,
        });
      }
    }
  }

  const fill = (unitsAt: (hubId: string, skuId: string) => number) => expectedFill(input, unitsAt);
  return {
    remaining_window_share: share,
    stock: [...new Set([...available.keys(), ...target.keys()])]
      .map((k) => {
        const [hub_id, sku_id] = k.split('\u0000') as [string, string];
        const row = stock.find((s) => s.hub_id === hub_id && s.sku_id === sku_id);
        return {
          hub_id,
          sku_id,
          available: available.get(k) ?? 0,
          reserved: Math.max(0, row?.reserved ?? 0),
          target: target.get(k) ?? 0,
        };
      })
      .sort((a, b) => (a.sku_id === b.sku_id ? (a.hub_id < b.hub_id ? -1 : 1) : a.sku_id < b.sku_id ? -1 : 1)),
    transfers,
    fallback_orders: fallbackOrders,
    expected_fill_rate_before: fill((h, s) => available.get(key(h, s)) ?? 0),
    expected_fill_rate_after: fill((h, s) => target.get(key(h, s)) ?? 0),
  };
}

/** Expected share of remaining demand delivered within the promise, each region served by its fastest hub. */
function expectedFill(input: AllocationInput, unitsAt: (hubId: string, skuId: string) => number): number {
  const prepared = prepareInstance(input);
  let demand = 0;
  let sales = 0;
  prepared.demandBySku.forEach((list, s) => {
    const byHub = new Map<number, DemandDistribution[]>();
    for (const d of list) {
      demand += d.mean;
      const hub = prepared.regions[d.region]!.candidates[0]!;
      if (hub === undefined) continue;
      byHub.set(hub, [...(byHub.get(hub) ?? []), d.demand]);
    }
    for (const [h, parts] of byHub)
      sales += expectedSales(
        survivalFromPmf(pooledPmf(parts)),
        unitsAt(prepared.hubs[h]!.hubId, prepared.skus[s]!.skuId),
      );
  });
  return demand > 0 ? sales / demand : 0;
}
