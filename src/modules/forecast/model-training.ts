/**
 * Running one training task (fit + backtest, core/training.ts) somewhere: in this thread (the
 * CLI, where nothing else waits) or in a worker thread (the service, so a training run never
 * blocks the event loop that answers requests). The task and its result are plain data
 * (structured-cloneable: drops, options and the model's files as bytes), so both executors are
 * the same function on either side of a thread boundary.
 */
import type { WorkerPool } from '../../shared/worker-pool';
import type { ClosedDrop } from './core/forecast-types';
import type { ModelFiles } from './core/model-store';
import type { BacktestRecord, NbMlpConfig, NbMlpMetadata } from './core/nb-mlp-model';
import type { TrainingSet } from './core/training';

export interface TrainingTask {
  set: TrainingSet;
  modelId: string;
  createdAt: string;
  config: Partial<NbMlpConfig>;
  folds?: number;
  /** the model serving now, to be compared with on the drops it has not seen (files null: the baseline) */
  incumbent: {
    id: string;
    files: ModelFiles | null;
    population: ClosedDrop[];
    trainedUntil: string | null;
  } | null;
}

export interface TrainingTaskResult {
  files: ModelFiles;
  metadata: NbMlpMetadata;
  backtest: BacktestRecord;
}

export type TrainingProgress = (fraction: number, message: string) => void;

export type TrainingExecutor = (task: TrainingTask, onProgress?: TrainingProgress) => Promise<TrainingTaskResult>;

/** The work itself: load the incumbent, fit and backtest, serialise. Runs in any thread. */
export async function executeTrainingTask(
  task: TrainingTask,
  onProgress?: TrainingProgress,
): Promise<TrainingTaskResult> {
  const [{ trainWithBacktest }, store, { createBaselineModel }] = await Promise.all([
    import('./core/training'),
    import('./core/model-store'),
    import('./core/baseline-model'),
  ]);
  const incumbentModel = task.incumbent
    ? task.incumbent.files
      ? await store.parseNbModel(`models/${task.incumbent.id}`, task.incumbent.files)
      : createBaselineModel(task.incumbent.population)
    : null;
  try {
    const { model, backtest } = await trainWithBacktest(task.set, {
      modelId: task.modelId,
      createdAt: task.createdAt,
      config: task.config,
      ...(task.folds !== undefined && { folds: task.folds }),
      incumbent:
        task.incumbent && incumbentModel
          ? {
              id: task.incumbent.id,
              model: incumbentModel,
              population: task.incumbent.population,
              trainedUntil: task.incumbent.trainedUntil,
            }
          : null,
      ...(onProgress && { onProgress }),
      stopwatch: () => performance.now(),
    });
    try {
      const { files, metadata } = await store.serializeNbModel(model);
      return { files, metadata, backtest };
    } finally {
      model.dispose();
    }
  } finally {
    if (incumbentModel && 'dispose' in incumbentModel) (incumbentModel as { dispose(): void }).dispose();
  }
}

/** In this thread (the CLI's progress bar shows it; nothing else is waiting). */
export const inlineTrainingExecutor: TrainingExecutor = (task, onProgress) => executeTrainingTask(task, onProgress);

/**
 * In a worker thread of the service's pool (src/shared/worker-pool.ts), so a training run never
 * blocks the event loop that answers requests; progress comes back across the thread boundary.
 */
export function workerTrainingExecutor(workers: WorkerPool): TrainingExecutor {
  return (task, onProgress) =>
    workers.run<TrainingTaskResult>(
      { module: import.meta.url, fn: 'executeTrainingTask', args: [task] },
      onProgress ? { onProgress } : {},
    );
}
