/**
 * The naive baseline every score is reported next to (DESIGN.md): demand = pre-orders × the
 * median final/pre-order ratio of past drops.
 *
 * - Ratios are taken per SKU × region cell of past drops at the same lead time (cells with at
 *   least one pre-order): r = y / p. The point forecast is p × median(r), and the quantiles are
 *   p × quantile_τ(r) — the interval comes from the spread of that ratio.
 * - The creator's own cells are used once the creator has `minCreatorDrops` closed drops
 *   (pre-order habits vary by creator), otherwise all creators' cells.
 * - Cold start (no pre-order yet in the cell): the empirical quantiles of the final demand of past
 *   cells that also had no pre-order at that lead time.
 * - Empty history: forecast = pre-orders so far (a floor, since pre-orders are part of demand).
 * Quantiles are rounded to integers; rounding is monotone, so they never cross and are ≥ 0.
 */
import { mean, quantileSorted } from 'simple-statistics';
import {
  LEAD_TIMES,
  QUANTILE_LEVELS,
  type ClosedDrop,
  type DemandDistribution,
  type DemandModel,
  type FeatureRow,
} from './forecast-types';

export interface BaselineOptions {
  /** creator drops needed before the creator's own ratios are used (default 3) */
  minCreatorDrops?: number;
  /** only drops closed at or before this time are used (default: all) */
  asOfMs?: number;
}

interface RatioTable {
  ratioQ: number[];
  ratioMean: number;
  coldQ: number[];
  coldMean: number;
  ratios: number;
  colds: number;
}

function table(ratios: number[], colds: number[]): RatioTable {
  const rs = [...ratios].sort((a, b) => a - b);
  const cs = [...colds].sort((a, b) => a - b);
  return {
    ratioQ: rs.length ? QUANTILE_LEVELS.map((t) => quantileSorted(rs, t)) : QUANTILE_LEVELS.map(() => 1),
    ratioMean: rs.length ? mean(rs) : 1,
    coldQ: cs.length ? QUANTILE_LEVELS.map((t) => quantileSorted(cs, t)) : QUANTILE_LEVELS.map(() => 0),
    coldMean: cs.length ? mean(cs) : 0,
    ratios: rs.length,
    colds: cs.length,
  };
}

/** Build the baseline from closed drops (only those closed by `asOfMs`). */
export function createBaselineModel(history: readonly ClosedDrop[], options: BaselineOptions = {}): DemandModel {
  const minCreatorDrops = options.minCreatorDrops ?? 3;
  const asOf = options.asOfMs ?? Number.POSITIVE_INFINITY;
  const visible = history.filter((d) => Date.parse(d.closesAt) <= asOf);
  const dropsByCreator = new Map<string, number>();
  for (const d of visible) dropsByCreator.set(d.creatorId, (dropsByCreator.get(d.creatorId) ?? 0) + 1);

  const cache = new Map<string, RatioTable>();
  const tableFor = (creatorId: string | null, li: number): RatioTable => {
    const key = `${creatorId ?? '*'}|${li}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const ratios: number[] = [];
    const colds: number[] = [];
    for (const d of visible) {
      if (creatorId !== null && d.creatorId !== creatorId) continue;
      for (const r of d.regions) {
        r.demand.forEach((y, k) => {
          const p = r.preorders[k]?.[li] ?? 0;
          if (p > 0) ratios.push(y / p);
          else colds.push(y);
        });
      }
    }
    const t = table(ratios, colds);
    cache.set(key, t);
    return t;
  };

  const leadIndex = (days: number): number => {
    const i = (LEAD_TIMES as readonly number[]).indexOf(days);
    return i >= 0 ? i : LEAD_TIMES.length - 1;
  };

  const predictOne = (row: FeatureRow): DemandDistribution => {
    const li = leadIndex(row.leadDays);
    const own = (dropsByCreator.get(row.creatorId) ?? 0) >= minCreatorDrops ? tableFor(row.creatorId, li) : null;
    const global = tableFor(null, li);
    const p = Math.max(0, row.preorders);
    if (p > 0) {
      const t = own && own.ratios > 0 ? own : global;
      return { mean: p * t.ratioMean, quantiles: t.ratioQ.map((r) => Math.max(0, Math.round(p * r))) };
    }
    const t = own && own.colds > 0 ? own : global;
    return { mean: t.coldMean, quantiles: t.coldQ.map((q) => Math.max(0, Math.round(q))) };
  };

  return {
    id: 'baseline-preorder-ratio',
    kind: 'baseline',
    predict: (rows) => rows.map(predictOne),
  };
}
