/**
 * The allocation work that runs in a worker thread (src/shared/worker-pool.ts), called with plain
 * data through `planComputer`: the planner's pure entry, the whole pure path from catalog snapshot
 * and forecast to the rows a plan stores, the live re-plan, and, on PostgreSQL, a whole plan on the
 * worker's own connection (its inputs read, computed, its rows written, and the inline answer
 * serialised there), so a 1,000-SKU plan costs the serving thread nothing but the bytes of its
 * answer. The HiGHS instance the LP loads and the worker's connection pool stay with the thread.
 */
import type { Database, ThreadConnection } from '../../db/database';
import { AppError, type AppErrorOptions, type ErrorCode } from '../../http/app-error';
import { movingBuffers, type WorkerPool } from '../../shared/worker-pool';
import { pickupReaders } from '../pickup';
import { allocationRepository as repo } from './allocation.repository';
import { planAllocation, type AllocationInput, type AllocationPlan, type AllocationPolicy } from './core';
import { toStoredPlan, type SolverChoice } from './allocation.service';
import { buildAllocationInput, type CatalogSnapshot, type ForecastCell, type PlanOverrides } from './plan-input';
import { computeAndStorePlan, readPlan, type PlanRequest, type StoredPlanRef } from './plan-store';
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

/**
 * The worker's own connections, one small pool per database, opened at the first plan and kept
 * with the thread (an idle connection closes after a few seconds; the pool opens another).
 */
const threadDatabases = new Map<string, Promise<Database>>();
function threadDatabase(connection: ThreadConnection): Promise<Database> {
  const key = JSON.stringify(connection);
  let opened = threadDatabases.get(key);
  if (!opened) {
    opened = import('../../db/postgres-database').then(({ openPostgresDatabase }) =>
      openPostgresDatabase(connection.connectionString, {
        poolSize: 2,
        acquireTimeoutMs: connection.acquireTimeoutMs,
        statementTimeoutMs: connection.statementTimeoutMs,
        onFault: (message, error) => process.emitWarning(`plan worker thread: ${message}: ${error.message}`),
      }),
    );
    threadDatabases.set(key, opened);
    opened.catch(() => threadDatabases.delete(key));
  }
  return opened;
}

/** An AppError as plain data: a thrown error crosses the thread boundary with its message only. */
type Problem = { code: ErrorCode; detail: string; options: AppErrorOptions };
type OwnConnectionResult = (StoredPlanRef & { ok: true; json?: Uint8Array }) | { ok: false; problem: Problem };

/**
 * Runs in the worker: the whole plan on the worker's own PostgreSQL connection (inputs, maths,
 * rows in one transaction). With `answer` 'json', the stored plan read back and serialised as the
 * inline answer sends it, its bytes moved (not copied) to the serving thread.
 */
export async function computeAndStorePlanOnOwnConnection(
  connection: ThreadConnection,
  request: PlanRequest,
  withPickups: boolean,
  answer: 'summary' | 'json',
  writeDelayRatio: number,
): Promise<OwnConnectionResult> {
  try {
    const db = await threadDatabase(connection);
    const stored = await computeAndStorePlan(
      db,
      request,
      computeStoredPlan,
      withPickups ? (dropId, q) => pickupReaders.routesOf(q, dropId) : undefined,
      writeDelayRatio,
    );
    if (answer === 'summary') return { ok: true, ...stored };
    const plan = await readPlan(db, (await repo.findPlan(db, stored.id))!);
    const json = new TextEncoder().encode(JSON.stringify(plan));
    return await movingBuffers({ ok: true, ...stored, json }, [json.buffer as ArrayBuffer]);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { ok: false, problem: { code: error.code, detail: error.detail, options: error.options } };
  }
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
  /** A whole plan in a worker thread on its own connection (see computeAndStorePlanOnOwnConnection). */
  storedPlanOnOwnConnection(
    connection: ThreadConnection,
    request: PlanRequest,
    withPickups: boolean,
    answer: 'summary' | 'json',
    writeDelayRatio: number,
  ): Promise<StoredPlanRef & { json?: Uint8Array }>;
}

export function planComputer(workers: WorkerPool): PlanComputer {
  return {
    plan: (input, policy) => workers.run({ module: MODULE, fn: 'computePlan', args: [input, policy] }),
    storedPlan: (snapshot, cells, overrides, now, requested) =>
      workers.run({ module: MODULE, fn: 'computeStoredPlan', args: [snapshot, cells, overrides, now, requested] }),
    replan: (snapshot, cells, stock, now) =>
      workers.run({ module: MODULE, fn: 'computeReplan', args: [snapshot, cells, stock, now] }),
    async storedPlanOnOwnConnection(connection, request, withPickups, answer, writeDelayRatio) {
      const result = await workers.run<OwnConnectionResult>({
        module: MODULE,
        fn: 'computeAndStorePlanOnOwnConnection',
        args: [connection, request, withPickups, answer, writeDelayRatio],
      });
      if (!result.ok) throw new AppError(result.problem.code, result.problem.detail, result.problem.options);
      const { ok: _ok, ...stored } = result;
      return stored;
    },
  };
}
