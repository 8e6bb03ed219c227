/**
 * Time-ordered backtest on a simulated history (rolling origin with refits).
 *
 * The latest `testShare` of drops (by opening) is split into `folds` consecutive blocks. For each
 * block, the NB-MLP is trained only on drops that closed before the earliest forecast time in the
 * block (first opening − 7 days), then predicts the block's drops it never saw. The baseline is
 * rebuilt for every drop × lead from the drops closed by that forecast time. History features
 * (creator shares, ratios) always use only drops closed by the row's own forecast time. The oracle
 * is the true predictive distribution the simulator knows.
 */
import { createBaselineModel } from './baseline-model';
import { buildLabelledRows, emptyLabelledRows, type LabelledRows } from './dataset';
import { forecastTimeMs, HistoryIndex } from './features';
import { LEAD_TIMES, type DemandDistribution, type FeatureRow } from './forecast-types';
import { scoreForecasts, type ForecastScores } from './metrics';
import { trainNbMlp, type BacktestRecord, type NbMlpConfig, type TrainProgress } from './nb-mlp-model';
import { shiftedNbDistribution } from './negative-binomial';
import type { SimulatedDrop, SimulatedHistory } from './simulate-history';

export const BACKTEST_MODELS = ['baseline', 'nb-mlp', 'oracle'] as const;
export type BacktestModelName = (typeof BACKTEST_MODELS)[number];

export interface BacktestOptions {
  testShare: number;
  folds: number;
  leads: readonly number[];
  nbConfig: Partial<NbMlpConfig>;
  onProgress?: (event: {
    phase: 'features' | 'train' | 'predict';
    fold: number;
    folds: number;
    train?: TrainProgress;
  }) => void;
}

export const DEFAULT_BACKTEST_OPTIONS: BacktestOptions = {
  testShare: 0.4,
  folds: 3,
  leads: LEAD_TIMES,
  nbConfig: {},
};

export interface BacktestFold {
  fold: number;
  trainDrops: number;
  testDrops: number;
  trainRows: number;
  trainSeconds: number;
  bestEpoch: number;
  firstTestOpen: string;
}

export interface BacktestResult {
  byLead: Record<string, Record<BacktestModelName, ForecastScores>>;
  pooled: Record<BacktestModelName, ForecastScores>;
  beatsBaseline: boolean;
  folds: BacktestFold[];
  testDrops: number;
}

function sliceRows(all: LabelledRows, keep: (dropIndex: number) => boolean): LabelledRows {
  const out = emptyLabelledRows();
  all.rows.forEach((row, i) => {
    const di = all.dropIndex[i] as number;
    if (!keep(di)) return;
    out.rows.push(row);
    out.demand.push(all.demand[i] as number);
    out.oracle.push(all.oracle[i] as [number, number]);
    out.dropIndex.push(di);
  });
  return out;
}

