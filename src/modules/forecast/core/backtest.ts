/**
 * Time-ordered backtest (rolling origin with refits) on the data a model is trained from.
 *
 * The latest `testShare` of the target drops (by opening) is split into `folds` consecutive blocks.
 * For each block, the NB-MLP is trained only on target drops that closed before the earliest
 * forecast time in the block (first opening − 7 days) — plus the simulated prior when it is mixed
 * in, at its weight — then predicts the block's drops it never saw. The baseline is rebuilt for
 * every drop × lead from the population's drops closed by that forecast time. History features
 * always use only drops closed by the row's own forecast time. The oracle (the true predictive
 * distribution) is scored only when every test drop is simulated and so knows it.
 *
 * The incumbent (the model serving when a new one is trained) is scored frozen, with its own
 * history population, on the test drops that opened after its training data ended (never on drops
 * it learned from); the new model is compared with it on exactly those rows.
 */
import { createBaselineModel } from './baseline-model';
import { buildLabelledRows, emptyLabelledRows, type LabelledRows } from './dataset';
import { forecastTimeMs, HistoryIndex } from './features';
import {
  LEAD_TIMES,
  type ClosedDrop,
  type DemandDistribution,
  type DemandModel,
  type FeatureRow,
} from './forecast-types';
import { scoreForecasts, type ForecastScores } from './metrics';
import {
  trainNbMlp,
  type BacktestRecord,
  type NbMlpConfig,
  type RecordedScores,
  type TrainProgress,
} from './nb-mlp-model';
import { shiftedNbDistribution } from './negative-binomial';
import { byOpening } from './population';

export type BacktestModelName = 'baseline' | 'nb-mlp' | 'oracle';

export interface BacktestData {
  /** the drops to predict and learn from (the user's drops, or a simulated history) */
  targets: readonly ClosedDrop[];
  /** every drop of the history population (targets, other history, the placed prior) */
  population: readonly ClosedDrop[];
  /** prior drops learned from in every fold at `priorWeight` (already in `population`) */
  prior?: readonly ClosedDrop[];
  priorWeight?: number;
}

export interface Incumbent {
  id: string;
  model: DemandModel;
  population: readonly ClosedDrop[];
  /** the last close of its training data: only test drops opening after it are fair to score */
  trainedUntil: string | null;
}

export interface BacktestProgress {
  phase: 'features' | 'train' | 'predict';
  fold: number;
  folds: number;
  train?: TrainProgress;
}

