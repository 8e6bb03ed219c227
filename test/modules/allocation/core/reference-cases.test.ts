import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { inverseNormalCdf, normalCdf } from '../../../../src/modules/allocation/core/normal-distribution';
import {
  emergencySupplierOrder,
  newsvendorNormal,
  newsvendorNormalCost,
  newsvendorPoisson,
} from '../../../../src/modules/allocation/core/newsvendor';
import { allocateScarceStock, scarceStockRevenue } from '../../../../src/modules/allocation/core/marginal-allocation';
import { prorateByLargestRemainder } from '../../../../src/modules/allocation/core/largest-remainder';
import { minCostFlow } from '../../../../src/modules/allocation/core/min-cost-flow';
import { negativeBinomialPmf, pmfMoments } from '../../../../src/modules/allocation/core/demand-distribution';

const close = (actual: number, expected: number, tolerance: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance);
};

describe('normal distribution', () => {
  it('matches known values of Φ to 1e-15', () => {
    close(normalCdf(1), 0.8413447460685429, 1e-15);
    close(normalCdf(-3), 0.0013498980316300946, 1e-17);
    close(normalCdf(-2), 0.022750131948179195, 1e-15);
  });

  it('inverts Φ to 1e-13 across the range', () => {
    for (const p of [1e-12, 1e-6, 0.01, 0.3, 0.5, 0.7, 0.9, 0.999999])
      close(normalCdf(inverseNormalCdf(p)), p, 1e-13 * Math.max(p, 1e-3));
  });

  it('matches published quantiles of the standard normal to 1e-12 (a coarser inverse, e.g. a 4-digit table, fails)', () => {
    close(inverseNormalCdf(0.5), 0, 1e-15);
    close(inverseNormalCdf(0.9), 1.2815515655446004, 1e-12);
    close(inverseNormalCdf(0.975), 1.959963984540054, 1e-12);
    close(inverseNormalCdf(0.999), 3.090232306167813, 1e-12);
    close(inverseNormalCdf(1e-6), -4.753424308822899, 1e-12);
    close(inverseNormalCdf(0.1), -inverseNormalCdf(0.9), 1e-15);
  });
});

describe('newsvendor reference cases', () => {
  it('normal N(50, 8), h 0.18, p 0.70 gives S* 56.60395592743389 and cost 1.9976051931766445', () => {
    const r = newsvendorNormal(0.18, 0.7, 50, 8);
    close(r.orderQuantity, 56.60395592743389, 1e-9);
    close(r.expectedCost, 1.9976051931766445, 1e-9);
    close(newsvendorNormalCost(0.18, 0.7, 50, 8, r.orderQuantity), r.expectedCost, 1e-9);
  });

  it('normal N(120, 10), h 2, p 18 gives S* 132.815515655446 and cost 35.09966638649737', () => {
    const r = newsvendorNormal(2, 18, 120, 10);
    close(r.orderQuantity, 132.815515655446, 1e-9);
    close(r.expectedCost, 35.09966638649737, 1e-9);
  });

  it('Poisson λ 50, h 0.18, p 0.70 gives S* 56 and cost 1.797235211809178', () => {
    const r = newsvendorPoisson(0.18, 0.7, 50);
    expect(r.orderQuantity).toBe(56);
    close(r.expectedCost, 1.797235211809178, 1e-9);
  });

  it('Poisson λ 6, h 1, p 4 gives S* 8 and cost 3.5701069457709416', () => {
    const r = newsvendorPoisson(1, 4, 6);
    expect(r.orderQuantity).toBe(8);
    close(r.expectedCost, 3.5701069457709416, 1e-9);
  });

  it('emergency supplier: regular-only 4253.35, with emergency 3569.27 at critical ratio 1/3', () => {
    const base = { mean: 4000, sd: 1000, price: 12, regularCost: 6, salvageValue: 2 };
    close(emergencySupplierOrder(base).orderQuantity, 4253.35, 0.01);
    const withEmergency = emergencySupplierOrder({ ...base, emergencyCost: 8 });
    close(withEmergency.orderQuantity, 3569.27, 0.01);
    close(withEmergency.criticalRatio, 1 / 3, 1e-15);
  });
});

describe('scarce stock across 3 stores', () => {
  const stores = [
    { probabilities: [0, 0.6, 0, 0.4] },
    { probabilities: [0, 0.5, 0.1, 0.4] },
    { probabilities: [0, 0.4, 0.3, 0.3] },
  ];

  it('greedy marginal allocation earns the optimal 9.75 and picks (2,2,2) by the lower-index tie rule', () => {
    const r = allocateScarceStock(6, 2, 0.5, stores);
    close(r.expectedRevenue, 9.75, 1e-12);
    close(scarceStockRevenue(r.units, 2, 0.5, stores), 9.75, 1e-12);
    expect(r.units).toEqual([2, 2, 2]);
  });

  it('has exactly the optima (1,3,2) and (2,2,2) by enumeration', () => {
    const optima: number[][] = [];
    for (let a = 0; a <= 6; a += 1)
      for (let b = 0; a + b <= 6; b += 1) {
        const split = [a, b, 6 - a - b];
        if (Math.abs(scarceStockRevenue(split, 2, 0.5, stores) - 9.75) < 1e-12) optima.push(split);
      }
    expect(optima).toEqual([
      [1, 3, 2],
      [2, 2, 2],
    ]);
  });
});

describe('fair share by largest remainder', () => {
  it('splits 50 units over weights 10/20/50 as 6/13/31', () => {
    expect(prorateByLargestRemainder(50, [10, 20, 50])).toEqual([6, 13, 31]);
  });

  it('breaks equal remainders by larger weight, then lower index', () => {
    expect(prorateByLargestRemainder(1, [1, 1])).toEqual([1, 0]);
    expect(prorateByLargestRemainder(2, [1, 1, 1])).toEqual([1, 1, 0]);
  });

  it('always returns non-negative parts that sum to the total', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 30 }),
        (total, weights) => {
          const parts = prorateByLargestRemainder(total, weights);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          expect(parts.every((p) => Number.isInteger(p) && p >= 0)).toBe(true);
        },
      ),
    );
  });
});

describe('min-cost flow by successive shortest paths', () => {
  it('solves the 5-node reference case at cost 150', () => {
    // [from, to, capacity, cost]
    const rows: [number, number, number, number][] = [
      [0, 1, 15, 4],
      [0, 2, 8, 4],
      [1, 2, 20, 2],
      [1, 3, 4, 2],
      [1, 4, 10, 6],
      [2, 3, 15, 1],
      [2, 4, 4, 3],
      [3, 4, 20, 2],
      [4, 2, 5, 3],
    ];
    const arcs = rows.map(([from, to, capacity, cost]) => ({ from, to, capacity, cost }));
    const r = minCostFlow(5, arcs, [20, 0, 0, -5, -15]);
    expect(r.feasible).toBe(true);
    expect(r.cost).toBe(150);
  });
});

describe('negative binomial demand', () => {
  it('has mean μ and variance μ + αμ², truncated below 1e-9 tail mass', () => {
    const pmf = negativeBinomialPmf(12, 0.3);
    const { mean, variance } = pmfMoments(pmf);
    const mass = pmf.reduce((a, b) => a + b, 0);
    expect(1 - mass).toBeLessThan(1e-9);
    close(mean, 12, 1e-6);
    close(variance, 12 + 0.3 * 144, 1e-4);
  });
});
