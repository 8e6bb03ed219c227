/**
 * The nightly retrain's heavy part (fit + rolling-origin backtest, tens of seconds of CPU) in a
 * worker thread (src/shared/worker-pool.ts), so the replica that runs it keeps answering requests.
 * The worker saves the fitted model to a scratch folder; the main thread loads it from there (a
 * TensorFlow.js model does not cross threads) and the service saves it where models live.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkerPool } from '../../shared/worker-pool';
import type { BacktestRecord } from './core/nb-mlp-model';
import type { SimulatedHistory } from './core/simulate-history';
import { fullTrainer, type ModelTrainer } from './retrain';

const MODULE = import.meta.url;

/** Runs in the worker: trains and backtests, saves the model in `dir`, returns the backtest. */
export async function trainAndSave(
  history: SimulatedHistory,
  modelId: string,
  nowIso: string,
  dir: string,
): Promise<BacktestRecord> {
  const { model, backtest } = await fullTrainer(history, { modelId, now: new Date(nowIso) });
  try {
    const { saveNbModel } = await import('./core/model-store');
    await saveNbModel(model, dir);
    return backtest;
  } finally {
    model.dispose();
  }
}

/** The production trainer, off the event loop: `fullTrainer` in a worker thread. */
export function workerTrainer(workers: WorkerPool): ModelTrainer {
  return async (history, { modelId, now, signal }) => {
    const dir = await mkdtemp(join(tmpdir(), 'mf-train-'));
    try {
      const backtest = await workers.run<BacktestRecord>(
        { module: MODULE, fn: 'trainAndSave', args: [history, modelId, now.toISOString(), dir] },
        { signal },
      );
      const { loadNbModel } = await import('./core/model-store');
      return { model: await loadNbModel(dir), backtest };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
