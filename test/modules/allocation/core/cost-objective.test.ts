/**
 * Costs in the objective: lane shipping (per unit, per shipment, dated shifts), inbound freight,
 * fallback premium. The reference cases (docs/allocation.md) hold for every solver.
 */
import { describe, expect, it } from 'vitest';
import { planAllocation } from '../../../../src/modules/allocation/core/plan-allocation';
import { effectiveLaneCost } from '../../../../src/modules/allocation/core/plan-instance';
import { negativeBinomialDemand, sampleDemand } from '../../../../src/modules/allocation/core/demand-distribution';
import type { AllocationInput, AllocationPolicy, CostShift } from '../../../../src/modules/allocation/core/plan-types';
import { baseInput, OPENS_AT, supplier } from './allocation-factory';
import { buildPooledBenchInstance } from '../../../../src/bench/allocation.bench';
import { mulberry32 } from '../../../../src/shared/random';

/** One region, demand exactly 10, value 5 per unit in promise; hub A lane 1.0, hub B lane 0.6. */
function twoLanes(valuePerFastUnit = 5, costShifts: CostShift[] = []): AllocationInput {
  const hub = (hubId: string, cost: number) => ({
    hubId,
    capacityUnits: 10,
    handlingDays: 0,
    lanes: [{ regionId: 'R', transitDaysMin: 1, transitDaysMax: 1, shippingCostPerUnit: cost }],
  });
  return baseInput({
    skus: [{ skuId: 'S', sourcing: [supplier()] }],
    hubs: [hub('A', 1.0), hub('B', 0.6)],
    demand: [{ skuId: 'S', regionId: 'R', demand: sampleDemand([10]) }],
    economics: { valuePerFastUnit, leftoverCostPerUnit: 0, holdingCostPerUnit: 0 },
    costShifts,
  });
}

const solvers: [string, AllocationPolicy][] = [
  ['fast (pooled)', { solver: 'fast' }],
  ['fast (no pooling)', { solver: 'fast', pooling: false }],
  ['LP', { solver: 'lp' }],
];

const unitsAt = (plan: Awaited<ReturnType<typeof planAllocation>>, hubId: string): number =>
  plan.allocations.filter((a) => a.hubId === hubId).reduce((sum, a) => sum + a.units, 0);

describe.each(solvers)('costs in the objective, %s', (_name, policy) => {
  it('puts all 10 units at the cheaper lane: objective 10 × (5 − 0.6) = 44', async () => {
    const plan = await planAllocation(twoLanes(), policy);
    expect(unitsAt(plan, 'B')).toBe(10);
    expect(unitsAt(plan, 'A')).toBe(0);
    expect(plan.totals.objectiveValue).toBeCloseTo(44, 9);
    expect(plan.totals.cost.shipping).toBeCloseTo(6, 9);
    expect(plan.totals.expectedCostPerUnit).toBeCloseTo(0.6, 9);
    expect(plan.totals.costByRegion).toEqual([
      {
        regionId: 'R',
        expectedUnits: 10,
        shipping: expect.closeTo(6, 9),
        total: expect.closeTo(6, 9),
        costPerUnit: expect.closeTo(0.6, 9),
      },
    ]);
  });

  it('moves the stock to hub A when a peak surcharge of +0.5 lands on B: objective 40', async () => {
    const peak: CostShift = {
      regionId: 'R',
      hubId: 'B',
      from: '2025-03-10T00:00:00Z',
      to: '2025-03-20T00:00:00Z',
      surcharge: 0.5,
    };
    const plan = await planAllocation(twoLanes(5, [peak]), policy);
    expect(unitsAt(plan, 'A')).toBe(10);
    expect(unitsAt(plan, 'B')).toBe(0);
    expect(plan.totals.objectiveValue).toBeCloseTo(40, 9);
  });

  it('stocks no hub when a unit is worth 0.5, below both lane costs: objective 0, the region unserved', async () => {
    const plan = await planAllocation(twoLanes(0.5), policy);
    expect(plan.allocations).toEqual([]);
    expect(plan.totals.objectiveValue).toBeCloseTo(0, 9);
    expect(plan.totals.expectedCostPerUnit).toBeNull();
    expect(plan.unservedRegions.map((u) => [u.regionId, u.reason])).toEqual([['R', 'no-stock']]);
  });
});

