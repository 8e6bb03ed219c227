import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planAllocation, planAllocationFast } from '../../../../src/modules/allocation/core/plan-allocation';
import type { AllocationInput, AllocationPlan } from '../../../../src/modules/allocation/core/plan-types';
import {
  solveTransportAllocation,
  type TransportProblem,
} from '../../../../src/modules/allocation/core/transport-allocation';
import {
  highsInstanceStats,
  RECYCLE_AFTER_SOLVES,
  solveLpText,
} from '../../../../src/modules/allocation/core/highs-solver';
import { baseInput, NOW, OPENS_AT, randomInstance, supplier } from './allocation-factory';
import { buildBenchInstance } from '../../../../src/bench/allocation.bench';

/** Invariants every plan must satisfy, whatever the solver. */
function expectPlanInvariants(input: AllocationInput, plan: AllocationPlan): void {
  const hubLoad = new Map<string, number>();
  const skuUnits = new Map<string, number>();
  for (const a of plan.allocations) {
    expect(Number.isInteger(a.units) && a.units > 0).toBe(true);
    hubLoad.set(a.hubId, (hubLoad.get(a.hubId) ?? 0) + a.units);
    skuUnits.set(a.skuId, (skuUnits.get(a.skuId) ?? 0) + a.units);
  }
  for (const hub of input.hubs) expect(hubLoad.get(hub.hubId) ?? 0).toBeLessThanOrEqual(hub.capacityUnits);
  const opensAt = Date.parse(String(input.opensAt));
  const ordered = new Map<string, number>();
  for (const order of plan.supplierOrders) {
    const sku = input.skus.find((s) => s.skuId === order.skuId);
    const option = sku?.sourcing.find((f) => f.supplierId === order.supplierId);
    expect(option).toBeDefined();
    if (!option) continue;
    expect(order.quantity).toBeLessThanOrEqual(Math.min(option.unitsAvailable, option.capacityUnits));
    expect(order.quantity).toBeGreaterThanOrEqual(option.minOrderQuantity);
    expect(order.quantity % option.orderMultiple).toBe(0);
    expect(order.lines.reduce((sum, l) => sum + l.quantity, 0)).toBe(order.quantity);
    for (const line of order.lines) {
      expect(Date.parse(line.arriveBy)).toBeLessThanOrEqual(opensAt);
      expect(Date.parse(line.arriveBy)).toBeGreaterThanOrEqual(Date.parse(line.shipBy));
      expect(Date.parse(line.shipBy)).toBeGreaterThanOrEqual(Date.parse(String(input.now)) - 0);
    }
    ordered.set(order.skuId, (ordered.get(order.skuId) ?? 0) + order.quantity);
  }
  // Every unit placed is ordered from a supplier that arrives in time, and nothing more.
  for (const sku of input.skus) expect(ordered.get(sku.skuId) ?? 0).toBe(skuUnits.get(sku.skuId) ?? 0);
  expect(plan.totals.fillRateWithinPromise).toBeLessThanOrEqual(1 + 1e-9);
}

describe('planAllocation: fast allocator against the sample-average LP', () => {
  it('is within 0.1% of the LP objective on random instances where each region has one serving hub', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        async (seed, skus, hubs) => {
          const input = randomInstance(seed, { skus, hubs, regionsPerHub: 2, scenarios: 60 });
          const fast = await planAllocation(input, { solver: 'fast' });
          const lp = await planAllocation(input, { solver: 'lp' });
          expect(lp.solver.name).toBe('highs-sample-average-lp');
          const gap =
            (lp.totals.objectiveValue - fast.totals.objectiveValue) / Math.max(1, Math.abs(lp.totals.objectiveValue));
          expect(gap).toBeLessThanOrEqual(1e-3);
          expect(fast.solver.optimal).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('fast allocator without cycle cancelling', () => {
  it('reports a gap whose Lagrangian bound really is above the LP optimum', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), async (seed) => {
        const input = randomInstance(seed, { skus: 4, hubs: 3, regionsPerHub: 2, scenarios: 60 });
        const fast = planAllocationFast(input, { maxRepairWork: 0 });
        const lp = await planAllocation(input, { solver: 'lp' });
        expect(fast.totals.objectiveValue).toBeLessThanOrEqual(lp.totals.objectiveValue + 1e-6);
        if (fast.solver.optimal === false) {
          const gap = fast.solver.optimalityGap ?? Number.NaN;
          const bound = fast.totals.objectiveValue / (1 - gap);
          expect(bound).toBeGreaterThanOrEqual(lp.totals.objectiveValue - 1e-6);
        }
      }),
      { numRuns: 20 },
    );
  });
});

