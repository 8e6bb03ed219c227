/**
 * Pickup in estimates and holds: which hubs a buyer's region may collect the units at, from when,
 * and the first slots with room, read from the delivery snapshot (no database on the estimate path).
 */
import type { Database, Queryable } from '../../db/database';
import { AppError } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import { firstFreeSlots, offeredSlotAt, pickupReadyFrom, type SlotTime } from '../pickup';
import { slotKey, type PickupOfferEntry } from '../pickup';
import { stockKey, type DeliverySnapshot } from './delivery-snapshot';
import { deliveryRepository } from './delivery.repository';

export interface PickupLine {
  skuId: string;
  quantity: number;
  /** the SKU's drop opening (ISO instant) */
  opensAt: string;
}

/**
 * When the lines can be ready at a pickup hub: null when the hub cannot hold them (not enough units
 * on hand and inbound). Units beyond those on hand wait for their arrival (else the opening).
 */
function readyAt(snapshot: DeliverySnapshot, offer: PickupOfferEntry, lines: PickupLine[], orderedAtMs: number) {
  const wanted = new Map<string, number>();
  for (const line of lines) wanted.set(line.skuId, (wanted.get(line.skuId) ?? 0) + line.quantity);
  let arrivalMs: number | null = null;
  for (const [skuId, quantity] of wanted) {
    const key = stockKey(offer.hubId, skuId);
    const stock = snapshot.stockByHubSku.get(key);
    if (!stock || stock.onHand + stock.inbound < quantity) return null;
    if (stock.onHand < quantity) {
      const line = lines.find((l) => l.skuId === skuId)!;
      const at = Date.parse(snapshot.inboundAtByHubSku.get(key) ?? line.opensAt);
      arrivalMs = Math.max(arrivalMs ?? at, at);
    }
  }
  const opensAtMs = Math.max(...lines.map((l) => Date.parse(l.opensAt)));
  return pickupReadyFrom({
    orderedAtMs,
    opensAtMs,
    arrivalMs,
    handlingDays: offer.handlingDays,
    timeZone: offer.timeZone,
  });
}

/** The pickup options of a buyer's region for some lines (one estimate, or a whole cart). */
export function pickupOptionsFor(
  snapshot: DeliverySnapshot,
  regionId: string,
  lines: PickupLine[],
  orderedAtMs: number,
): Schemas['PickupOption'][] {
  const offers = snapshot.pickupOffersByRegion.get(regionId);
  if (!offers || lines.length === 0) return [];
  const quantity = lines.reduce((sum, l) => sum + l.quantity, 0);
  const options: Schemas['PickupOption'][] = [];
  for (const offer of offers) {
    const readyFromMs = readyAt(snapshot, offer, lines, orderedAtMs);
    if (readyFromMs === null) continue;
    const slots = firstFreeSlots(
      offer,
      readyFromMs,
      quantity,
      (startMs) => snapshot.pickupSlotUsage.get(slotKey(offer.hubId, startMs)) ?? 0,
    );
    if (slots.length === 0) continue;
    options.push({
      hub_id: offer.hubId,
      address_label: offer.addressLabel,
      ready_from: new Date(readyFromMs).toISOString(),
      slots: slots.map((s) => ({
        start: new Date(s.startMs).toISOString(),
        end: new Date(s.endMs).toISOString(),
        units_free: s.unitsFree,
      })),
    });
  }
  return options;
}

/**
 * The slot a pickup hold asks for, checked against the snapshot: the hub offers pickup to the
 * buyer's region, the time is one of its slots and not before the units can be ready. Any of these
 * broken → 422 naming the field. (Room in the slot is the hold transaction's to check.)
 */
export function requestedPickupSlot(
  snapshot: DeliverySnapshot,
  regionId: string,
  line: PickupLine,
  pickup: { hub_id: string; slot_start: string },
  nowMs: number,
): SlotTime & { hubId: string } {
  const offer = snapshot.pickupOffers.get(pickup.hub_id);
  if (!offer)
    throw new AppError('unprocessable', `hub '${pickup.hub_id}' does not offer pickup`, {
      errors: [{ path: 'pickup.hub_id', message: 'this hub does not offer pickup' }],
    });
  if (!offer.regionIds.includes(regionId))
    throw new AppError('unprocessable', `buyers in region '${regionId}' may not collect at hub '${pickup.hub_id}'`, {
      errors: [{ path: 'pickup.hub_id', message: `region '${regionId}' may not collect here` }],
    });
  const slot = offeredSlotAt(offer, Date.parse(pickup.slot_start));
  if (!slot)
    throw new AppError('unprocessable', `hub '${pickup.hub_id}' has no pickup slot starting at ${pickup.slot_start}`, {
      errors: [{ path: 'pickup.slot_start', message: 'not the start of one of this hub’s pickup slots' }],
    });
  const readyFromMs = readyAt(snapshot, offer, [line], nowMs);
  if (readyFromMs !== null && slot.startMs < readyFromMs)
    throw new AppError('unprocessable', `the units can be collected from ${new Date(readyFromMs).toISOString()}`, {
      errors: [{ path: 'pickup.slot_start', message: 'before the units can be ready at this hub' }],
      extensions: { ready_from: new Date(readyFromMs).toISOString() },
    });
  return { hubId: offer.hubId, ...slot };
}

/**
 * A pickup hold: place_hold and the slot step in one transaction, so the hold exists only with its
 * slot. The slot step throws when the slot is full, and the hold is rolled back with it.
 */
export async function placeHoldWithSlot(
  db: Database,
  hold: Parameters<typeof deliveryRepository.placeHold>[1],
  reserveSlot: (tx: Queryable) => Promise<void>,
): ReturnType<typeof deliveryRepository.placeHold> {
  return db.transaction(async (tx) => {
    const placed = await deliveryRepository.placeHold(tx, hold);
    if (placed.outcome === 'held') await reserveSlot(tx);
    return placed;
  });
}