describe('cost shifts and the other costs', () => {
  const lane = { regionId: 'R', shippingCostPerUnit: 2, shippingCostPerShipment: 1 };
  const opens = Date.parse(OPENS_AT);

  it('applies a shift only when its dates overlap the drop window; multipliers before surcharges', () => {
    const during: CostShift = { regionId: 'R', from: OPENS_AT, to: OPENS_AT, multiplier: 2, surcharge: 0.5 };
    const before: CostShift = { regionId: 'R', from: '2025-01-01T00:00:00Z', to: '2025-01-31T00:00:00Z', surcharge: 9 };
    const otherHub: CostShift = { regionId: 'R', hubId: 'B', from: OPENS_AT, to: OPENS_AT, surcharge: 9 };
    const otherRegion: CostShift = { regionId: 'Q', from: OPENS_AT, to: OPENS_AT, surcharge: 9 };
    expect(effectiveLaneCost(lane, 'A', [], opens, opens)).toBe(3);
    expect(effectiveLaneCost(lane, 'A', [during, before, otherHub, otherRegion], opens, opens)).toBe(6.5);
  });

  it('counts a shift that starts after opening but before the close', async () => {
    const late: CostShift = {
      regionId: 'R',
      hubId: 'B',
      from: '2025-03-18T00:00:00Z',
      to: '2025-03-30T00:00:00Z',
      surcharge: 0.5,
    };
    const open = await planAllocation(twoLanes(5, [late]), { solver: 'lp' });
    expect(unitsAt(open, 'B')).toBe(10); // window = the opening day only
    const windowed = await planAllocation(
      { ...twoLanes(5, [late]), closesAt: '2025-03-20T00:00:00Z' },
      { solver: 'lp' },
    );
    expect(unitsAt(windowed, 'A')).toBe(10);
  });

  it('charges inbound freight per unit placed and picks the hub with the cheaper freight', async () => {
    const input = twoLanes();
    input.hubs.forEach((h) => (h.lanes[0]!.shippingCostPerUnit = 0.5));
    input.skus[0]!.sourcing = [supplier({ inboundFreightPerUnitByHub: { A: 0.1, B: 0.4 } })];
    for (const [, policy] of solvers) {
      const plan = await planAllocation(input, policy);
      expect(unitsAt(plan, 'A')).toBe(10);
      expect(plan.totals.cost.inbound).toBeCloseTo(1, 9);
      expect(plan.totals.objectiveValue).toBeCloseTo(10 * (5 - 0.5 - 0.1), 9);
    }
  });

  it("adds a fallback's own premium to the price difference, and skips the fallback when that leaves no margin", async () => {
    const input = twoLanes();
    input.hubs[1]!.capacityUnits = 20;
    input.demand = [{ skuId: 'S', regionId: 'R', demand: sampleDemand([14]) }];
    input.skus[0]!.sourcing = [
      supplier({ unitsAvailable: 10 }),
      supplier({ supplierId: 'fb', unitCost: 11, fallbackPremiumPerUnit: 3 }),
    ];
    // fallback unit: 5 − 0.6 − (1 + 3) = 0.4 > 0 → used for the 4 extra units
    const plan = await planAllocation(input, { solver: 'lp' });
    expect(plan.totals.unitsPlaced).toBe(14);
    expect(plan.totals.cost.fallbackPremium).toBeCloseTo(16, 9);
    input.skus[0]!.sourcing[1]!.fallbackPremiumPerUnit = 4; // 5 − 0.6 − 5 < 0
    for (const [, policy] of solvers) expect((await planAllocation(input, policy)).totals.unitsPlaced).toBe(10);
  });

  it('splits the cost over regions so the parts sum to the total, on a random instance (fast and LP agree within 0.1%)', async () => {
    const regions = ['R1', 'R2', 'R3', 'R4'];
    const input = baseInput({
      skus: ['S1', 'S2'].map((skuId) => ({
        skuId,
        sourcing: [supplier({ inboundFreightPerUnitByHub: { H1: 0.3, H2: 0.2 } })],
      })),
      hubs: ['H1', 'H2'].map((hubId, k) => ({
        hubId,
        capacityUnits: 60,
        handlingDays: 0,
        // each region has one hub within the promise (the other is too slow)
        lanes: regions.map((regionId, r) => ({
          regionId,
          transitDaysMin: 1,
          transitDaysMax: r % 2 === k ? 1 : 5,
          shippingCostPerUnit: 0.5 + r * 0.7,
        })),
      })),
      demand: ['S1', 'S2'].flatMap((skuId, s) =>
        regions.map((regionId, r) => ({ skuId, regionId, demand: negativeBinomialDemand(8 + 3 * r + s, 0.2) })),
      ),
    });
    const fast = await planAllocation(input, { solver: 'fast' });
    const lp = await planAllocation(input, { solver: 'lp', lpScenarioCount: 400 });
    for (const plan of [fast, lp]) {
      const parts = plan.totals.costByRegion.reduce((sum, r) => sum + r.total, 0);
      expect(parts).toBeCloseTo(plan.totals.cost.total, 6);
      expect(plan.totals.objectiveValue).toBeCloseTo(plan.totals.expectedValue - plan.totals.cost.total, 6);
      for (const r of plan.totals.costByRegion) expect(r.costPerUnit).toBeCloseTo(r.total / r.expectedUnits, 9);
    }
    expect(fast.solver.certified).toBe(true);
    expect(Math.abs(fast.totals.objectiveValue - lp.totals.objectiveValue) / lp.totals.objectiveValue).toBeLessThan(
      0.02,
    );
  });
});

