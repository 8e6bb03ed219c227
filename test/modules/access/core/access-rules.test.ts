import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accessConfigIssues,
  holdOpensAt,
  keyMayClaim,
  reserveState,
  type AccessConfigInput,
} from '../../../../src/modules/access/core/access-rules';

const opensAt = new Date('2026-12-03T17:00:00Z');
const drop = { opensAt, skuIds: new Set(['sku-a', 'sku-b']), regionIds: new Set(['US-CA', 'US-NY']) };
const window = (starts: string, ends: string) => ({ starts_at: starts, ends_at: ends });
const holders = { name: 'holders', window: window('2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z') };
const members = { name: 'members', window: window('2026-12-02T00:00:00Z', '2026-12-03T17:00:00Z') };
const paths = (input: AccessConfigInput) => accessConfigIssues(input, drop).map((i) => i.path);

describe('access configuration rules', () => {
  it('accepts ordered windows that touch, shares summing to 1, and limits on the drop’s SKUs', () => {
    expect(
      paths({
        tiers: [
          {
            ...holders,
            reserves: [
              { sku_id: 'sku-a', share: 0.5 },
              { sku_id: 'sku-a', region_id: 'US-CA', share: 0.25 },
            ],
          },
          { ...members, reserves: [{ sku_id: 'sku-a', share: 0.25 }] },
        ],
        account_limits: { per_drop: 3, per_sku: [{ sku_id: 'sku-b', quantity: 1 }] },
      }),
    ).toEqual([]);
  });

  it('names the later tier’s start when windows overlap or are out of order', () => {
    const overlapping = { ...members, window: window('2026-12-01T12:00:00Z', '2026-12-02T12:00:00Z') };
    expect(paths({ tiers: [holders, overlapping] })).toEqual(['tiers[1].window.starts_at']);
    expect(paths({ tiers: [members, holders] })).toEqual(['tiers[1].window.starts_at']);
  });

  it('refuses a window ending after the opening, or ending before it starts', () => {
    expect(
      paths({ tiers: [{ name: 'late', window: window('2026-12-03T00:00:00Z', '2026-12-04T00:00:00Z') }] }),
    ).toEqual(['tiers[0].window.ends_at']);
    expect(
      paths({ tiers: [{ name: 'back', window: window('2026-12-02T00:00:00Z', '2026-12-01T00:00:00Z') }] }),
    ).toEqual(['tiers[0].window.ends_at']);
  });

  it('names unknown SKUs and regions, a tier named twice, a scope reserved twice, shares above 1', () => {
    expect(
      paths({
        tiers: [
          {
            ...holders,
            reserves: [
              { sku_id: 'sku-x', share: 0.1 },
              { sku_id: 'sku-a', region_id: 'XX-00', share: 0.1 },
              { sku_id: 'sku-b', share: 0.7 },
              { sku_id: 'sku-b', share: 0.1 },
            ],
          },
          { ...members, name: 'holders', reserves: [{ sku_id: 'sku-b', share: 0.3 }] },
        ],
        account_limits: { per_sku: [{ sku_id: 'sku-x', quantity: 1 }] },
      }),
    ).toEqual([
      'tiers[0].reserves[0].sku_id',
      'tiers[0].reserves[1].region_id',
      'tiers[0].reserves[3]',
      'tiers[1].name',
      'tiers[0].reserves[2].share',
      'account_limits.per_sku[0].sku_id',
    ]);
  });

  it('any set of disjoint windows in time order is accepted, and swapping two neighbours is refused', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 48 }), { minLength: 2, maxLength: 6 }),
        fc.nat({ max: 4 }),
        (gapsHours, swapAt) => {
          let t = Date.parse('2026-11-20T00:00:00Z');
          const tiers = gapsHours.map((h, i) => {
            const starts = new Date(t).toISOString();
            t += h * 3_600_000;
            return { name: `t${i}`, window: window(starts, new Date(t).toISOString()) };
          });
          expect(accessConfigIssues({ tiers }, { ...drop, opensAt: new Date(t) })).toEqual([]);
          const i = Math.min(swapAt, tiers.length - 2);
          const swapped = [...tiers];
          [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
          expect(
            accessConfigIssues({ tiers: swapped }, { ...drop, opensAt: new Date(t) }).map((x) => x.path),
          ).toContain(`tiers[${i + 1}].window.starts_at`);
        },
      ),
    );
  });
});

describe('who may hold when', () => {
  const tiers = [holders, members].map((t) => ({
    name: t.name,
    window: { startsAt: new Date(t.window.starts_at), endsAt: new Date(t.window.ends_at) },
  }));

  it('a tier from its window’s start, the public from the opening, anyone on a drop without tiers', () => {
    expect(holdOpensAt(tiers, 'holders', opensAt)).toEqual(new Date('2026-12-01T00:00:00Z'));
    expect(holdOpensAt(tiers, 'members', opensAt)).toEqual(new Date('2026-12-02T00:00:00Z'));
    expect(holdOpensAt(tiers, null, opensAt)).toEqual(opensAt);
    expect(holdOpensAt([], null, opensAt)).toBeNull();
  });

  it('a reserve is upcoming before its window, open inside it (start included), ended from its end', () => {
    const w = tiers[0]!.window;
    expect(reserveState(w, new Date(w.startsAt.getTime() - 1))).toBe('upcoming');
    expect(reserveState(w, w.startsAt)).toBe('open');
    expect(reserveState(w, new Date(w.endsAt.getTime() - 1))).toBe('open');
    expect(reserveState(w, w.endsAt)).toBe('ended');
  });

  it('a key without tiers may claim any tier; a key with tiers only those', () => {
    expect(keyMayClaim(null, 'holders')).toBe(true);
    expect(keyMayClaim(['members'], 'members')).toBe(true);
    expect(keyMayClaim(['members'], 'holders')).toBe(false);
    expect(keyMayClaim([], 'holders')).toBe(false);
  });
});
