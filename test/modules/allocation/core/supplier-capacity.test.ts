import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  planAllocation,
  planAllocationFast as planAllocationFastSync,
  type AllocationInput,
  type AllocationPlan,
} from '../../../../src/modules/allocation/core';
import { baseInput, supplier } from './allocation-factory';

/** Two SKUs from one supplier of capacity `capacity` (each SKU alone could take all of it), a fallback behind it. */
function sharedSupplierInput(capacity: number, demandA = 150, demandB = 150, hubCapacity = 1000): AllocationInput {
  const shared = supplier({ supplierId: 'maker', unitsAvailable: 1000, capacityUnits: capacity, unitCost: 10 });
  const fallback = supplier({
    supplierId: 'air',
    kind: 'warehouse',
    unitsAvailable: 1000,
    capacityUnits: 1000,
    unitCost: 13,
  });
  return baseInput({
    skus: [
      {
        skuId: 'A',
        sourcing: [shared, fallback],
        economics: { valuePerFastUnit: 30, leftoverCostPerUnit: 2, holdingCostPerUnit: 0.1 },
      },
      {
        skuId: 'B',
        sourcing: [shared, fallback],
        economics: { valuePerFastUnit: 12, leftoverCostPerUnit: 2, holdingCostPerUnit: 0.1 },
      },
    ],
    hubs: [
      {
        hubId: 'H',
        capacityUnits: hubCapacity,
        handlingDays: 0,
        lanes: [{ regionId: 'R', transitDaysMin: 1, transitDaysMax: 1 }],
      },
    ],
    demand: [
      { skuId: 'A', regionId: 'R', demand: { kind: 'negative-binomial', mean: demandA, dispersion: 0.05 } },
      { skuId: 'B', regionId: 'R', demand: { kind: 'negative-binomial', mean: demandB, dispersion: 0.05 } },
    ],
  });
}

const orderedFrom = (plan: AllocationPlan, supplierId: string) =>
  plan.supplierOrders.filter((o) => o.supplierId === supplierId).reduce((sum, o) => sum + o.quantity, 0);

describe('supplier capacity is one resource over all its SKUs', () => {
  // The issue: a supplier with capacity 100 received orders for 200 units, from both solvers.
  it.each(['fast', 'lp'] as const)(
    'never orders more than a 100-unit supplier can make, over two SKUs (%s)',
    async (solver) => {
      const plan = await planAllocation(sharedSupplierInput(100), { solver, lpScenarioCount: 60 });
      expect(orderedFrom(plan, 'maker')).toBeLessThanOrEqual(100);
      expect(orderedFrom(plan, 'maker')).toBeGreaterThan(90);
      // the more valuable SKU gets the shared units first; the rest comes from the fallback
      const fromMaker = (sku: string) =>
        plan.supplierOrders
          .filter((o) => o.supplierId === 'maker' && o.skuId === sku)
          .reduce((n, o) => n + o.quantity, 0);
      expect(fromMaker('A')).toBeGreaterThanOrEqual(fromMaker('B'));
      expect(orderedFrom(plan, 'air')).toBeGreaterThan(0);
    },
  );

  it('the fast plan stays within a certified gap of the LP when the shared supplier binds', async () => {
    const input = sharedSupplierInput(100);
    const fast = await planAllocation(input, { solver: 'fast' });
    const lp = await planAllocation(input, { solver: 'lp', lpScenarioCount: 200 });
    expect(fast.solver.certified).toBe(true);
    expect(fast.solver.gapBound).not.toBeNull();
    expect(fast.totals.objectiveValue).toBeGreaterThan(lp.totals.objectiveValue * 0.99);
  });

  it('holds for any capacity and demand (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 500 }),
        (capacity, a, b, hub) => {
          const plan = planAllocationFastSync(sharedSupplierInput(capacity, a, b, hub));
          expect(orderedFrom(plan, 'maker')).toBeLessThanOrEqual(capacity);
          const placed = plan.allocations.reduce((n, x) => n + x.units, 0);
          expect(placed).toBeLessThanOrEqual(hub);
        },
      ),
      { numRuns: 60 },
    );
  });
});
