import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  abuseScore,
  isAboveThreshold,
  scoringSignals,
  SIGNAL_NAMES,
  type SignalCounts,
} from '../../../../src/modules/access/core/abuse-score';

const quiet: SignalCounts = {
  quick_cycles: 0,
  many_regions: 1,
  shared_device: 1,
  shared_address: 1,
  inhuman_velocity: 1,
};

describe('the hoarding score', () => {
  it('gives an ordinary buyer nothing: each signal within its allowance', () => {
    const ordinary = { quick_cycles: 1, many_regions: 2, shared_device: 2, shared_address: 3, inhuman_velocity: 3 };
    expect(abuseScore(ordinary).score).toBe(0);
    expect(scoringSignals(abuseScore(ordinary))).toEqual([]);
    expect(abuseScore(quiet).score).toBe(0);
  });

  it('weighs each unit beyond an allowance by the documented weight', () => {
    // 3 quick cycles (2 beyond 1, ×1) + 4 regions (2 beyond 2, ×1.5) + 5 accounts on a device
    // (3 beyond 2, ×2) + 4 at an address (1 beyond 3, ×1) + 6 holds in 5 s (3 beyond 3, ×2).
    const scored = abuseScore({
      quick_cycles: 3,
      many_regions: 4,
      shared_device: 5,
      shared_address: 4,
      inhuman_velocity: 6,
    });
    expect(scored.signals.map((s) => [s.name, s.points])).toEqual([
      ['quick_cycles', 2],
      ['many_regions', 3],
      ['shared_device', 6],
      ['shared_address', 1],
      ['inhuman_velocity', 6],
    ]);
    expect(scored.score).toBe(18);
    // The reason names the strongest first; ties keep the table's order.
    expect(scoringSignals(scored)).toEqual([
      'shared_device',
      'inhuman_velocity',
      'many_regions',
      'quick_cycles',
      'shared_address',
    ]);
  });

  it('is above a threshold only strictly, and never without one', () => {
    expect(isAboveThreshold(4, 4)).toBe(false);
    expect(isAboveThreshold(4.5, 4)).toBe(true);
    expect(isAboveThreshold(1e9, null)).toBe(false);
  });

  it('never falls when any signal grows (one more hold can only add to a score)', () => {
    const counts = fc.record(
      Object.fromEntries(SIGNAL_NAMES.map((n) => [n, fc.nat({ max: 50 })])) as Record<
        keyof SignalCounts,
        fc.Arbitrary<number>
      >,
    );
    fc.assert(
      fc.property(counts, fc.constantFrom(...SIGNAL_NAMES), fc.integer({ min: 1, max: 5 }), (c, name, more) => {
        const before = abuseScore(c).score;
        const after = abuseScore({ ...c, [name]: c[name] + more }).score;
        expect(after).toBeGreaterThanOrEqual(before);
        expect(before).toBe(abuseScore(c).signals.reduce((sum, s) => sum + s.points, 0));
      }),
    );
  });
});
