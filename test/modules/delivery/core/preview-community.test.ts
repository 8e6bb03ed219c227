import { describe, expect, it } from 'vitest';
import { previewQueueByRegion, reservedByTierPerRegion } from '../../../../src/modules/delivery/core/preview-community';

describe('the preview queue per region', () => {
  it('adds waiting entries and the units short of p50 and p90 demand over SKUs, never below zero per SKU', () => {
    const byRegion = previewQueueByRegion({
      waiting: [
        { regionId: 'A', skuId: 's1', entries: 3, units: 4 },
        { regionId: 'A', skuId: 's2', entries: 1, units: 1 },
      ],
      demand: [
        { regionId: 'A', skuId: 's1', p50: 10, p90: 20 },
        { regionId: 'A', skuId: 's2', p50: 2, p90: 9 },
        { regionId: 'B', skuId: 's1', p50: 4, p90: 8 },
      ],
      placed: [
        { regionId: 'A', skuId: 's1', units: 12 },
        { regionId: 'A', skuId: 's2', units: 5 },
      ],
    });
    // A: s1 short 0 at p50 (12 ≥ 10), 8 at p90; s2 0 and 4. B: nothing placed, 4 and 8.
    expect(byRegion.get('A')).toEqual({
      waiting_entries: 4,
      waiting_units: 5,
      units_short_p50: 0,
      units_short_p90: 12,
    });
    expect(byRegion.get('B')).toEqual({ waiting_entries: 0, waiting_units: 0, units_short_p50: 4, units_short_p90: 8 });
  });

  it('counts nothing short without a plan to compare with', () => {
    const byRegion = previewQueueByRegion({
      waiting: [],
      demand: [{ regionId: 'A', skuId: 's1', p50: 10, p90: 20 }],
      placed: null,
    });
    expect(byRegion.get('A')).toEqual({ waiting_entries: 0, waiting_units: 0, units_short_p50: 0, units_short_p90: 0 });
  });
});

describe('reserves per tier and region', () => {
  it('sums region-scoped reserves and what rolled into them, per tier; drop-wide ones stay out', () => {
    expect(
      Object.fromEntries(
        reservedByTierPerRegion([
          { tier: 'holders', regionId: null, reserved: 9, rolledIn: 0 },
          { tier: 'holders', regionId: 'A', reserved: 2, rolledIn: 0 },
          { tier: 'members', regionId: 'A', reserved: 1, rolledIn: 3 },
          { tier: 'holders', regionId: 'A', reserved: 5, rolledIn: 0 },
        ]),
      ),
    ).toEqual({ A: { holders: 7, members: 4 } });
  });
});