export async function runBacktest(
  history: SimulatedHistory,
  partial: Partial<BacktestOptions> = {},
): Promise<BacktestResult> {
  const opts: BacktestOptions = { ...DEFAULT_BACKTEST_OPTIONS, ...partial };
  const drops: SimulatedDrop[] = [...history.drops].sort((a, b) => Date.parse(a.opensAt) - Date.parse(b.opensAt));
  const n = drops.length;
  const testStart = Math.floor(n * (1 - opts.testShare));
  if (testStart < 1 || testStart >= n) throw new RangeError('history too short for a backtest');
  const index = new HistoryIndex(drops);
  opts.onProgress?.({ phase: 'features', fold: 0, folds: opts.folds });
  const all = buildLabelledRows(drops, index, opts.leads);
  const maxLead = Math.max(...opts.leads);

  const actual: Record<string, number[]> = {};
  const preds: Record<string, Record<BacktestModelName, DemandDistribution[]>> = {};
  for (const L of opts.leads) {
    actual[L] = [];
    preds[L] = { baseline: [], 'nb-mlp': [], oracle: [] };
  }
  const folds: BacktestFold[] = [];
  const blockSize = Math.ceil((n - testStart) / opts.folds);
  for (let f = 0; f < opts.folds; f++) {
    const lo = testStart + f * blockSize;
    const hi = Math.min(n, lo + blockSize);
    if (lo >= hi) break;
    const originMs = Date.parse((drops[lo] as SimulatedDrop).opensAt) - maxLead * 86_400_000;
    const trainSet = sliceRows(all, (di) => Date.parse((drops[di] as SimulatedDrop).closesAt) <= originMs);
    const trainDrops = new Set(trainSet.dropIndex).size;
    opts.onProgress?.({ phase: 'train', fold: f + 1, folds: opts.folds });
    const model = await trainNbMlp(
      { rows: trainSet.rows, demand: trainSet.demand },
      opts.nbConfig,
      (p) => opts.onProgress?.({ phase: 'train', fold: f + 1, folds: opts.folds, train: p }),
      `nb-mlp-fold${f + 1}`,
    );
    opts.onProgress?.({ phase: 'predict', fold: f + 1, folds: opts.folds });
    const test = sliceRows(all, (di) => di >= lo && di < hi);
    const nbPred = model.predict(test.rows);
    model.dispose();
    // group test rows by (drop, lead) for the baseline, which is rebuilt per forecast time
    const groups = new Map<string, number[]>();
    test.rows.forEach((row, i) => {
      const key = `${test.dropIndex[i]}|${row.leadDays}`;
      const g = groups.get(key);
      if (g) g.push(i);
      else groups.set(key, [i]);
    });
    const basePred: DemandDistribution[] = new Array<DemandDistribution>(test.rows.length);
    for (const idxs of groups.values()) {
      const first = test.rows[idxs[0] as number] as FeatureRow;
      const drop = drops[test.dropIndex[idxs[0] as number] as number] as SimulatedDrop;
      const asOfMs = forecastTimeMs({ opensAt: drop.opensAt, daysToOpen: first.leadDays });
      const baseline = createBaselineModel(drops, { asOfMs });
      const out = baseline.predict(idxs.map((i) => test.rows[i] as FeatureRow));
      idxs.forEach((i, j) => (basePred[i] = out[j] as DemandDistribution));
    }
    test.rows.forEach((row, i) => {
      const L = row.leadDays;
      const [mu, alpha] = test.oracle[i] as [number, number];
      actual[L]?.push(test.demand[i] as number);
      preds[L]?.baseline.push(basePred[i] as DemandDistribution);
      preds[L]?.['nb-mlp'].push(nbPred[i] as DemandDistribution);
      preds[L]?.oracle.push(shiftedNbDistribution(row.preorders, mu, alpha));
    });
    folds.push({
      fold: f + 1,
      trainDrops,
      testDrops: hi - lo,
      trainRows: trainSet.rows.length,
      trainSeconds: model.metadata.training.seconds,
      bestEpoch: model.metadata.training.bestEpoch,
      firstTestOpen: (drops[lo] as SimulatedDrop).opensAt,
    });
  }

  const byLead: Record<string, Record<BacktestModelName, ForecastScores>> = {};
  const pooledActual: number[] = [];
  const pooledPred: Record<BacktestModelName, DemandDistribution[]> = { baseline: [], 'nb-mlp': [], oracle: [] };
  for (const L of opts.leads) {
    const y = actual[L] as number[];
    const p = preds[L] as Record<BacktestModelName, DemandDistribution[]>;
    byLead[L] = {
      baseline: scoreForecasts(y, p.baseline),
      'nb-mlp': scoreForecasts(y, p['nb-mlp']),
      oracle: scoreForecasts(y, p.oracle),
    };
    pooledActual.push(...y);
    for (const m of BACKTEST_MODELS) pooledPred[m].push(...p[m]);
  }
  const pooled = {
    baseline: scoreForecasts(pooledActual, pooledPred.baseline),
    'nb-mlp': scoreForecasts(pooledActual, pooledPred['nb-mlp']),
    oracle: scoreForecasts(pooledActual, pooledPred.oracle),
  };
  return {
    byLead,
    pooled,
    beatsBaseline: pooled['nb-mlp'].scaledPinball < pooled.baseline.scaledPinball,
    folds,
    testDrops: n - testStart,
  };
}

/** The compact form stored in model metadata. */
export function toBacktestRecord(result: BacktestResult, evaluatedAt: string): BacktestRecord {
  const pick = (s: ForecastScores): { wape: number; scaledPinball: number; coverage80: number; rows: number } => ({
    wape: Number(s.wape.toFixed(4)),
    scaledPinball: Number(s.scaledPinball.toFixed(4)),
    coverage80: Number(s.coverage80.toFixed(4)),
    rows: s.rows,
  });
  const byLead: BacktestRecord['byLead'] = {};
  for (const [L, scores] of Object.entries(result.byLead)) {
    byLead[L] = Object.fromEntries(Object.entries(scores).map(([m, s]) => [m, pick(s)]));
  }
  return {
    byLead,
    pooled: Object.fromEntries(Object.entries(result.pooled).map(([m, s]) => [m, pick(s)])),
    beatsBaseline: result.beatsBaseline,
    evaluatedAt,
    testDrops: result.testDrops,
  };
}
