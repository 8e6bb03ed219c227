/**
 * The worker-thread side of `workerTrainingExecutor`: one training task per call, progress posted
 * back on the port the caller handed over. Loaded through training-worker.mjs.
 */
import type { MessagePort } from 'node:worker_threads';
import { executeTrainingTask, type TrainingTask, type TrainingTaskResult } from './model-training';

export default async function runTrainingTask({
  task,
  port,
}: {
  task: TrainingTask;
  port: MessagePort;
}): Promise<TrainingTaskResult> {
  try {
    return await executeTrainingTask(task, (fraction, message) => port.postMessage({ fraction, message }));
  } finally {
    port.close();
  }
}