describe('planAllocation: invariants', () => {
  it('never exceeds hub capacity, stock or lead time, and places whole units (fast and LP, with overlapping lanes)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.boolean(),
        fc.constantFrom<'fast' | 'lp' | 'auto'>('fast', 'lp', 'auto'),
        async (seed, overlapping, solver) => {
          const input = randomInstance(seed, { skus: 3, hubs: 3, regionsPerHub: 2, scenarios: 40, overlapping });
          // order rules and a late supplier on one SKU
          input.skus[0]!.sourcing[1] = {
            ...input.skus[0]!.sourcing[1]!,
            minOrderQuantity: 5,
            orderMultiple: 5,
            unitsAvailable: 30,
          };
          input.skus[1]!.sourcing[0] = { ...input.skus[1]!.sourcing[0]!, leadTimeDaysMax: 30 };
          expectPlanInvariants(input, await planAllocation(input, { solver }));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('gives the same plan for the same input, whatever the input order', async () => {
    const input = randomInstance(42, { skus: 4, hubs: 3, regionsPerHub: 2, scenarios: 50 });
    const shuffled: AllocationInput = {
      ...input,
      skus: [...input.skus].reverse(),
      hubs: [...input.hubs].reverse(),
      demand: [...input.demand].reverse(),
    };
    const a = planAllocationFast(input);
    expect(planAllocationFast(structuredClone(input))).toEqual(a);
    const b = planAllocationFast(shuffled);
    expect(b.allocations).toEqual(a.allocations);
    expect(b.totals.objectiveValue).toBeCloseTo(a.totals.objectiveValue, 9);
    const lpA = await planAllocation(input, { solver: 'lp' });
    expect(await planAllocation(input, { solver: 'lp' })).toEqual(lpA);
  });
});

describe('planAllocation: sourcing', () => {
  const hub = {
    hubId: 'H1',
    capacityUnits: 500,
    handlingDays: 1,
    lanes: [{ regionId: 'US-CA', transitDaysMin: 1, transitDaysMax: 1 }],
  };
  const demand = [
    { skuId: 'tee', regionId: 'US-CA', demand: { kind: 'negative-binomial' as const, mean: 100, dispersion: 0.1 } },
  ];

  it('orders from the fallback, by priority, when the primary cannot arrive before opening', () => {
    const plan = planAllocationFast(
      baseInput({
        hubs: [hub],
        demand,
        skus: [
          {
            skuId: 'tee',
            sourcing: [
              supplier({ supplierId: 'late-primary', leadTimeDaysMax: 30 }),
              supplier({ supplierId: 'second', unitCost: 12, leadTimeDaysMax: 10 }),
              supplier({ supplierId: 'third-but-faster', unitCost: 11, leadTimeDaysMax: 1 }),
            ],
          },
        ],
      }),
    );
    expect(plan.supplierOrders.map((o) => [o.supplierId, o.reason])).toEqual([['second', 'primary-late']]);
    expect(plan.supplierOrders[0]!.lines[0]!.arriveBy <= OPENS_AT).toBe(true);
  });

  it('tops up from a fallback when the primary is short, respecting min order and multiple', () => {
    const plan = planAllocationFast(
      baseInput({
        hubs: [hub],
        demand,
        skus: [
          {
            skuId: 'tee',
            sourcing: [
              supplier({ unitsAvailable: 40 }),
              supplier({ supplierId: 'backup', unitCost: 11, minOrderQuantity: 25, orderMultiple: 12 }),
            ],
          },
        ],
      }),
    );
    const backup = plan.supplierOrders.find((o) => o.supplierId === 'backup');
    expect(backup?.reason).toBe('primary-short');
    expect(backup && backup.quantity >= 25 && backup.quantity % 12 === 0).toBe(true);
    expect(plan.totals.cost.fallbackPremium).toBeCloseTo(backup ? backup.quantity : 0, 9);
  });

  it('reports a SKU with no supplier in time and its regions as unserved, without throwing', () => {
    const plan = planAllocationFast(
      baseInput({ hubs: [hub], demand, skus: [{ skuId: 'tee', sourcing: [supplier({ availableDate: OPENS_AT })] }] }),
    );
    expect(plan.allocations).toEqual([]);
    expect(plan.skuIssues.map((i) => i.reason)).toEqual(['no-supplier-before-opening']);
    expect(plan.unservedRegions).toMatchObject([{ regionId: 'US-CA', reason: 'no-stock', skuIds: ['tee'] }]);
  });
});

describe('planAllocation: regions', () => {
  it('reports regions no hub reaches within the promise, and delivery days and lead-time delta for the others', () => {
    const plan = planAllocationFast(
      baseInput({
        now: NOW,
        hubs: [
          {
            hubId: 'B',
            capacityUnits: 100,
            handlingDays: 0,
            lanes: [
              { regionId: 'near', transitDaysMin: 1, transitDaysMax: 2 },
              { regionId: 'far', transitDaysMin: 4, transitDaysMax: 6 },
            ],
          },
          {
            hubId: 'A',
            capacityUnits: 100,
            handlingDays: 0,
            lanes: [{ regionId: 'near', transitDaysMin: 1, transitDaysMax: 2 }],
          },
        ],
        baselineDaysByRegion: { near: 5, far: 7 },
        skus: [{ skuId: 'tee', sourcing: [supplier()] }],
        demand: [
          { skuId: 'tee', regionId: 'near', demand: { kind: 'negative-binomial', mean: 10, dispersion: 0.2 } },
          { skuId: 'tee', regionId: 'far', demand: { kind: 'negative-binomial', mean: 10, dispersion: 0.2 } },
        ],
      }),
    );
    expect(plan.unservedRegions).toMatchObject([{ regionId: 'far', reason: 'no-hub-within-promise' }]);
    const near = plan.regions.find((r) => r.regionId === 'near');
    // equal speed: lower hub id first
    expect(near).toMatchObject({
      servingHubId: 'A',
      candidateHubIds: ['A', 'B'],
      deliveryDaysP50: 1,
      deliveryDaysP90: 2,
      baselineDays: 5,
      leadTimeDeltaDays: 4,
    });
    expect(plan.solver.pooledRegions).toBe(1);
    expect(plan.totals.fillRateWithinPromise).toBeLessThan(0.5 + 1e-9);
  });

  it('uses the LP for overlapping lanes under auto and says so', async () => {
    const input = randomInstance(7, { skus: 2, hubs: 3, regionsPerHub: 1, scenarios: 40, overlapping: true });
    const plan = await planAllocation(input);
    expect(plan.solver.name).toBe('highs-sample-average-lp');
    expect(plan.solver.notes[0]).toMatch(/pools their demand/);
    // pooling can only help
    expect(plan.totals.objectiveValue).toBeGreaterThanOrEqual(planAllocationFast(input).totals.objectiveValue - 1e-6);
  });
});

describe('fast allocator: shared hub capacity', () => {
  it('finds the optimum where plain greedy fails (values 10/9/9/0, unit capacities)', () => {
    // pair gains are a·S[1] − b with a = 1, b = 0: survival encodes the value of the first unit
    const problem: TransportProblem = {
      skuCount: 2,
      hubCount: 2,
      pairSku: Int32Array.from([0, 0, 1, 1]),
      pairHub: Int32Array.from([0, 1, 0, 1]),
      pairSkuStart: Int32Array.from([0, 2, 4]),
      survival: Float64Array.from([1, 10, 1, 9, 1, 9, 1, 0.001]),
      pairSurvivalStart: Int32Array.from([0, 2, 4, 6]),
      pairSurvivalLength: Int32Array.from([2, 2, 2, 2]),
      valuePerSale: Float64Array.from([1, 1]),
      costPerUnit: Float64Array.from([0, 0]),
      hubCapacity: Float64Array.from([1, 1]),
      stepStart: Int32Array.from([0, 1, 2]),
      stepEnd: Float64Array.from([1, 1]),
      stepPremium: Float64Array.from([0, 0]),
    };
    const solution = solveTransportAllocation(problem);
    expect(Array.from(solution.units)).toEqual([0, 1, 1, 0]);
    expect(solution.optimal).toBe(true);
    expect(solution.repaired).toBe(true);
  });
});

describe('HiGHS instance guard', () => {
  it(`survives many repeated solves by recycling the instance every ${RECYCLE_AFTER_SOLVES}`, async () => {
    const before = highsInstanceStats().instancesCreated;
    for (let i = 0; i < 4_500; i += 1) {
      const r = await solveLpText(
        `Maximize\n obj: x + 2 y\nSubject To\n c: x + y <= ${1 + (i % 7)}\nBounds\n 0 <= y <= 1\nEnd`,
      );
      expect(r.Status).toBe('Optimal');
      expect(r.ObjectiveValue).toBe(1 + (i % 7) + 1);
    }
    expect(highsInstanceStats().instancesCreated - before).toBeGreaterThanOrEqual(4);
  });

  it('returns a status, not a crash, for a model it cannot read, and solves the next one', async () => {
    const bad = await solveLpText('this is not an LP');
    expect(bad.Status).not.toBe('Optimal');
    const r = await solveLpText('Maximize\n obj: x\nSubject To\n c: x <= 3\nEnd');
    expect(r.ObjectiveValue).toBe(3);
  });
});

describe('fast allocator on a large instance (hub prices)', () => {
  it('plans 220 SKUs × 100 hubs within hub capacity and stock, with a certified gap of at most 0.1%', () => {
    // Over 20,000 (SKU, hub) pairs: no first greedy, a few rounds of hub prices instead.
    const input = buildBenchInstance({ skus: 220, hubs: 100, regions: 500 }, 3);
    const plan = planAllocationFast(input);
    expectPlanInvariants(input, plan);
    expect(plan.solver.certified).toBe(true);
    expect(plan.solver.gapBound).not.toBeNull();
    expect(plan.solver.gapBound!).toBeLessThanOrEqual(1e-3);
    expect(plan.solver.notes.join(' ')).toMatch(/hub prices/);
  });
});
