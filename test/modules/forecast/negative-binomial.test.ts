import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QUANTILE_LEVELS } from '../../../src/modules/forecast/core/forecast-types';
import { nbLogPmf, nbQuantiles, shiftedNbDistribution } from '../../../src/modules/forecast/core/negative-binomial';

describe('negative binomial quantiles', () => {
  it('match the geometric case NB(mu=2, alpha=1) worked by hand', () => {
    // P(k) = (1/3)(2/3)^k, F(k) = 1 - (2/3)^(k+1)
    expect(nbQuantiles(2, 1)).toEqual([0, 0, 0, 1, 3, 5, 7]);
  });

  it('fall back to Poisson when alpha is 0', () => {
    // Poisson(3): F = .0498 .1991 .4232 .6472 .8153 .9161 .9665
    expect(nbQuantiles(3, 0)).toEqual([1, 1, 2, 3, 4, 5, 6]);
  });

  it('pmf sums to one', () => {
    let s = 0;
    for (let k = 0; k < 2000; k++) s += Math.exp(nbLogPmf(k, 40, 0.3));
    expect(s).toBeCloseTo(1, 9);
  });

  it('are integers, non-negative and non-decreasing for any mean and dispersion', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 50_000, noNaN: true }),
        fc.double({ min: 0, max: 20, noNaN: true }),
        fc.nat(1000),
        (mu, alpha, shift) => {
          const d = shiftedNbDistribution(shift, mu, alpha);
          expect(d.quantiles).toHaveLength(QUANTILE_LEVELS.length);
          expect(d.mean).toBeGreaterThanOrEqual(0);
          d.quantiles.forEach((q, i) => {
            expect(Number.isInteger(q)).toBe(true);
            expect(q).toBeGreaterThanOrEqual(shift);
            if (i > 0) expect(q).toBeGreaterThanOrEqual(d.quantiles[i - 1] as number);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('agree with a brute-force CDF', () => {
    for (const [mu, alpha] of [
      [0.4, 2],
      [12, 0.25],
      [250, 0.05],
    ] as const) {
      const q = nbQuantiles(mu, alpha);
      QUANTILE_LEVELS.forEach((tau, i) => {
        let cdf = 0;
        let k = 0;
        for (; ; k++) {
          cdf += Math.exp(nbLogPmf(k, mu, alpha));
          if (cdf >= tau - 1e-12) break;
        }
        expect(q[i]).toBe(k);
      });
    }
  });

  it('returns zeros for a zero or invalid mean', () => {
    expect(nbQuantiles(0, 0.5)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(nbQuantiles(Number.NaN, 0.5)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });
});
