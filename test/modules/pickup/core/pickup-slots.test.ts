import { describe, expect, it } from 'vitest';
import {
  firstFreeSlots,
  offeredSlotAt,
  overlappingIntervals,
  pickupReadyFrom,
  slotsFrom,
  type PickupOffer,
} from '../../../../src/modules/pickup/core/pickup-slots';

/** Weekdays 9–12 and 13–17:30 in London, slots of 90 minutes, 4 units each. */
const offer: PickupOffer = {
  hubId: 'hub-lon',
  timeZone: 'Europe/London',
  addressLabel: 'Unit 2',
  slotMinutes: 90,
  unitsPerSlot: 4,
  openingHours: [1, 2, 3, 4, 5].flatMap((weekday) => [
    { weekday, opens: 9, closes: 12 },
    { weekday, opens: 13, closes: 17.5 },
  ]),
};
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('pickup slots', () => {
  it('cuts each opening interval into whole slots in the hub zone (BST in June: UTC+1)', () => {
    const slots = [...slotsFrom(offer, at('2026-06-01T00:00:00Z'), 1)].map((s) => [iso(s.startMs), iso(s.endMs)]);
    expect(slots).toEqual([
      ['2026-06-01T08:00:00.000Z', '2026-06-01T09:30:00.000Z'],
      ['2026-06-01T09:30:00.000Z', '2026-06-01T11:00:00.000Z'],
      ['2026-06-01T12:00:00.000Z', '2026-06-01T13:30:00.000Z'],
      ['2026-06-01T13:30:00.000Z', '2026-06-01T15:00:00.000Z'],
      ['2026-06-01T15:00:00.000Z', '2026-06-01T16:30:00.000Z'],
    ]);
  });

  it('skips closed days and slots before the start; knows which instants start a slot', () => {
    // Saturday 10:00 UTC → Monday 09:00 local (08:00Z) is the first slot.
    expect(iso([...slotsFrom(offer, at('2026-06-06T10:00:00Z'))][0]!.startMs)).toBe('2026-06-08T08:00:00.000Z');
    expect(offeredSlotAt(offer, at('2026-06-01T09:30:00Z'))).toEqual({
      startMs: at('2026-06-01T09:30:00Z'),
      endMs: at('2026-06-01T11:00:00Z'),
    });
    expect(offeredSlotAt(offer, at('2026-06-01T10:00:00Z'))).toBeUndefined();
    expect(offeredSlotAt(offer, at('2026-06-06T08:00:00Z'))).toBeUndefined();
  });

  it('shows the first 3 slots with room for the quantity', () => {
    const used = new Map([
      [at('2026-06-01T08:00:00Z'), 3],
      [at('2026-06-01T09:30:00Z'), 4],
    ]);
    const free = firstFreeSlots(offer, at('2026-06-01T07:00:00Z'), 2, (s) => used.get(s) ?? 0);
    expect(free.map((s) => [iso(s.startMs), s.unitsFree])).toEqual([
      ['2026-06-01T12:00:00.000Z', 4],
      ['2026-06-01T13:30:00.000Z', 4],
      ['2026-06-01T15:00:00.000Z', 4],
    ]);
    expect(firstFreeSlots(offer, at('2026-06-01T07:00:00Z'), 5, () => 0)).toEqual([]);
  });

  it('is ready from the latest of order, opening and arrival, then the handling days (business days)', () => {
    const base = { orderedAtMs: at('2026-06-01T10:00:00Z'), timeZone: 'Europe/London', handlingDays: 0 };
    expect(iso(pickupReadyFrom({ ...base, opensAtMs: at('2026-06-03T08:00:00Z'), arrivalMs: null }))).toBe(
      '2026-06-03T08:00:00.000Z',
    );
    expect(
      iso(pickupReadyFrom({ ...base, opensAtMs: at('2026-06-03T08:00:00Z'), arrivalMs: at('2026-06-04T12:00:00Z') })),
    ).toBe('2026-06-04T12:00:00.000Z');
    // Friday + 1 business day of handling → ready from Monday 00:00 local.
    expect(
      iso(pickupReadyFrom({ ...base, handlingDays: 1, opensAtMs: at('2026-06-05T12:00:00Z'), arrivalMs: null })),
    ).toBe('2026-06-07T23:00:00.000Z');
  });

  it('finds overlapping intervals of one weekday; touching ones and other days do not overlap', () => {
    expect(
      overlappingIntervals([
        { weekday: 1, opens: 9, closes: 12 },
        { weekday: 1, opens: 12, closes: 14 },
        { weekday: 2, opens: 11, closes: 13 },
        { weekday: 1, opens: 13, closes: 15 },
      ]),
    ).toEqual([3]);
  });
});
