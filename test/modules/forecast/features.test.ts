import { describe, expect, it } from 'vitest';
import { buildLabelledRows } from '../../../src/modules/forecast/core/dataset';
import {
  buildFeatureRows,
  FEATURE_COUNT,
  FEATURE_DOCS,
  fitStandardiser,
  forecastTimeMs,
  historySnapshot,
  HistoryIndex,
  standardise,
} from '../../../src/modules/forecast/core/features';
import { simulateHistory } from '../../../src/modules/forecast/core/simulate-history';

const history = simulateHistory({ drops: 20, regions: 6, creators: 3, newCreators: 1, spanDays: 150, seed: 4 });

describe('features', () => {
  it('documents every feature and builds one row per SKU × region', () => {
    expect(new Set(FEATURE_DOCS.map(([n]) => n)).size).toBe(FEATURE_COUNT);
    const d = history.drops[5];
    if (!d) throw new Error('no drop');
    const snap = historySnapshot(d, 1);
    const rows = buildFeatureRows(snap, new HistoryIndex(history.drops).statsAsOf(d.creatorId, forecastTimeMs(snap)));
    expect(rows).toHaveLength(d.regions.length * d.skus.length);
    for (const r of rows) {
      expect(r.values).toHaveLength(FEATURE_COUNT);
      r.values.forEach((v) => expect(Number.isFinite(v)).toBe(true));
    }
  });

  it('uses only drops closed before the forecast time', () => {
    const index = new HistoryIndex(history.drops);
    const first = history.drops[0];
    if (!first) throw new Error('no drop');
    const stats = index.statsAsOf(first.creatorId, forecastTimeMs(historySnapshot(first, 0)));
    expect(stats.creatorDrops).toBe(0);
    expect(stats.globalTotal).toBe(0);
    const later = index.statsAsOf(first.creatorId, Date.parse('2100-01-01T00:00:00Z'));
    expect(later.globalTotal).toBeGreaterThan(0);
  });

  it('handles an empty drop and an empty history', () => {
    const d = history.drops[0];
    if (!d) throw new Error('no drop');
    const stats = new HistoryIndex([]).statsAsOf('cr-x', 0);
    expect(buildFeatureRows({ ...historySnapshot(d, 0), regions: [] }, stats)).toEqual([]);
    expect(buildFeatureRows(historySnapshot(d, 0), stats).length).toBeGreaterThan(0);
  });

  it('standardises with stored statistics', () => {
    const data = buildLabelledRows(history.drops, new HistoryIndex(history.drops));
    const st = fitStandardiser(data.rows);
    const x = standardise(data.rows, st);
    expect(x.length).toBe(data.rows.length * FEATURE_COUNT);
    let mean0 = 0;
    for (let i = 0; i < data.rows.length; i++) mean0 += x[i * FEATURE_COUNT] as number;
    expect(Math.abs(mean0 / data.rows.length)).toBeLessThan(1e-3);
  });
});

describe('timing and regional-drift features (no social signal needed)', () => {
  const long = simulateHistory({
    drops: 120,
    regions: 8,
    creators: 4,
    newCreators: 1,
    spanDays: 360,
    seed: 11,
    social: false,
  });
  const index = new HistoryIndex(long.drops);
  const last = long.drops.at(-1)!;
  const value = (rows: { values: number[] }[], name: string) =>
    rows[0]!.values[FEATURE_DOCS.findIndex(([n]) => n === name)] as number;

  it('learn from past drops that pre-orders coming late mean a larger final/pre-order ratio', () => {
    const stats = index.statsAsOf(last.creatorId, forecastTimeMs(historySnapshot(last, 0)), last.id);
    // the simulator's later pre-order curves (larger timing exponent) have a larger 24 h share and ratio
    expect(stats.timingFitByLead[0]!.slope).toBeGreaterThan(0);
    const snap = historySnapshot(last, 0);
    const late = { ...snap, regions: snap.regions.map((r) => ({ ...r, velocity: r.preorders.map((p) => p * 0.5) })) };
    const early = { ...snap, regions: snap.regions.map((r) => ({ ...r, velocity: r.preorders.map(() => 0) })) };
    expect(value(buildFeatureRows(late, stats), 'log_timing_ratio')).toBeGreaterThan(
      value(buildFeatureRows(early, stats), 'log_timing_ratio'),
    );
  });

  it("read a region's pre-orders above the creator's usual share as upward drift", () => {
    const snap = historySnapshot(last, 1);
    const stats = index.statsAsOf(last.creatorId, forecastTimeMs(snap), last.id);
    const boosted = {
      ...snap,
      regions: snap.regions.map((r, i) => (i === 0 ? { ...r, preorders: r.preorders.map((p) => p * 3 + 5) } : r)),
    };
    const plain = buildFeatureRows(snap, stats);
    const more = buildFeatureRows(boosted, stats);
    expect(value(more, 'log_region_share_update')).toBeGreaterThan(value(plain, 'log_region_share_update'));
    expect(value(more, 'log_posterior_remaining')).toBeGreaterThan(value(plain, 'log_posterior_remaining'));
  });
});
