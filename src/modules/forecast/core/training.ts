/**
 * One training run, the same for `npm run train`, `POST /v1/models/train` and the nightly retrain:
 * fit the NB-MLP on the target drops (the simulated prior mixed in at a stated weight, if asked),
 * then score the recipe in a time-ordered backtest on those same drops (later drops held out) at
 * 7, 3 and 1 days, against the baseline and the incumbent model. Pure computation: the caller
 * loads the drops and saves the model.
 */
import { runBacktest, toBacktestRecord, type BacktestResult, type Incumbent } from './backtest';
import { buildLabelledRows, emptyLabelledRows } from './dataset';
import { HistoryIndex } from './features';
import type { ClosedDrop } from './forecast-types';
import {
  trainNbMlp,
  type BacktestRecord,
  type NbMlpConfig,
  type NbMlpModel,
  type TrainingDataSummary,
} from './nb-mlp-model';
import { byOpening, placePriorBefore } from './population';

/** Fewer drops than this cannot be trained on and backtested honestly. */
export const MIN_TRAINING_DROPS = 20;

export class TooFewDropsError extends Error {
  override readonly name = 'TooFewDropsError';
  constructor(readonly count: number) {
    super(
      `training needs at least ${MIN_TRAINING_DROPS} drops with realised demand; the selected history has ${count}`,
    );
  }
}

export interface TrainingSet {
  /** the drops to learn from and to backtest on (the selection: filters applied) */
  targets: readonly ClosedDrop[];
  /** other drops of the history population (outside the filters): history features only */
  context: readonly ClosedDrop[];
  /** the simulated prior (ids prefixed), learned from at `priorWeight`; empty when not mixed in */
  prior: readonly ClosedDrop[];
  priorWeight: number;
  /** what the data is, for the model's metadata (counts are filled in here) */
  describe: Pick<TrainingDataSummary, 'source' | 'file' | 'filters' | 'population'>;
}

export interface TrainingRunOptions {
  modelId: string;
  createdAt: string;
  config?: Partial<NbMlpConfig>;
  folds?: number;
  testShare?: number;
  incumbent?: Incumbent | null;
  /** overall progress 0..1 with a short message */
  onProgress?: (fraction: number, message: string) => void;
  stopwatch?: () => number;
}

export interface TrainingRunResult {
  model: NbMlpModel;
  backtest: BacktestRecord;
  result: BacktestResult;
}

/** The population the set's features are computed from, and the prior as placed in it. */
export function populationOf(set: Pick<TrainingSet, 'targets' | 'context' | 'prior'>): {
  population: ClosedDrop[];
  prior: ClosedDrop[];
} {
  const own = [...set.targets, ...set.context];
  const firstOpen = own.length ? Math.min(...own.map((d) => Date.parse(d.opensAt))) : null;
  const prior = placePriorBefore(set.prior, firstOpen);
  return { population: [...prior, ...own].sort(byOpening), prior };
}

const hasKind = (d: ClosedDrop, kind: 'social' | 'tokenHolders') => d.observed[kind].some(Boolean);

export async function trainWithBacktest(set: TrainingSet, options: TrainingRunOptions): Promise<TrainingRunResult> {
  const targets = [...set.targets].sort(byOpening);
  if (targets.length < MIN_TRAINING_DROPS) throw new TooFewDropsError(targets.length);
  const { population, prior } = populationOf(set);
  const weight = prior.length ? set.priorWeight : 0;
  const folds = options.folds ?? 3;
  const fits = folds + 1;
  let fitsDone = 0;
  const report = (within: number, message: string) =>
    options.onProgress?.(Math.min(1, (fitsDone + within) / fits), message);

  report(0, 'building features');
  const index = new HistoryIndex(population);
  const priorRows = weight > 0 ? buildLabelledRows(prior, index) : emptyLabelledRows();
  const own = buildLabelledRows(targets, index);
  const firstOpen = targets[0]!.opensAt;
  const lastClose = targets
    .map((d) => d.closesAt)
    .sort()
    .at(-1)!;
  const data: TrainingDataSummary = {
    ...set.describe,
    priorWeight: weight,
    ownDrops: targets.length,
    priorDrops: weight > 0 ? prior.length : 0,
    withSocial: Number((targets.filter((d) => hasKind(d, 'social')).length / targets.length).toFixed(4)),
    withTokenHolders: Number((targets.filter((d) => hasKind(d, 'tokenHolders')).length / targets.length).toFixed(4)),
  };
  const model = await trainNbMlp(
    {
      rows: [...priorRows.rows, ...own.rows],
      demand: [...priorRows.demand, ...own.demand],
      ...(weight > 0 && { weights: [...priorRows.rows.map(() => weight), ...own.rows.map(() => 1)] }),
      summary: { drops: targets.length, firstOpen, lastClose, data },
    },
    options.config ?? {},
    {
      id: options.modelId,
      createdAt: options.createdAt,
      ...(options.stopwatch && { stopwatch: options.stopwatch }),
      onProgress: (p) =>
        report(
          ((p.epoch - 1) * p.batches + p.batch) / (p.epochs * p.batches),
          `training: epoch ${p.epoch}/${p.epochs}`,
        ),
    },
  );
  fitsDone = 1;
  try {
    const result = await runBacktest(
      { targets, population, prior: weight > 0 ? prior : [], priorWeight: weight },
      {
        folds,
        ...(options.testShare !== undefined && { testShare: options.testShare }),
        nbConfig: options.config ?? {},
        incumbent: options.incumbent ?? null,
        createdAt: options.createdAt,
        ...(options.stopwatch && { stopwatch: options.stopwatch }),
        onProgress: (e) => {
          if (!e.train) return report(0, `backtest: ${e.phase}${e.fold ? ` fold ${e.fold}/${e.folds}` : ''}`);
          fitsDone = e.fold;
          const p = e.train;
          report(
            ((p.epoch - 1) * p.batches + p.batch) / (p.epochs * p.batches),
            `backtest: fold ${e.fold}/${e.folds}, epoch ${p.epoch}/${p.epochs}`,
          );
        },
      },
    );
    fitsDone = fits;
    report(0, 'done');
    const backtest = toBacktestRecord(result, options.createdAt);
    model.metadata.backtest = backtest;
    return { model, backtest, result };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * The registry's rule: a trained model becomes the default only if its backtest beat the baseline
 * and did at least as well as the incumbent on the test drops the incumbent had not seen.
 */
export function earnsDefault(backtest: BacktestRecord | null | undefined): boolean {
  if (!backtest?.beatsBaseline) return false;
  return backtest.incumbent ? backtest.incumbent.beatsIncumbent : true;
}
