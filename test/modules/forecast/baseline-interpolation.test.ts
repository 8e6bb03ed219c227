import { describe, expect, it } from 'vitest';
import { createBaselineModel } from '../../../src/modules/forecast/core/baseline-model';
import type { ClosedDrop, FeatureRow } from '../../../src/modules/forecast/core/forecast-types';

/** Defect 4: a real forecast's lead is never exactly 7, 3 or 1 days; the baseline interpolates between them. */
const row = (leadDays: number, preorders: number): FeatureRow => ({
  dropId: 'new',
  skuId: 's',
  regionId: 'R',
  creatorId: 'c',
  leadDays,
  preorders,
  values: [],
});

// One past cell: 40 units in the end, 10 pre-orders 7 days out, 20 at 3 days, 40 at 1 day:
// final/pre-order ratios 4 (7 d), 2 (3 d), 1 (1 d).
const past: ClosedDrop = {
  id: 'past',
  creatorId: 'c',
  opensAt: '2024-01-01T00:00:00Z',
  closesAt: '2024-01-03T00:00:00Z',
  skus: [{ id: 's', price: 10 }],
  observed: { social: [false, false, false], tokenHolders: [false, false, false] },
  regions: [
    {
      regionId: 'R',
      demand: [40],
      preorders: [[10, 20, 40]],
      velocity: [[0, 0, 0]],
      tokenHolders: [0, 0, 0],
      social: [[], [], []],
    },
  ],
};

describe('baseline ratios between lead times', () => {
  const model = createBaselineModel([past]);
  const median = (lead: number) => model.predict([row(lead, 10)])[0]!.quantiles[3];

  it('uses the exact table at 7, 3 and 1 days', () => {
    expect([median(7), median(3), median(1)]).toEqual([40, 20, 10]);
  });

  it('interpolates linearly in days between two tables (5 days: halfway between ratio 4 and 2)', () => {
    expect(median(5)).toBe(30);
    expect(median(2)).toBe(15);
    expect(median(3.1)).toBe(Math.round(10 * (2 + (0.1 / 4) * 2)));
  });

  it('holds the end tables beyond them (more than 7 days out; after 1 day)', () => {
    expect(median(12.5)).toBe(40);
    expect(median(0.25)).toBe(10);
  });
});
