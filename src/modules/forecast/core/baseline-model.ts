/**
 * The naive baseline every score is reported next to (docs/forecasting.md): demand = pre-orders × the
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
 * - Lead times: ratio tables exist at 7, 3 and 1 days before opening; a forecast between two of
 *   them (a real forecast's lead is never exactly 3.000 days) interpolates both tables linearly in
 *   days; before 7 days it uses the 7-day table, after 1 day the 1-day table.
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

  /** The two lead tables around `days` and the weight of the first (1 at or beyond the ends). */
  const bracket = (days: number): { lo: number; hi: number; w: number } => {
    const leads = LEAD_TIMES as readonly number[];
    if (!(days < (leads[0] as number))) return { lo: 0, hi: 0, w: 1 };
    for (let i = 0; i + 1 < leads.length; i++) {
      const a = leads[i] as number;
      const b = leads[i + 1] as number;
      if (days >= b) return { lo: i, hi: i + 1, w: (days - b) / (a - b) };
    }
    const last = leads.length - 1;
    return { lo: last, hi: last, w: 1 };
  };
  const mix = (w: number, a: number, b: number): number => w * a + (1 - w) * b;
  /** The creator's own tables when they have drops enough and data at both leads, else the global ones. */
  const tablesFor = (creatorId: string, lo: number, hi: number, has: (t: RatioTable) => boolean) => {
    if ((dropsByCreator.get(creatorId) ?? 0) >= minCreatorDrops) {
      const own = [tableFor(creatorId, lo), tableFor(creatorId, hi)] as const;
      if (has(own[0]) && has(own[1])) return own;
    }
    return [tableFor(null, lo), tableFor(null, hi)] as const;
  };

  const predictOne = (row: FeatureRow): DemandDistribution => {
    const { lo, hi, w } = bracket(row.leadDays);
    const p = Math.max(0, row.preorders);
    if (p > 0) {
      const [a, b] = tablesFor(row.creatorId, lo, hi, (t) => t.ratios > 0);
      return {
        mean: p * mix(w, a.ratioMean, b.ratioMean),
        quantiles: a.ratioQ.map((r, t) => Math.max(0, Math.round(p * mix(w, r, b.ratioQ[t] as number)))),
      };
    }
    const [a, b] = tablesFor(row.creatorId, lo, hi, (t) => t.colds > 0);
    return {
      mean: mix(w, a.coldMean, b.coldMean),
      quantiles: a.coldQ.map((q, t) => Math.max(0, Math.round(mix(w, q, b.coldQ[t] as number)))),
    };
  };

  return {
    id: 'baseline-preorder-ratio',
    kind: 'baseline',
    predict: (rows) => rows.map(predictOne),
  };
}
