import { describe, expect, it } from 'vitest';
import { LEAD_TIMES, SOCIAL_WIDTH } from '../../../src/modules/forecast/core/forecast-types';
import { historySnapshot } from '../../../src/modules/forecast/core/features';
import { simulateHistory, summariseHistory } from '../../../src/modules/forecast/core/simulate-history';

const SMALL = { drops: 24, regions: 10, creators: 4, newCreators: 1, spanDays: 200 };

describe('simulated history', () => {
  it('is identical for the same seed', () => {
    const a = simulateHistory({ ...SMALL, seed: 11 });
    const b = simulateHistory({ ...SMALL, seed: 11 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('differs for another seed', () => {
    const a = simulateHistory({ ...SMALL, seed: 11 });
    const b = simulateHistory({ ...SMALL, seed: 12 });
    expect(JSON.stringify(a.drops)).not.toBe(JSON.stringify(b.drops));
  });

  it('keeps signals, demand and oracle consistent for every drop × SKU × region', () => {
    const h = simulateHistory({ ...SMALL, seed: 3 });
    expect(summariseHistory(h).drops).toBe(SMALL.drops);
    let previousOpen = '';
    for (const d of h.drops) {
      expect(d.opensAt >= previousOpen).toBe(true);
      previousOpen = d.opensAt;
      expect(d.closesAt > d.opensAt).toBe(true);
      expect(d.skus.length).toBeGreaterThanOrEqual(1);
      expect(d.skus.length).toBeLessThanOrEqual(4);
      for (const r of d.regions) {
        expect(r.regionId).toMatch(/^[A-Z]{2}-[A-Z0-9]{1,3}$/);
        expect(r.social).toHaveLength(LEAD_TIMES.length);
        r.social.forEach((s) => expect(s).toHaveLength(SOCIAL_WIDTH));
        // cumulative social never decreases from 7 to 1 day before opening
        for (let j = 0; j < SOCIAL_WIDTH; j++) {
          expect(r.social[1]?.[j]).toBeGreaterThanOrEqual(r.social[0]?.[j] as number);
          expect(r.social[2]?.[j]).toBeGreaterThanOrEqual(r.social[1]?.[j] as number);
        }
        d.skus.forEach((_, k) => {
          const pre = r.preorders[k] as number[];
          expect(pre[0]).toBeLessThanOrEqual(pre[1] as number);
          expect(pre[1]).toBeLessThanOrEqual(pre[2] as number);
          expect(pre[2]).toBeLessThanOrEqual(r.demand[k] as number);
          (r.velocity[k] as number[]).forEach((v, li) => expect(v).toBeLessThanOrEqual(pre[li] as number));
          for (const [mu, alpha] of r.oracle[k] as number[][]) {
            expect(mu).toBeGreaterThanOrEqual(0);
            expect(alpha).toBeGreaterThan(0);
          }
        });
      }
    }
  });

  it('exposes snapshots per lead time', () => {
    const h = simulateHistory({ ...SMALL, seed: 5 });
    const d = h.drops[0];
    if (!d) throw new Error('no drop');
    const s = historySnapshot(d, 1);
    expect(s.daysToOpen).toBe(3);
    expect(s.regions[0]?.preorders).toEqual(d.regions[0]?.preorders.map((p) => p[1]));
  });
});
