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
