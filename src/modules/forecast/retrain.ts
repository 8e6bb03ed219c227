/**
 * The nightly retrain: train the NB-MLP on the shipped simulated history plus demand_history,
 * score it in a time-ordered backtest against the baseline, save it under `<modelsDir>/<id>`, and
 * make it the default only if the registry rule says so (`chooseDefaultModel`: its backtest beat
 * the baseline's pooled scaled pinball). The heavy part (train + backtest) is a `ModelTrainer`,
 * injectable so tests run the job in seconds.
 */
import { buildLabelledRows } from './core/dataset';
import { HistoryIndex } from './core/features';
import type { BacktestRecord, NbMlpModel } from './core/nb-mlp-model';
import { summariseHistory, type SimulatedHistory } from './core/simulate-history';

export interface TrainedCandidate {
  model: NbMlpModel;
  backtest: BacktestRecord;
}

export type ModelTrainer = (
  history: SimulatedHistory,
  context: { modelId: string; now: Date; signal?: AbortSignal },
) => Promise<TrainedCandidate>;

/** The production trainer: the core's full fit on every drop, then its rolling-origin backtest. */
export const fullTrainer: ModelTrainer = async (history, { modelId, now }) => {
  const drops = [...history.drops].sort((a, b) => Date.parse(a.opensAt) - Date.parse(b.opensAt));
  const data = buildLabelledRows(drops, new HistoryIndex(drops));
  const summary = summariseHistory({ ...history, drops });
  const { trainNbMlp } = await import('./core/nb-mlp-model');
  const model = await trainNbMlp(
    {
      rows: data.rows,
      demand: data.demand,
      summary: { drops: summary.drops, firstOpen: summary.firstOpen, lastClose: summary.lastClose },
    },
    {},
    undefined,
    modelId,
  );
  try {
    const { runBacktest, toBacktestRecord } = await import('./core/backtest');
    const result = await runBacktest({ ...history, drops });
    return { model, backtest: toBacktestRecord(result, now.toISOString()) };
  } catch (error) {
    model.dispose();
    throw error;
  }
};

/** `nb-mlp-20261124T030000Z` */
export function retrainedModelId(now: Date): string {
  return `nb-mlp-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}