export interface BacktestOptions {
  testShare: number;
  folds: number;
  leads: readonly number[];
  nbConfig: Partial<NbMlpConfig>;
  incumbent?: Incumbent | null;
  onProgress?: (event: BacktestProgress) => void;
  /** ISO instant stamped on each fold's model (no clock is read here) */
  createdAt?: string;
  stopwatch?: () => number;
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

export interface IncumbentComparison {
  modelId: string;
  testDrops: number;
  incumbent: ForecastScores | null;
  candidate: ForecastScores | null;
  beatsIncumbent: boolean;
}

export interface BacktestResult {
  /** models scored: baseline and nb-mlp always, oracle for simulated histories */
  models: BacktestModelName[];
  byLead: Record<string, Partial<Record<BacktestModelName, ForecastScores>>>;
  pooled: Partial<Record<BacktestModelName, ForecastScores>>;
  beatsBaseline: boolean;
  folds: BacktestFold[];
  testDrops: number;
  incumbent: IncumbentComparison | null;
}

function sliceRows(all: LabelledRows, keep: (dropIndex: number) => boolean): LabelledRows {
  const out = emptyLabelledRows();
  all.rows.forEach((row, i) => {
    const di = all.dropIndex[i] as number;
    if (!keep(di)) return;
    out.rows.push(row);
    out.demand.push(all.demand[i] as number);
    out.oracle.push(all.oracle[i] ?? null);
    out.dropIndex.push(di);
  });
  return out;
}

/** Baseline forecasts for rows, rebuilt per (drop, lead) from the drops closed by that forecast time. */
function baselineForecasts(
  rows: readonly FeatureRow[],
  dropOf: (i: number) => ClosedDrop,
  population: readonly ClosedDrop[],
): DemandDistribution[] {
  const groups = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const key = `${dropOf(i).id}|${row.leadDays}`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  const out = new Array<DemandDistribution>(rows.length);
  for (const idxs of groups.values()) {
    const first = rows[idxs[0] as number] as FeatureRow;
    const drop = dropOf(idxs[0] as number);
    const asOfMs = forecastTimeMs({ opensAt: drop.opensAt, daysToOpen: first.leadDays });
    const predicted = createBaselineModel(population, { asOfMs }).predict(idxs.map((i) => rows[i] as FeatureRow));
    idxs.forEach((i, j) => (out[i] = predicted[j] as DemandDistribution));
  }
  return out;
}

export async function runBacktest(data: BacktestData, partial: Partial<BacktestOptions> = {}): Promise<BacktestResult> {
  const opts: BacktestOptions = { ...DEFAULT_BACKTEST_OPTIONS, ...partial };
  const createdAt = opts.createdAt ?? new Date(0).toISOString();
  const drops: ClosedDrop[] = [...data.targets].sort(byOpening);
  const n = drops.length;
  const testStart = Math.floor(n * (1 - opts.testShare));
  if (testStart < 1 || testStart >= n) throw new RangeError(`${n} drops are too few for a backtest`);
  const index = new HistoryIndex(data.population);
  opts.onProgress?.({ phase: 'features', fold: 0, folds: opts.folds });
  const all = buildLabelledRows(drops, index, opts.leads);
  const prior = [...(data.prior ?? [])].sort(byOpening);
  const priorRows = prior.length ? buildLabelledRows(prior, index, opts.leads) : emptyLabelledRows();
  const priorWeight = data.priorWeight ?? 1;
  const maxLead = Math.max(...opts.leads);

  const testRows = emptyLabelledRows();
  const preds: { baseline: DemandDistribution[]; nb: DemandDistribution[] } = { baseline: [], nb: [] };
  const folds: BacktestFold[] = [];
  const blockSize = Math.ceil((n - testStart) / opts.folds);
  for (let f = 0; f < opts.folds; f++) {
    const lo = testStart + f * blockSize;
    const hi = Math.min(n, lo + blockSize);
    if (lo >= hi) break;
    const originMs = Date.parse((drops[lo] as ClosedDrop).opensAt) - maxLead * 86_400_000;
    const own = sliceRows(all, (di) => Date.parse((drops[di] as ClosedDrop).closesAt) <= originMs);
    const trainDrops = new Set(own.dropIndex).size;
    const rows = [...priorRows.rows, ...own.rows];
    if (rows.length === 0) continue; // nothing closed before this block: it cannot be predicted fairly
    opts.onProgress?.({ phase: 'train', fold: f + 1, folds: opts.folds });
    const model = await trainNbMlp(
      {
        rows,
        demand: [...priorRows.demand, ...own.demand],
        ...(priorRows.rows.length > 0 && {
          weights: [...priorRows.rows.map(() => priorWeight), ...own.rows.map(() => 1)],
        }),
      },
      opts.nbConfig,
      {
        id: `nb-mlp-fold${f + 1}`,
        createdAt,
        ...(opts.stopwatch && { stopwatch: opts.stopwatch }),
        onProgress: (p) => opts.onProgress?.({ phase: 'train', fold: f + 1, folds: opts.folds, train: p }),
      },
    );
    opts.onProgress?.({ phase: 'predict', fold: f + 1, folds: opts.folds });
    const test = sliceRows(all, (di) => di >= lo && di < hi);
    preds.nb.push(...model.predict(test.rows));
    model.dispose();
    preds.baseline.push(...baselineForecasts(test.rows, (i) => drops[test.dropIndex[i] as number]!, data.population));
    test.rows.forEach((row, i) => {
      testRows.rows.push(row);
      testRows.demand.push(test.demand[i] as number);
      testRows.oracle.push(test.oracle[i] ?? null);
      testRows.dropIndex.push(test.dropIndex[i] as number);
    });
    folds.push({
      fold: f + 1,
      trainDrops,
      testDrops: hi - lo,
      trainRows: rows.length,
      trainSeconds: model.metadata.training.seconds,
      bestEpoch: model.metadata.training.bestEpoch,
      firstTestOpen: (drops[lo] as ClosedDrop).opensAt,
    });
  }
  if (testRows.rows.length === 0) throw new RangeError('no test block had earlier drops to learn from');

  const withOracle = testRows.oracle.every((o) => o !== null);
  const models: BacktestModelName[] = withOracle ? ['baseline', 'nb-mlp', 'oracle'] : ['baseline', 'nb-mlp'];
  const predsOf: Record<BacktestModelName, DemandDistribution[]> = {
    baseline: preds.baseline,
    'nb-mlp': preds.nb,
    oracle: withOracle
      ? testRows.rows.map((row, i) => {
          const [mu, alpha] = testRows.oracle[i] as [number, number];
          return shiftedNbDistribution(row.preorders, mu, alpha);
        })
      : [],
  };
  const scoreWhere = (keep: (i: number) => boolean, model: BacktestModelName): ForecastScores => {
    const idx = testRows.rows.map((_, i) => i).filter(keep);
    return scoreForecasts(
      idx.map((i) => testRows.demand[i] as number),
      idx.map((i) => predsOf[model][i] as DemandDistribution),
    );
  };
  const byLead: BacktestResult['byLead'] = {};
  for (const L of opts.leads) {
    byLead[L] = Object.fromEntries(models.map((m) => [m, scoreWhere((i) => testRows.rows[i]!.leadDays === L, m)]));
  }
  const pooled = Object.fromEntries(models.map((m) => [m, scoreWhere(() => true, m)])) as BacktestResult['pooled'];
  const nbPinball = pooled['nb-mlp']!.scaledPinball;
  return {
    models,
    byLead,
    pooled,
    beatsBaseline: nbPinball < pooled.baseline!.scaledPinball,
    folds,
    testDrops: new Set(testRows.dropIndex).size,
    incumbent: opts.incumbent ? compareIncumbent(opts.incumbent, drops, testRows, predsOf['nb-mlp'], opts.leads) : null,
  };
}

function compareIncumbent(
  incumbent: Incumbent,
  drops: readonly ClosedDrop[],
  testRows: LabelledRows,
  candidate: readonly DemandDistribution[],
  leads: readonly number[],
): IncumbentComparison {
  const until = incumbent.trainedUntil ? Date.parse(incumbent.trainedUntil) : Number.NEGATIVE_INFINITY;
  const fresh = [...new Set(testRows.dropIndex)].filter((di) => Date.parse(drops[di]!.opensAt) > until);
  if (fresh.length === 0) {
    return { modelId: incumbent.id, testDrops: 0, incumbent: null, candidate: null, beatsIncumbent: true };
  }
  const freshSet = new Set(fresh);
  // The incumbent's own features: its population, as of each row's forecast time.
  const own = buildLabelledRows(
    fresh.map((di) => drops[di]!),
    new HistoryIndex(incumbent.population),
    leads,
  );
  const incumbentPred =
    incumbent.model.kind === 'baseline'
      ? baselineForecasts(own.rows, (i) => drops[fresh[own.dropIndex[i] as number] as number]!, incumbent.population)
      : incumbent.model.predict(own.rows);
  const keep = testRows.rows.map((_, i) => i).filter((i) => freshSet.has(testRows.dropIndex[i] as number));
  const candidateScores = scoreForecasts(
    keep.map((i) => testRows.demand[i] as number),
    keep.map((i) => candidate[i] as DemandDistribution),
  );
  const incumbentScores = scoreForecasts(own.demand, incumbentPred);
  return {
    modelId: incumbent.id,
    testDrops: fresh.length,
    incumbent: incumbentScores,
    candidate: candidateScores,
    beatsIncumbent: candidateScores.scaledPinball <= incumbentScores.scaledPinball,
  };
}

const pick = (s: ForecastScores): RecordedScores => ({
  wape: Number(s.wape.toFixed(4)),
  scaledPinball: Number(s.scaledPinball.toFixed(4)),
  coverage80: Number(s.coverage80.toFixed(4)),
  rows: s.rows,
});

/** The compact form stored in model metadata. */
export function toBacktestRecord(result: BacktestResult, evaluatedAt: string): BacktestRecord {
  const byLead: BacktestRecord['byLead'] = {};
  for (const [L, scores] of Object.entries(result.byLead)) {
    byLead[L] = Object.fromEntries(Object.entries(scores).map(([m, s]) => [m, pick(s)]));
  }
  const inc = result.incumbent;
  return {
    byLead,
    pooled: Object.fromEntries(Object.entries(result.pooled).map(([m, s]) => [m, pick(s)])),
    beatsBaseline: result.beatsBaseline,
    evaluatedAt,
    testDrops: result.testDrops,
    ...(inc && {
      incumbent: {
        modelId: inc.modelId,
        testDrops: inc.testDrops,
        incumbent: inc.incumbent ? pick(inc.incumbent) : null,
        candidate: inc.candidate ? pick(inc.candidate) : null,
        beatsIncumbent: inc.beatsIncumbent,
      },
    }),
  };
}
