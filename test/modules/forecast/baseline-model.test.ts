import { describe, expect, it } from 'vitest';
import { createBaselineModel } from '../../../src/modules/forecast/core/baseline-model';
import type { ClosedDrop, FeatureRow } from '../../../src/modules/forecast/core/forecast-types';

function row(partial: Partial<FeatureRow>): FeatureRow {
  return {
    dropId: 'd-new',
    skuId: 's1',
    regionId: 'US-CA',
    creatorId: 'cr-1',
    leadDays: 3,
    preorders: 0,
    values: [],
    ...partial,
  };
}

function drop(id: string, creatorId: string, closesAt: string, cells: { y: number; p3: number }[]): ClosedDrop {
  return {
    id,
    creatorId,
    opensAt: closesAt,
    closesAt,
    skus: [{ id: `${id}-s1`, price: 20 }],
    observed: { social: [false, false, false], tokenHolders: [false, false, false] },
    regions: cells.map((c, i) => ({
      regionId: `US-R${i}`,
      demand: [c.y],
      preorders: [[0, c.p3, c.p3]],
      velocity: [[0, 0, 0]],
      tokenHolders: [0, 0, 0],
      social: [[], [], []],
    })),
  };
}

describe('baseline: pre-orders × median final/pre-order ratio', () => {
  const history = [
    drop('a', 'cr-1', '2024-01-01T00:00:00Z', [
      { y: 10, p3: 5 },
      { y: 30, p3: 10 },
      { y: 4, p3: 0 },
    ]),
    drop('b', 'cr-2', '2024-02-01T00:00:00Z', [
      { y: 40, p3: 10 },
      { y: 6, p3: 0 },
      { y: 2, p3: 0 },
    ]),
  ];

  it('scales pre-orders by the median ratio of past cells', () => {
    // ratios 2, 3, 4 → median 3
    const [d] = createBaselineModel(history).predict([row({ preorders: 10 })]);
    expect(d?.quantiles[3]).toBe(30);
  });

  it('gives a cold-start forecast from past zero-pre-order cells', () => {
    // cold cells y = 4, 6, 2 → median 4
    const [d] = createBaselineModel(history).predict([row({ preorders: 0, creatorId: 'cr-new' })]);
    expect(d?.quantiles[3]).toBe(4);
    expect(d?.mean).toBeCloseTo(4, 12);
  });

  it('does not crash on an empty history and never forecasts below pre-orders', () => {
    const m = createBaselineModel([]);
    const [cold, warm] = m.predict([row({ preorders: 0 }), row({ preorders: 7 })]);
    expect(cold?.quantiles).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(warm?.quantiles).toEqual([7, 7, 7, 7, 7, 7, 7]);
    expect(m.predict([])).toEqual([]);
  });

  it('ignores drops closed after the forecast time', () => {
    const m = createBaselineModel(history, { asOfMs: Date.parse('2024-01-15T00:00:00Z') });
    // only drop a: ratios 2, 3 → median 2.5
    const [d] = m.predict([row({ preorders: 10 })]);
    expect(d?.quantiles[3]).toBe(25);
  });

  it('has non-decreasing quantiles', () => {
    const out = createBaselineModel(history).predict([row({ preorders: 3 }), row({ preorders: 0 })]);
    for (const d of out)
      d.quantiles.forEach((q, i) => i > 0 && expect(q).toBeGreaterThanOrEqual(d.quantiles[i - 1] as number));
  });
});
