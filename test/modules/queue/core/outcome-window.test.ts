import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  freedUnits,
  binomialPmf,
  expectedOutcome,
  historicalRate,
  normalCdf,
  type OutcomeInput,
} from '../../../../src/modules/queue/core/outcome-window';

const NOW = Date.parse('2026-12-03T18:00:00Z');
const base: OutcomeInput = {
  nowMs: NOW,
  unitsAhead: 0,
  quantity: 1,
  holdsBySize: [],
  lastHoldExpiryMs: null,
  holdReleaseRate: 0.25,
  holdReleaseObservations: 1e9,
  confirmedUnits: 0,
  cancelRate: 0.02,
  returningUnits: 0,
  lastReturnMs: null,
  restock: null,
  claimSeconds: 900,
  deliveryDaysMin: 1,
  deliveryDaysMax: 3,
};

describe('expected outcome of a queue entry (reference cases)', () => {
  it('nothing can free up: probability 0 and no window', () => {
    expect(expectedOutcome(base)).toEqual({ probability: 0, probability_from_stock: 0, delivery_window: null });
  });

  it('first in line behind 4 held units released at 25%: 1 − 0.75⁴ = 0.6836', () => {
    const out = expectedOutcome({ ...base, holdsBySize: [{ size: 1, holds: 4 }], lastHoldExpiryMs: NOW + 600_000 });
    expect(out.probability).toBe(0.6836);
    expect(out.probability_from_stock).toBe(0.6836);
    // earliest: an offer now + 1 day; latest: last expiry + claim (15 min) + 3 days
    expect(out.delivery_window).toEqual({
      earliest: '2026-12-04T18:00:00.000Z',
      latest: '2026-12-06T18:25:00.000Z',
    });
  });

  it('second in line behind 2 held units at 50%: P(Bin(2, ½) ≥ 2) = 0.25', () => {
    expect(
      expectedOutcome({ ...base, unitsAhead: 1, holdsBySize: [{ size: 1, holds: 2 }], holdReleaseRate: 0.5 })
        .probability,
    ).toBe(0.25);
  });

  it('holds and cancellations together: P(Bin(1, ½) + Bin(1, ½) ≥ 1) = 0.75', () => {
    expect(
      expectedOutcome({
        ...base,
        holdsBySize: [{ size: 1, holds: 1 }],
        holdReleaseRate: 0.5,
        confirmedUnits: 1,
        cancelRate: 0.5,
      }).probability,
    ).toBe(0.75);
  });

  it('a return back on sale counts as certain: first in line gets it', () => {
    const out = expectedOutcome({ ...base, returningUnits: 1, lastReturnMs: NOW + 2 * 86_400_000 });
    expect(out.probability).toBe(1);
    expect(out.delivery_window!.latest).toBe('2026-12-08T18:15:00.000Z');
  });

  it('a restock beyond the stock: certain, arriving within the supplier’s lead time', () => {
    const out = expectedOutcome({
      ...base,
      unitsAhead: 10,
      holdsBySize: [{ size: 2, holds: 1 }],
      restock: { units: 100, leadTimeDaysMin: 3, leadTimeDaysMax: 5 },
    });
    expect(out.probability).toBe(1);
    expect(out.probability_from_stock).toBe(0);
    expect(out.delivery_window).toEqual({ earliest: '2026-12-07T18:00:00.000Z', latest: '2026-12-11T18:15:00.000Z' });
  });

  it('the probability never grows with the units ahead', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 0, max: 80 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (ahead, holds, confirmed, rate) => {
          const p = (unitsAhead: number) =>
            expectedOutcome({
              ...base,
              unitsAhead,
              holdsBySize: [{ size: 1, holds }],
              confirmedUnits: confirmed,
              holdReleaseRate: rate,
            }).probability;
          expect(p(ahead + 1)).toBeLessThanOrEqual(p(ahead));
        },
      ),
    );
  });
});

describe('the distributions under it', () => {
  it('binomial pmf sums to 1 and matches Bin(3, 0.5)', () => {
    expect(binomialPmf(3, 0.5).map((v) => Math.round(v * 1000) / 1000)).toEqual([0.125, 0.375, 0.375, 0.125]);
    expect(binomialPmf(500, 0.3).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
  });

  it('a hold frees all its units or none: one hold of 2 at ½ gives P(≥ 1) = P(≥ 2) = ½', () => {
    const freed = freedUnits([{ size: 2, holds: 1 }], 0.5, 0, 0);
    expect([freed.atLeast(0), freed.atLeast(1), freed.atLeast(2), freed.atLeast(3)]).toEqual([1, 0.5, 0.5, 0]);
  });

  it('answers the same inputs again from the distributions it built last, and other inputs afresh', () => {
    const holds = [
      { size: 1, holds: 40 },
      { size: 3, holds: 5 },
    ];
    const first = freedUnits(holds, 0.4, 12, 0.05);
    expect(freedUnits([...holds.map((g) => ({ ...g }))], 0.4, 12, 0.05)).toBe(first);
    // Any input that differs gives its own distribution, not the kept one.
    const variants = [
      freedUnits(holds, 0.41, 12, 0.05),
      freedUnits(holds, 0.4, 13, 0.05),
      freedUnits(holds, 0.4, 12, 0.06),
      freedUnits(
        [
          { size: 1, holds: 40 },
          { size: 3, holds: 6 },
        ],
        0.4,
        12,
        0.05,
      ),
      freedUnits(
        [
          { size: 3, holds: 40 },
          { size: 1, holds: 5 },
        ],
        0.4,
        12,
        0.05,
      ),
    ];
    for (const v of variants) expect(v).not.toBe(first);
    expect(variants.map((v) => v.atLeast(25))).not.toContain(first.atLeast(25));
    // Kept or not, the figures are the same as a fresh build's: push the first out, then ask again.
    for (let i = 0; i < 100; i++) freedUnits([{ size: 1, holds: i + 1 }], 0.5, 0, 0);
    const rebuilt = freedUnits(holds, 0.4, 12, 0.05);
    expect(rebuilt).not.toBe(first);
    for (const k of [0, 10, 25, 40, 55]) expect(rebuilt.atLeast(k)).toBe(first.atLeast(k));
  });

  it('past 4,000 units the normal approximation is within 0.01 of the exact sum at its mean', () => {
    const holds = [
      { size: 1, holds: 2000 },
      { size: 2, holds: 900 },
    ];
    const exact = freedUnits(holds, 0.3, 150, 0.03).atLeast(1145);
    // The same mean, pushed over the threshold by 1,000 more orders at a rate that keeps their mean.
    const over = freedUnits(holds, 0.3, 1150, 0.03 * (150 / 1150)).atLeast(1145);
    expect(Math.abs(exact - over)).toBeLessThan(0.01);
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
  });

  it('a rate from fewer than 20 observations is the default', () => {
    expect(historicalRate(3, 10, 0.25)).toBe(0.25);
    expect(historicalRate(10, 40, 0.25)).toBe(0.25);
    expect(historicalRate(30, 40, 0.25)).toBe(0.75);
  });
});
