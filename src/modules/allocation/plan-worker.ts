/**
 * The allocation work that runs in a worker thread (src/shared/worker-pool.ts), called with plain
 * data through `planComputer`: the planner's pure entry, the whole pure path from catalog snapshot
 * and forecast to the rows a plan stores (so a 1,000-SKU plan costs the serving thread only its
 * database reads and writes), and the live re-plan. The HiGHS instance the LP loads stays with
 * the thread.
 */
import type { WorkerPool } from '../../shared/worker-pool';
import { planAllocation, type AllocationInput, type AllocationPlan, type AllocationPolicy } from './core';
import { toStoredPlan, type SolverChoice } from './allocation.service';
import { buildAllocationInput, type CatalogSnapshot, type ForecastCell, type PlanOverrides } from './plan-input';
import { proposeReplan } from './replan';

const MODULE = import.meta.url;

type ReplanArgs = Parameters<typeof proposeReplan>;
type ReplanResult = ReturnType<typeof proposeReplan>;

/** Runs in the worker. */
export function computePlan(input: AllocationInput, policy: AllocationPolicy): Promise<AllocationPlan> {
  return planAllocation(input, policy);
}

/** Runs in the worker: planner input, plan, stored rows. */
export async function computeStoredPlan(
  snapshot: CatalogSnapshot,
  cells: readonly ForecastCell[],
  overrides: PlanOverrides,
  now: Date,
  requested: SolverChoice,
): Promise<ReturnType<typeof toStoredPlan>> {
  const input = buildAllocationInput(snapshot, cells, overrides, now);
  const plan = await planAllocation(input, { solver: requested });
  const stored = toStoredPlan(plan, requested, input.economics, input.skus);
  const capacityOverride = new Map((overrides.hub_capacities ?? []).map((o) => [o.hub_id, o.capacity_units]));
  stored.solver.shared_hub_capacity = snapshot.hubs
    .filter((h) => (h.held_by_other_plans ?? 0) > 0)
    .map((h) => {
      const capacity = capacityOverride.get(h.id) ?? h.capacity_units;
      const held = h.held_by_other_plans ?? 0;
      const planned = plan.allocations.filter((a) => a.hubId === h.id).reduce((n, a) => n + a.units, 0);
      return {
        hub_id: h.id,
        capacity_units: capacity,
        held_by_other_plans: held,
        held_by_drop_ids: h.held_by_drop_ids ?? [],
        planned_units: planned,
        binding: planned + held >= capacity,
      };
    });
  if (stored.solver.shared_hub_capacity.some((h) => h.binding))
    stored.solver.notes.push(
      `hub capacity shared with other drops binds at ${stored.solver.shared_hub_capacity
        .filter((h) => h.binding)
        .map((h) => h.hub_id)
        .join(', ')}`,
    );
  return stored;
}

/** Runs in the worker. */
export function computeReplan(...args: ReplanArgs): ReplanResult {
  return proposeReplan(...args);
}

export interface PlanComputer {
  plan(input: AllocationInput, policy: AllocationPolicy): Promise<AllocationPlan>;
  storedPlan(
    snapshot: CatalogSnapshot,
    cells: readonly ForecastCell[],
    overrides: PlanOverrides,
    now: Date,
    requested: SolverChoice,
  ): Promise<ReturnType<typeof toStoredPlan>>;
  replan(
    snapshot: CatalogSnapshot,
    cells: readonly ForecastCell[],
    stock: ReplanArgs[2],
    now: Date,
  ): Promise<ReplanResult>;
}

export function planComputer(workers: WorkerPool): PlanComputer {
  return {
    plan: (input, policy) => workers.run({ module: MODULE, fn: 'computePlan', args: [input, policy] }),
    storedPlan: (snapshot, cells, overrides, now, requested) =>
      workers.run({ module: MODULE, fn: 'computeStoredPlan', args: [snapshot, cells, overrides, now, requested] }),
    replan: (snapshot, cells, stock, now) =>
      workers.run({ module: MODULE, fn: 'computeReplan', args: [snapshot, cells, stock, now] }),
  };
}
