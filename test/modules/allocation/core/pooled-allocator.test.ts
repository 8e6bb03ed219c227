import { describe, expect, it } from 'vitest';
import { buildPooledBenchInstance } from '../../../../src/bench/allocation.bench';
import {
  planAllocation,
  planAllocationFast,
  prepareInstance,
  type AllocationPlan,
} from '../../../../src/modules/allocation/core';
import { buildScenarios } from '../../../../src/modules/allocation/core/scenarios';

/** Units sold within the promise in one scenario: max flow regions → hubs within the promise → placed units. */
function maxFlowSales(demand: number[], cands: number[][], units: number[]): number {
  const served = demand.map(() => 0);
  const load = units.map(() => 0);
  const flow = cands.map((c) => c.map(() => 0));
  let total = 0;
  for (;;) {
    // BFS from unmet regions to a hub with spare units (alternating paths)
    const regionVia = demand.map(() => -2);
    const hubVia: ([number, number] | null)[] = units.map(() => null);
    const queue: number[] = [];
    demand.forEach((d, r) => {
      if (served[r]! < d) {
        regionVia[r] = -1;
        queue.push(r);
      }
    });
    let end = -1;
    for (let q = 0; q < queue.length && end < 0; q += 1) {
      const r = queue[q]!;
      cands[r]!.forEach((h, c) => {
        if (end >= 0 || hubVia[h] !== null) return;
        hubVia[h] = [r, c];
        if (load[h]! < units[h]!) {
          end = h;
          return;
        }
        cands.forEach((c2, r2) => {
          const i = c2.indexOf(h);
          if (i >= 0 && flow[r2]![i]! > 0 && regionVia[r2] === -2) {
            regionVia[r2] = h;
            queue.push(r2);
          }
        });
      });
    }
    if (end < 0) return total;
    let h = end;
    load[h] += 1;
    for (;;) {
      const [r, c] = hubVia[h]!;
      flow[r]![c] += 1;
      const back = regionVia[r]!;
      if (back === -1) {
        served[r] += 1;
        break;
      }
      flow[r]![cands[r]!.indexOf(back)] -= 1;
      h = back;
    }
    total += 1;
  }
}

/** Expected units within the promise of a plan's placements, on fresh scenarios (another seed, more of them). */
function evaluate(input: Parameters<typeof planAllocationFast>[0], plan: AllocationPlan, count: number, seed: number) {
  const prepared = prepareInstance(input);
  const scenarios = buildScenarios(prepared, { lpScenarioCount: count, seed });
  const hubIndex = new Map(prepared.hubs.map((h, i) => [h.hubId, i]));
  let sum = 0;
  prepared.skus.forEach((sku, s) => {
    const units = prepared.hubs.map(() => 0);
    for (const a of plan.allocations) if (a.skuId === sku.skuId) units[hubIndex.get(a.hubId)!] = a.units;
    const entries = prepared.demandBySku[s]!;
    const cands = entries.map((d) => prepared.regions[d.region]!.candidates);
    for (let w = 0; w < count; w += 1)
      sum += maxFlowSales(
        entries.map((_, i) => scenarios.demand[s]![i]![w]!),
        cands,
        units,
      );
  });
  return sum / count;
}

describe('the pooled fast allocator', () => {
  it('serves a region from any of its hubs within the promise, and stays within 0.1% of the LP', async () => {
    for (const seed of [1, 6]) {
      const input = buildPooledBenchInstance(seed);
      const fast = planAllocationFast(input);
      const lp = await planAllocation(input, { solver: 'lp' });
      expect(fast.solver.name).toBe('fast-pooled');
      expect(fast.totals.objectiveValue / lp.totals.objectiveValue, `seed ${seed}`).toBeGreaterThanOrEqual(0.999);
      expect(fast.solver.certified).toBe(true);
      expect(fast.totals.objectiveValue).toBeLessThanOrEqual(lp.totals.objectiveValue * (1 + 1e-9));
    }
  });

  // The issue: the fast path claimed 6,117 units within promise where 6,439 were measured.
  it('reports expected units within the promise that a scenario evaluation confirms within 0.5%', () => {
    const input = buildPooledBenchInstance(3);
    const fast = planAllocationFast(input);
    const measured = evaluate(input, fast, 1000, 99);
    expect(Math.abs(fast.totals.expectedUnitsWithinPromise - measured) / measured).toBeLessThan(0.005);
  });

  it('never exceeds hub capacity or SKU stock', () => {
    for (const seed of [2, 4, 5]) {
      const input = buildPooledBenchInstance(seed);
      const plan = planAllocationFast(input);
      for (const hub of input.hubs) {
        const placed = plan.allocations.filter((a) => a.hubId === hub.hubId).reduce((n, a) => n + a.units, 0);
        expect(placed).toBeLessThanOrEqual(hub.capacityUnits);
      }
      for (const sku of input.skus) {
        const placed = plan.allocations.filter((a) => a.skuId === sku.skuId).reduce((n, a) => n + a.units, 0);
        const ordered = plan.supplierOrders.filter((o) => o.skuId === sku.skuId).reduce((n, o) => n + o.quantity, 0);
        expect(ordered).toBe(placed);
        expect(placed).toBeLessThanOrEqual(sku.sourcing.reduce((n, o) => n + o.unitsAvailable, 0));
      }
    }
  });
});
