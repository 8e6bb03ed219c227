/**
 * Pickup slots, pure: a hub's opening hours (per ISO weekday, hours 0–24 of its local time) cut into
 * slots of a fixed length, the instant a buyer's units can be collected from, and the first slots
 * with room for a quantity. No clock: instants come in as epoch milliseconds.
 */
import { addBusinessDays } from '../../../shared/business-calendar';
import { getZone, isoWeekday } from '../../../shared/zoned-time';

export interface OpeningInterval {
  /** ISO weekday in the hub's zone, Monday = 1 … Sunday = 7 */
  weekday: number;
  /** hour 0–24 of local time (9.5 = 09:30) */
  opens: number;
  closes: number;
}

export interface PickupOffer {
  hubId: string;
  timeZone: string;
  addressLabel: string;
  slotMinutes: number;
  unitsPerSlot: number;
  openingHours: readonly OpeningInterval[];
}

export interface SlotTime {
  startMs: number;
  endMs: number;
}

export interface FreeSlot extends SlotTime {
  unitsFree: number;
}

/** How far ahead options look for a slot, and how many they show. */
export const PICKUP_SEARCH_DAYS = 14;
export const PICKUP_SLOTS_SHOWN = 3;

const minutesOf = (hour: number) => Math.round(hour * 60);

/**
 * Overlapping intervals on one weekday, as the index of the later one of each pair (in the order
 * given). Touching intervals (12–13 and 13–17) do not overlap.
 */
export function overlappingIntervals(hours: readonly OpeningInterval[]): number[] {
  const overlapping: number[] = [];
  hours.forEach((a, i) => {
    for (let j = 0; j < i; j++) {
      const b = hours[j]!;
      if (a.weekday === b.weekday && a.opens < b.closes && b.opens < a.closes) {
        overlapping.push(i);
        return;
      }
    }
  });
  return overlapping;
}

/** Slot starts of one local day, in minutes after local midnight, earliest first. */
export function slotStartsOfDay(offer: PickupOffer, day: number): number[] {
  const weekday = isoWeekday(day);
  const starts: number[] = [];
  const intervals = offer.openingHours.filter((h) => h.weekday === weekday).sort((a, b) => a.opens - b.opens);
  for (const interval of intervals) {
    const closes = minutesOf(interval.closes);
    for (let m = minutesOf(interval.opens); m + offer.slotMinutes <= closes; m += offer.slotMinutes) starts.push(m);
  }
  return starts;
}

/** The slots that start at or after `fromMs`, in time order, over `days` local days from its date. */
export function* slotsFrom(offer: PickupOffer, fromMs: number, days = PICKUP_SEARCH_DAYS): Generator<SlotTime> {
  const zone = getZone(offer.timeZone);
  const first = zone.localDay(fromMs);
  for (let day = first; day < first + days; day++) {
    for (const m of slotStartsOfDay(offer, day)) {
      const startMs = zone.wallTimeToInstant(day, m);
      if (startMs < fromMs) continue;
      yield { startMs, endMs: zone.wallTimeToInstant(day, m + offer.slotMinutes) };
    }
  }
}

/** The slot that starts at `startMs`, if the hub offers one then. */
export function offeredSlotAt(offer: PickupOffer, startMs: number): SlotTime | undefined {
  const zone = getZone(offer.timeZone);
  const day = zone.localDay(startMs);
  for (const m of slotStartsOfDay(offer, day)) {
    if (zone.wallTimeToInstant(day, m) === startMs)
      return { startMs, endMs: zone.wallTimeToInstant(day, m + offer.slotMinutes) };
  }
  return undefined;
}

/**
 * When units can be collected: the latest of the order, the drop's opening and the units' arrival
 * at the hub (null: on hand), then the hub's handling days (business days Mon–Fri in its zone,
 * ready from local midnight of the last one).
 */
export function pickupReadyFrom(input: {
  orderedAtMs: number;
  opensAtMs: number | null;
  arrivalMs: number | null;
  handlingDays: number;
  timeZone: string;
}): number {
  const start = Math.max(input.orderedAtMs, input.opensAtMs ?? -Infinity, input.arrivalMs ?? -Infinity);
  if (input.handlingDays <= 0) return start;
  const zone = getZone(input.timeZone);
  return zone.wallTimeToInstant(addBusinessDays(zone.localDay(start), input.handlingDays), 0);
}

/**
 * The first `limit` slots from `fromMs` with room for `quantity` units, given the units each slot
 * already hands out (`usedAt(startMs)`).
 */
export function firstFreeSlots(
  offer: PickupOffer,
  fromMs: number,
  quantity: number,
  usedAt: (startMs: number) => number,
  limit = PICKUP_SLOTS_SHOWN,
): FreeSlot[] {
  const found: FreeSlot[] = [];
  if (quantity > offer.unitsPerSlot) return found;
  for (const slot of slotsFrom(offer, fromMs)) {
    const unitsFree = offer.unitsPerSlot - usedAt(slot.startMs);
    if (unitsFree >= quantity) found.push({ ...slot, unitsFree });
    if (found.length >= limit) break;
  }
  return found;
}
