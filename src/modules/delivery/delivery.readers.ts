/**
 * What other modules read of the holds, as exported functions on whatever connection or
 * transaction the caller holds: they never import the delivery repository. The pickup module is
 * built before the delivery service (which asks it for slots), so it is given these instead.
 */
import type { Queryable } from '../../db/database';
import { deliveryRepository as repo } from './delivery.repository';
import { holdLookupsRepository, type HoldLookupRow } from './hold-lookups.repository';

export type HoldLookup = HoldLookupRow;

export const deliveryReaders = {
  /** Units each pickup slot hands out now, per hub and slot start (held and not past expiry, or confirmed). */
  pickupSlotUsage: (q: Queryable, now: Date) => repo.listPickupSlotUsage(q, now),
  /**
   * Units held or confirmed in one pickup slot at a hub; in the caller's transaction, after the lock
   * that serialises the slot's reservations, so it counts every reservation committed before it.
   */
  pickupSlotUnits: (tx: Queryable, hubId: string, slotStart: Date, now: Date) =>
    repo.countPickupSlotUnits(tx, hubId, slotStart, now),
  /** The hub and pickup slot of a hold (null slot: a delivery), or undefined for an unknown hold. */
  holdPickupSlot: (q: Queryable, holdId: string) => repo.findHoldPickupSlot(q, holdId),
  /** Pickups due at some hubs of these SKUs, per slot and SKU, in slot order. */
  pickupsDue: (q: Queryable, skuIds: string[], hubIds: string[], now: Date) =>
    repo.listPickupsDue(q, skuIds, hubIds, now),
  /** The most units of a SKU free at any of these hubs (0 when none holds it). */
  maxAvailableAt: (q: Queryable, skuId: string, hubIds: readonly string[]) => repo.maxAvailableAt(q, skuId, hubIds),
  /**
   * Locks a SKU's stock rows at these hubs for the rest of the caller's transaction, in hub order,
   * whatever they have free: the hubs that hold the SKU (the queue's offers take them next).
   */
  lockStockRowsAt: (tx: Queryable, skuId: string, hubIds: readonly string[]) => repo.lockStockRowsAt(tx, skuId, hubIds),
  /** Locks a hold's row for the rest of the caller's transaction: a hold is locked before its stock row. */
  lockHold: (tx: Queryable, holdId: string) => repo.lockHold(tx, holdId),
  /** Which of these hub × SKU pairs have units free now, by hub then SKU. */
  pairsWithUnitsFree: (q: Queryable, pairs: readonly { hubId: string; skuId: string }[]) =>
    repo.listPairsWithUnitsFree(q, pairs),
  /** These holds by id (a missing id is left out). */
  holdsByIds: (db: Queryable, holdIds: string[]): Promise<HoldLookup[]> =>
    holdLookupsRepository.holdsByIds(db, holdIds),
  /** The ids of these holds that count at `now` (confirmed, or held and not past expiry). */
  activeHoldIds: async (db: Queryable, holdIds: string[], now: Date): Promise<Set<string>> =>
    new Set(await holdLookupsRepository.activeHoldIds(db, holdIds, now)),
  /** Units of these SKUs' holds that ended (confirmed, released, expired), unclaimed (released, expired) and confirmed. */
  endedHoldUnitsOfSkus: (db: Queryable, skuIds: string[]) => holdLookupsRepository.endedHoldUnitsOfSkus(db, skuIds),
};

export type DeliveryReaders = typeof deliveryReaders;
