import { describe, expect, it } from 'vitest';
import { expectedOutcome, historicalRate } from '../../../../src/modules/queue/core/outcome-window';

/**
 * Calibration over simulated oversubscribed drops: the stated probability of getting the item
 * against the share of buyers who got it, decile by decile, within ±5 points.
 *
 * Each drop has a true rate at which holds end unclaimed (0.1–0.6) and a true cancellation rate
 * (0–5%) that the model never sees: it gets rates estimated from the drop's own history (60–200
 * ended holds, 100–400 orders), as the service does. Active holds are of 1–3 units; buyers wait
 * in one line for 1 or 2 units each. Realised: every hold ends unclaimed or not, every order is
 * cancelled or not, and the freed units go down the line in order (an entry gets its units when
 * the units freed cover everyone ahead of it and itself). Fixed seed: the figures are the same on
 * every run.
 */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('calibration of the expected outcome', () => {
  it('states probabilities that come true within ±5 points in every decile of a simulated oversubscribed drop', () => {
    const random = prng(Number(process.env.CALIBRATION_SEED ?? 16));
    const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
    const binomial = (n: number, p: number) => {
      let k = 0;
      for (let i = 0; i < n; i++) if (random() < p) k++;
      return k;
    };
    const deciles = Array.from({ length: 10 }, () => ({ stated: 0, got: 0, n: 0 }));
    for (let drop = 0; drop < Number(process.env.CALIBRATION_DROPS ?? 400); drop++) {
      const releaseRate = 0.1 + random() * 0.5;
      const cancelRate = random() * 0.05;
      const pastHolds = int(60, 200);
      const pastOrders = int(100, 400);
      const estimatedRelease = historicalRate(binomial(pastHolds, releaseRate), pastHolds, 0.25);
      const estimatedCancel = historicalRate(binomial(pastOrders, cancelRate), pastOrders, 0.02);
      const holds = Array.from({ length: int(20, 120) }, () => [1, 1, 1, 2, 3][int(0, 4)]!);
      const confirmed = int(50, 300);
      const line = Array.from({ length: int(30, 150) }, () => (random() < 0.8 ? 1 : 2));
      const holdsBySize = [1, 2, 3].map((size) => ({ size, holds: holds.filter((q) => q === size).length }));

      const freed =
        holds.reduce((sum, q) => sum + (random() < releaseRate ? q : 0), 0) + binomial(confirmed, cancelRate);
      let ahead = 0;
      for (const quantity of line) {
        const { probability } = expectedOutcome({
          nowMs: 0,
          unitsAhead: ahead,
          quantity,
          holdsBySize,
          lastHoldExpiryMs: null,
          holdReleaseRate: estimatedRelease,
          holdReleaseObservations: Math.max(pastHolds, 20),
          confirmedUnits: confirmed,
          cancelRate: estimatedCancel,
          returningUnits: 0,
          lastReturnMs: null,
          restock: null,
          claimSeconds: 900,
          deliveryDaysMin: 1,
          deliveryDaysMax: 3,
        });
        ahead += quantity;
        const d = deciles[Math.min(9, Math.floor(probability * 10))]!;
        d.stated += probability;
        d.got += ahead <= freed ? 1 : 0;
        d.n += 1;
      }
    }
    const table = deciles.map((d, i) => ({
      decile: `${i * 10}–${i * 10 + 10}%`,
      n: d.n,
      stated: d.n ? d.stated / d.n : null,
      realised: d.n ? d.got / d.n : null,
    }));
    for (const row of table) {
      expect(row.n, JSON.stringify(table)).toBeGreaterThan(300);
      expect(Math.abs(row.stated! - row.realised!), JSON.stringify(row)).toBeLessThanOrEqual(0.05);
    }
  }, 180_000);
});
