/**
 * The allocation work that runs in a worker thread (src/shared/worker-pool.ts): the planner's pure
 * entry and the live re-plan, called with plain data. The service calls them through
 * `planInWorker` and `replanInWorker`; the HiGHS instance the LP loads stays with the thread.
 */
import type { WorkerPool } from '../../shared/worker-pool';
import { planAllocation, type AllocationInput, type AllocationPlan, type AllocationPolicy } from './core';
import type { CatalogSnapshot, ForecastCell } from './plan-input';
import { proposeReplan } from './replan';

const MODULE = import.meta.url;

type ReplanArgs = Parameters<typeof proposeReplan>;
type ReplanResult = ReturnType<typeof proposeReplan>;

/** Runs in the worker. */
export function computePlan(input: AllocationInput, policy: AllocationPolicy): Promise<AllocationPlan> {
  return planAllocation(input, policy);
}

/** Runs in the worker. */
export function computeReplan(...args: ReplanArgs): ReplanResult {
  return proposeReplan(...args);
}

export interface PlanComputer {
  plan(input: AllocationInput, policy: AllocationPolicy): Promise<AllocationPlan>;
  replan(snapshot: CatalogSnapshot, cells: readonly ForecastCell[], stock: ReplanArgs[2], now: Date): Promise<ReplanResult>;
}

export function planComputer(workers: WorkerPool): PlanComputer {
  return {
    plan: (input, policy) => workers.run({ module: MODULE, fn: 'computePlan', args: [input, policy] }),
    replan: (snapshot, cells, stock, now) =>
      workers.run({ module: MODULE, fn: 'computeReplan', args: [snapshot, cells, stock, now] }),
  };
}
