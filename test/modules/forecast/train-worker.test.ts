import { afterAll, describe, expect, it } from 'vitest';
import { simulateHistory } from '../../../src/modules/forecast/core/simulate-history';
import { workerTrainer } from '../../../src/modules/forecast/train-worker';
import { createWorkerPool, type WorkerPool } from '../../../src/shared/worker-pool';

/** The nightly retrain's fit and backtest run in a worker thread; the model comes back usable here. */
describe('training in a worker thread', () => {
  let pool: WorkerPool | undefined;
  afterAll(() => pool?.close());

  it('trains and backtests in a worker while this thread keeps its timers on time', async () => {
    const threads = await createWorkerPool({ threads: 1 });
    pool = threads;
    // Timers are watched while the worker fits and backtests (not while this thread then loads the
    // saved model, which loads TensorFlow.js here once).
    let finished = false;
    const watched: WorkerPool = {
      kind: threads.kind,
      close: () => threads.close(),
      async run<T>(task: Parameters<WorkerPool['run']>[0], options?: { signal?: AbortSignal }): Promise<T> {
        try {
          return await threads.run<T>(task, options);
        } finally {
          finished = true;
        }
      },
    };
    const history = simulateHistory({ drops: 24, regions: 4, creators: 3, newCreators: 1, seed: 7 });
    const training = workerTrainer(watched)(history, {
      modelId: 'nb-mlp-worker-test',
      now: new Date('2026-01-01'),
    });
    void training.catch(() => (finished = true));
    const lags: number[] = [];
    while (!finished) {
      const at = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 25));
      lags.push(performance.now() - at - 25);
    }
    const { model, backtest } = await training;
    try {
      expect(model.metadata.id).toBe('nb-mlp-worker-test');
      expect(backtest.pooled['nb-mlp']?.scaledPinball).toBeGreaterThan(0);
      expect(lags.length).toBeGreaterThan(5);
      // A fit on this thread would hold the loop for seconds; timers here stay within a busy machine's noise.
      expect(Math.max(...lags)).toBeLessThan(1_000);
    } finally {
      model.dispose();
    }
  });
});
