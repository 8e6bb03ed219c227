import { describe, expect, it } from 'vitest';
import {
  calibrationByDecile,
  entryOutcome,
  queueOutcomes,
  tierFillRates,
  type QueueEntryFate,
} from '../../../../src/modules/reports/core/community-report';

const NOW = Date.parse('2026-12-05T17:00:00Z');

describe('tier fill rates', () => {
  it('sums a tier over its reserves, in the order the tiers come, and rates used against reserved + rolled in', () => {
    const fills = tierFillRates(
      [
        { tier: 'holders', skuId: 's1', regionId: null, reserved: 6, rolledIn: 0, used: 3 },
        { tier: 'holders', skuId: 's2', regionId: 'R', reserved: 2, rolledIn: 0, used: 2 },
        { tier: 'members', skuId: 's1', regionId: null, reserved: 0, rolledIn: 3, used: 1 },
        { tier: 'public', skuId: 's1', regionId: null, reserved: 0, rolledIn: 0, used: 0 },
      ],
      new Map([['holders', 9]]),
    );
    expect(fills.map((f) => [f.tier, f.reserved, f.rolled_in, f.used, f.fill_rate, f.units_taken])).toEqual([
      ['holders', 8, 0, 5, 0.625, 9],
      ['members', 0, 3, 1, 0.3333, 0],
      ['public', 0, 0, 0, null, 0],
    ]);
    expect(fills[0]!.reserves.map((r) => r.fill_rate)).toEqual([0.5, 1]);
  });
});

describe('entry outcomes', () => {
  const e = (over: Partial<QueueEntryFate>): QueueEntryFate => ({
    promisedProbability: 0.5,
    quantity: 1,
    status: 'offered',
    holdStatus: 'held',
    holdExpiresAtMs: NOW + 1,
    ...over,
  });
  it('tells claimed, lapsed (expired, released, past its claim time, left with the offer), open, waiting and left apart', () => {
    expect(entryOutcome(e({ holdStatus: 'confirmed' }), NOW)).toBe('claimed');
    expect(entryOutcome(e({ holdStatus: 'expired' }), NOW)).toBe('lapsed');
    expect(entryOutcome(e({ holdStatus: 'released' }), NOW)).toBe('lapsed');
    expect(entryOutcome(e({ holdExpiresAtMs: NOW }), NOW)).toBe('lapsed');
    expect(entryOutcome(e({ status: 'left', holdStatus: 'released' }), NOW)).toBe('lapsed');
    expect(entryOutcome(e({}), NOW)).toBe('offered');
    expect(entryOutcome(e({ status: 'waiting', holdStatus: null, holdExpiresAtMs: null }), NOW)).toBe('waiting');
    expect(entryOutcome(e({ status: 'left', holdStatus: null, holdExpiresAtMs: null }), NOW)).toBe('left');
  });

  it('leaves out of the calibration what says nothing about the model: left before an offer, no promise', () => {
    const out = queueOutcomes(
      [
        e({ promisedProbability: 0.8, holdStatus: 'confirmed', quantity: 2 }),
        e({ promisedProbability: 0.2, status: 'waiting', holdStatus: null }),
        e({ promisedProbability: 0.3, status: 'left', holdStatus: null }),
        e({ promisedProbability: null, holdStatus: 'confirmed' }),
      ],
      NOW,
    );
    expect(out).toMatchObject({
      entries: 4,
      units: 5,
      by_outcome: { claimed: 2, waiting: 1, left: 1, lapsed: 0, offered: 0 },
      promised_entries: 2,
      promised_mean: 0.5,
      realised_share: 0.5,
    });
  });
});

describe('the calibration table', () => {
  it('bins by promised decile (1 in the last), with the mean promised and the share realised', () => {
    const bins = calibrationByDecile([
      { promised: 0, realised: false },
      { promised: 0.05, realised: true },
      { promised: 0.1, realised: false },
      { promised: 0.95, realised: true },
      { promised: 1, realised: true },
    ]);
    expect(bins).toHaveLength(10);
    expect(bins[0]).toEqual({ from: 0, to: 0.1, entries: 2, promised_mean: 0.025, realised_share: 0.5 });
    expect(bins[1]).toMatchObject({ entries: 1, promised_mean: 0.1, realised_share: 0 });
    expect(bins[5]).toMatchObject({ entries: 0, promised_mean: null, realised_share: null });
    expect(bins[9]).toMatchObject({ entries: 2, promised_mean: 0.975, realised_share: 1 });
  });

  it('agrees within 5 points per decile when outcomes are drawn at the promised probability', () => {
    // A fixed-seed generator: a calibrated promise must show up as calibrated.
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const points = Array.from({ length: 20_000 }, () => {
      const promised = random();
      return { promised, realised: random() < promised };
    });
    for (const bin of calibrationByDecile(points)) {
      expect(bin.entries).toBeGreaterThan(1_000);
      expect(Math.abs(bin.realised_share! - bin.promised_mean!)).toBeLessThan(0.05);
    }
  });
});
