import { describe, expect, it } from 'vitest';
import { socialIndex } from '../../../../src/modules/forecast/core/forecast-types';
import { nbQuantiles } from '../../../../src/modules/forecast/core/negative-binomial';
import { assembleSnapshot } from '../../../../src/modules/forecast/drop-snapshot';
import { dispersionFromParams, dispersionFromQuantiles } from '../../../../src/modules/forecast/nb-dispersion';

describe('dispersionFromParams', () => {
  it('is the remaining demand’s α when nothing is pre-ordered yet', () => {
    expect(dispersionFromParams(0, 20, 0.3)).toBeCloseTo(0.3, 6);
  });

  it('moment-matches pre-orders + NB(μ, α): same mean and variance', () => {
    const [p, mu, a] = [10, 20, 0.3];
    const alpha = dispersionFromParams(p, mu, a);
    const m = p + mu;
    expect(m + alpha * m * m).toBeCloseTo(mu + a * mu * mu, 2);
  });

  it('floors at 0 (Poisson) when pre-orders make demand less dispersed than a Poisson, and is 0 for a zero mean', () => {
    expect(dispersionFromParams(100, 1, 0.1)).toBe(0);
    expect(dispersionFromParams(0, 0, 0.5)).toBe(0);
  });
});

describe('dispersionFromQuantiles', () => {
  it('recovers the dispersion of an NB from its quantiles, roughly', () => {
    const [mu, alpha] = [200, 0.25];
    const estimate = dispersionFromQuantiles({ mean: mu, quantiles: nbQuantiles(mu, alpha) });
    expect(estimate).toBeGreaterThan(0.15);
    expect(estimate).toBeLessThan(0.35);
  });

  it('is 0 for a point forecast or a zero mean', () => {
    expect(dispersionFromQuantiles({ mean: 5, quantiles: [5, 5, 5, 5, 5, 5, 5] })).toBe(0);
    expect(dispersionFromQuantiles({ mean: 0, quantiles: [0, 0, 0, 0, 0, 0, 0] })).toBe(0);
  });
});

describe('assembleSnapshot', () => {
  const base = {
    dropId: 'd',
    creatorId: 'c',
    opensAt: new Date('2026-12-03T00:00:00Z'),
    asOf: new Date('2026-11-30T00:00:00Z'),
    skus: [
      { id: 'a', price: 10 },
      { id: 'b', price: 20 },
    ],
    regionIds: ['R1', 'R2'],
  };

  it('places readings by channel × metric, holders per region and pre-orders per SKU; ignores unknown ids', () => {
    const { snapshot, hasSignals } = assembleSnapshot({
      ...base,
      social: [
        { region_id: 'R1', channel: 'tiktok', metric: 'views', last_value: 50 },
        { region_id: 'R9', channel: 'tiktok', metric: 'views', last_value: 7 },
      ],
      tokenHolders: [{ region_id: 'R2', holders: 4 }],
      preorders: [
        { sku_id: 'b', region_id: 'R1', units: 3, velocity: 1 },
        { sku_id: 'zz', region_id: 'R1', units: 9, velocity: 9 },
      ],
    });
    expect(hasSignals).toBe(true);
    expect(snapshot.daysToOpen).toBe(3);
    expect(snapshot.regions.map((r) => r.regionId)).toEqual(['R1', 'R2']);
    expect(snapshot.regions[0]!.social[socialIndex(1, 1)]).toBe(50);
    expect(snapshot.regions[0]!.preorders).toEqual([0, 3]);
    expect(snapshot.regions[0]!.velocity).toEqual([0, 1]);
    expect(snapshot.regions[1]!.tokenHolders).toBe(4);
  });

  it('refuses a social reading whose channel or metric is not in the vocabulary, rather than dropping it', () => {
    const reading = (channel: string, metric: string) => ({
      ...base,
      social: [{ region_id: 'R1', channel, metric, last_value: 5 }],
      tokenHolders: [],
      preorders: [],
    });
    expect(() => assembleSnapshot(reading('myspace', 'views'))).toThrow(/unknown channel or metric: 'myspace'/);
    expect(() => assembleSnapshot(reading('tiktok', 'saves'))).toThrow(/'saves'/);
  });

  it('reports no signals for an empty drop', () => {
    expect(assembleSnapshot({ ...base, social: [], tokenHolders: [], preorders: [] }).hasSignals).toBe(false);
  });
});