describe('the pooled fast allocator with lanes of different costs', () => {
  it('reports a proven gap: its bound is above the LP optimum, and the plan within that gap', async () => {
    for (const seed of [1, 2]) {
      const input = buildPooledBenchInstance(seed);
      const random = mulberry32(seed + 100);
      input.hubs.forEach((h) => h.lanes.forEach((l) => (l.shippingCostPerUnit = Math.round(random() * 40) / 10)));
      const fast = await planAllocation(input, { solver: 'fast' });
      const lp = await planAllocation(input, { solver: 'lp' });
      expect(fast.solver.name).toBe('fast-pooled');
      expect(fast.solver.certified).toBe(true);
      const bound = fast.totals.objectiveValue / (1 - fast.solver.gapBound!);
      // the LP's scenarios are the pooled allocator's: its optimum is below the bound
      expect(lp.totals.objectiveValue).toBeLessThanOrEqual(bound * (1 + 1e-6));
      expect(fast.totals.objectiveValue).toBeLessThanOrEqual(lp.totals.objectiveValue * (1 + 1e-6));
    }
  });
});

/**
 * Two hubs, each the only one reaching its region (demand exactly 10 in each), a unit worth 4;
 * the primary (10 units) ships to H1 free and to H2 at 5, the fallback (same unit cost, no
 * premium) the other way round.
 */
function twoSuppliers(primaryUnits = 10): AllocationInput {
  const hub = (hubId: string, regionId: string) => ({
    hubId,
    capacityUnits: 10,
    handlingDays: 0,
    lanes: [{ regionId, transitDaysMin: 1, transitDaysMax: 1 }],
  });
  return baseInput({
    skus: [
      {
        skuId: 'S',
        sourcing: [
          supplier({ supplierId: 'P', unitsAvailable: primaryUnits, inboundFreightPerUnitByHub: { H1: 0, H2: 5 } }),
          supplier({
            supplierId: 'F',
            kind: 'warehouse',
            unitsAvailable: 10,
            inboundFreightPerUnitByHub: { H1: 5, H2: 0 },
          }),
        ],
      },
    ],
    hubs: [hub('H1', 'R1'), hub('H2', 'R2')],
    demand: [
      { skuId: 'S', regionId: 'R1', demand: sampleDemand([10]) },
      { skuId: 'S', regionId: 'R2', demand: sampleDemand([10]) },
    ],
    economics: { valuePerFastUnit: 4, leftoverCostPerUnit: 0, holdingCostPerUnit: 0 },
  });
}

describe.each(solvers)('inbound freight per supplier, %s', (_name, policy) => {
  it('stocks H2 from the supplier that ships there free: 10 at each hub, objective 80 (the first supplier’s freight alone: H2 empty, 40)', async () => {
    const plan = await planAllocation(twoSuppliers(), policy);
    expect(unitsAt(plan, 'H1')).toBe(10);
    expect(unitsAt(plan, 'H2')).toBe(10);
    expect(plan.totals.cost.inbound).toBeCloseTo(0, 9);
    expect(plan.totals.objectiveValue).toBeCloseTo(80, 9);
    const lines = plan.supplierOrders
      .flatMap((o) => o.lines)
      .map((l) => [l.supplierId, l.destinationHubId, l.quantity]);
    expect(lines.sort()).toEqual([
      ['F', 'H2', 10],
      ['P', 'H1', 10],
    ]);
    expect(plan.solver.certified).toBe(false);
    expect(plan.solver.notes.join(' ')).toMatch(/different inbound freight/);
  });

  it('counts the freight of the supplier its orders route from, and never keeps a worse plan than the first', async () => {
    // A primary with 20 units serves both hubs first (priority), paying 5 into H2 where a unit is worth 4.
    const plan = await planAllocation(twoSuppliers(20), policy);
    expect(unitsAt(plan, 'H1')).toBe(10);
    expect(plan.totals.objectiveValue).toBeGreaterThanOrEqual(40 - 1e-9);
    const paid = plan.supplierOrders
      .flatMap((o) => o.lines)
      .reduce(
        (n, l) =>
          n +
          l.quantity *
            (l.supplierId === 'P' ? (l.destinationHubId === 'H2' ? 5 : 0) : l.destinationHubId === 'H1' ? 5 : 0),
        0,
      );
    expect(plan.totals.cost.inbound).toBeCloseTo(paid, 9);
  });
});
