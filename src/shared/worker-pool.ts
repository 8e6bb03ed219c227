import { cpus } from 'node:os';
import { isMainThread, MessageChannel } from 'node:worker_threads';
import { AppError } from '../http/app-error';

/**
 * Heavy work (plan computation, training with its backtest) runs here, off the event loop that
 * serves requests: a request that computes a plan waits for a worker thread while estimates, holds
 * and /healthz go on being answered. A task names a module and one of its exported functions; the
 * worker imports the module once and keeps it, so state a module loads once (the HiGHS WASM
 * instance, TensorFlow.js) is loaded once per worker and reused. Arguments and results cross by
 * structured clone: plain data only.
 *
 * `close()` terminates running tasks at once (SIGTERM must not wait for a long computation); their
 * callers get a 503 with Retry-After. The in-process runner has the same interface for the CLI and
 * for tests that do not need threads.
 */
export interface WorkerTask {
  /** A file URL of the module (`new URL('./x.ts', import.meta.url).href`). */
  module: string;
  /** The exported function to call with `args`. */
  fn: string;
  args: unknown[];
}

/** Progress a task reports while it runs: a fraction in [0, 1] and a line for people. */
export type WorkerProgress = (fraction: number, message: string) => void;

export interface WorkerRunOptions {
  signal?: AbortSignal;
  /** When given, the task's function receives a progress callback as its last argument. */
  onProgress?: WorkerProgress;
}

export interface WorkerPool {
  readonly kind: 'threads' | 'in-process';
  run<T>(task: WorkerTask, options?: WorkerRunOptions): Promise<T>;
  /** Stops running tasks and the threads; later runs are refused with 503. */
  close(): Promise<void>;
}

const shuttingDown = () =>
  new AppError('unavailable', 'The service is shutting down; retry on another replica or shortly', {
    headers: { 'Retry-After': '5' },
    extensions: { reason: 'shutting_down' },
  });

const WORKER_ENTRY = new URL('./worker-entry.mjs', import.meta.url).href;

export async function createWorkerPool(
  options: { threads?: number; idleTimeoutMs?: number; nice?: number } = {},
): Promise<WorkerPool> {
  const { Piscina } = await import('piscina');
  const threads = options.threads ?? Math.max(1, Math.min(2, cpus().length - 1));
  const piscina = new Piscina({
    filename: WORKER_ENTRY,
    minThreads: 0,
    maxThreads: threads,
    // Threads that sat idle this long exit (a loaded HiGHS and TensorFlow.js cost ~100 MB each).
    idleTimeout: options.idleTimeoutMs ?? 60_000,
    // The entry registers the TypeScript loader itself (see worker-entry.mjs).
    execArgv: [],
    // Lower the threads' CPU priority (per thread on Linux, through piscina's optional native
    // helper): on a machine short of cores the event loop that answers requests runs first.
    niceIncrement: options.nice ?? 10,
  });
  let closed = false;
  return {
    kind: 'threads',
    async run<T>(task: WorkerTask, runOptions: WorkerRunOptions = {}): Promise<T> {
      if (closed) throw shuttingDown();
      const { onProgress } = runOptions;
      // Progress crosses the thread boundary on a port of its own, handed to the worker with the task.
      const channel = onProgress ? new MessageChannel() : undefined;
      channel?.port1.on('message', (m: { fraction: number; message: string }) => onProgress?.(m.fraction, m.message));
      try {
        const payload = channel ? { ...task, progressPort: channel.port2 } : task;
        const transferList = channel ? [channel.port2] : undefined;
        return (await piscina.run(payload, { signal: runOptions.signal ?? null, transferList })) as T;
      } catch (error) {
        if (closed) throw shuttingDown();
        throw error;
      } finally {
        channel?.port1.close();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await piscina.destroy();
    },
  };
}

/** The same interface without threads: the function runs on the calling thread (CLI, tests). */
export function inProcessWorkerPool(): WorkerPool {
  let closed = false;
  return {
    kind: 'in-process',
    async run<T>(task: WorkerTask, runOptions: WorkerRunOptions = {}): Promise<T> {
      if (closed) throw shuttingDown();
      const loaded = (await import(task.module)) as Record<string, (...args: unknown[]) => unknown>;
      const args = runOptions.onProgress ? [...task.args, runOptions.onProgress] : task.args;
      return (await loaded[task.fn]!(...args)) as T;
    },
    async close() {
      closed = true;
    },
  };
}

/**
 * A task's result whose `buffers` are moved back to the calling thread instead of copied (a large
 * answer, e.g. a plan's JSON, then costs the serving thread nothing to receive). On the main
 * thread (the in-process runner) the value is returned as it is.
 */
export async function movingBuffers<T>(value: T, buffers: ArrayBuffer[]): Promise<T> {
  if (isMainThread) return value;
  const { move, transferableSymbol, valueSymbol } = await import('piscina');
  const movable = { [transferableSymbol]: buffers, [valueSymbol]: value };
  return move(movable as unknown as Parameters<typeof move>[0]) as T;
}
