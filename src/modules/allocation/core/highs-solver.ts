/**
 * One lazily loaded HiGHS (WASM) instance, reused across solves because loading costs ~100 ms.
 *
 * Guard: highs-js has a known upstream issue where one instance can abort after a few thousand
 * solves (WASM heap growth). We recreate the instance every `RECYCLE_AFTER_SOLVES` solves and,
 * on any thrown error, recreate it and retry the solve once.
 *
 * This file loads a WASM module, which is not I/O in the sense of the pure core: no clock,
 * network or database, and the same model text always gives the same answer.
 */
import type { Highs, LegacyHighsSolution } from 'highs';

export const RECYCLE_AFTER_SOLVES = 1_000;

let instance: Promise<Highs> | undefined;
let solvesOnInstance = 0;
let instancesCreated = 0;

async function loadInstance(): Promise<Highs> {
  const loader = (await import('highs')).default;
  instancesCreated += 1;
  return loader();
}

async function currentInstance(): Promise<Highs> {
  if (instance === undefined || solvesOnInstance >= RECYCLE_AFTER_SOLVES) {
    instance = loadInstance();
    solvesOnInstance = 0;
  }
  return instance;
}

export interface LpSolveOptions {
  /** seconds; default none */
  timeLimit?: number;
}

/** Solve a CPLEX-LP-format model. Status is in the result; a solver crash is retried once. */
export async function solveLpText(lpText: string, options: LpSolveOptions = {}): Promise<LegacyHighsSolution> {
  const solverOptions = {
    output_flag: false,
    ...(options.timeLimit !== undefined ? { time_limit: options.timeLimit } : {}),
  };
  for (let attempt = 0; ; attempt += 1) {
    const highs = await currentInstance();
    try {
      solvesOnInstance += 1;
      return highs.solve(lpText, solverOptions);
    } catch (error) {
      // A parse error would fail again: only retry once, on a fresh instance.
      instance = undefined;
      if (attempt >= 1) throw error;
    }
  }
}

/** For tests and the bench: how many instances the guard has created so far. */
export function highsInstanceStats(): { instancesCreated: number; solvesOnInstance: number } {
  return { instancesCreated, solvesOnInstance };
}
