import { describe, expect, it } from 'vitest';
import { defaultOutcome, inspectionEndsAt, returnRates } from '../../../../src/modules/returns/core/returns';

describe('inspection of a returned unit', () => {
  it('ends at 00:00 hub-local on the 2nd business day after the day it arrived', () => {
    // Friday 05:00 in New York → Tuesday 00:00 New York (05:00Z in December)
    expect(inspectionEndsAt('2026-12-04T10:00:00Z', 'America/New_York')).toBe('2026-12-08T05:00:00.000Z');
    // Monday → Wednesday; the local date decides (Monday 23:30 in Tokyo is still Monday there)
    expect(inspectionEndsAt('2026-12-07T14:30:00Z', 'Asia/Tokyo')).toBe('2026-12-08T15:00:00.000Z');
    expect(inspectionEndsAt('2026-12-07T12:00:00Z', 'Europe/Paris', 1)).toBe('2026-12-07T23:00:00.000Z');
  });

  it('makes an unwanted or wrong item resellable and sends a defect to repair by default', () => {
    expect(defaultOutcome('unwanted')).toBe('available');
    expect(defaultOutcome('wrong_item')).toBe('available');
    expect(defaultOutcome('defect')).toBe('repair');
  });
});

describe('return rates', () => {
  it('divides returned by sold units overall, by region, SKU and reason; nothing sold → null', () => {
    const rates = returnRates(
      [
        { sku_id: 'a', region_id: 'r1', quantity: 4 },
        { sku_id: 'b', region_id: 'r2', quantity: 6 },
      ],
      [
        { sku_id: 'a', region_id: 'r1', reason: 'defect', quantity: 1 },
        { sku_id: 'b', region_id: null, reason: 'unwanted', quantity: 2 },
        { sku_id: 'c', region_id: 'r3', reason: 'wrong_item', quantity: 1 },
      ],
    );
    expect(rates).toMatchObject({ units_sold: 10, units_returned: 4, return_rate: 0.4 });
    expect(rates.by_region).toEqual([
      { region_id: 'r1', units_sold: 4, units_returned: 1, return_rate: 0.25 },
      { region_id: 'r2', units_sold: 6, units_returned: 0, return_rate: 0 },
      { region_id: 'r3', units_sold: 0, units_returned: 1, return_rate: null },
    ]);
    expect(rates.by_sku.map((r) => [r.sku_id, r.return_rate])).toEqual([
      ['a', 0.25],
      ['b', 2 / 6],
      ['c', null],
    ]);
    expect(rates.by_reason.map((r) => [r.reason, r.units_returned, r.return_rate])).toEqual([
      ['unwanted', 2, 0.2],
      ['defect', 1, 0.1],
      ['wrong_item', 1, 0.1],
    ]);
  });
});
