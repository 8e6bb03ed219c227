/**
 * Regional tier reserves in the plan (issue 16): the units a region's tiers reserve sit at the hub
 * serving that region. Reference cases (docs/allocation.md), for every solver.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planAllocation } from '../../../../src/modules/allocation/core/plan-allocation';
import { reserveFloors, reserveShortfalls } from '../../../../src/modules/allocation/core/regional-reserves';
import { sampleDemand } from '../../../../src/modules/allocation/core/demand-distribution';
import type {
  AllocationInput,
  AllocationPlan,
  AllocationPolicy,
  RegionalReserve,
} from '../../../../src/modules/allocation/core/plan-types';
import { baseInput, supplier } from './allocation-factory';

/**
 * One SKU, 100 units; hub A serves region N only, hub B region E only (lanes cost nothing); demand
 * exactly 90 in N and 10 in E, worth 10 a unit delivered; leftover `leftover` a unit.
 */
function reserveCase(
  reserves: RegionalReserve[],
  options: { capacityB?: number; units?: number; leftover?: number } = {},
): AllocationInput {
  const hub = (hubId: string, regionId: string, capacityUnits: number) => ({
    hubId,
    capacityUnits,
    handlingDays: 0,
    lanes: [{ regionId, transitDaysMin: 1, transitDaysMax: 1 }],
  });
  const units = options.units ?? 100;
  return baseInput({
    skus: [{ skuId: 'S', sourcing: [supplier({ unitsAvailable: units, capacityUnits: units })] }],
    hubs: [hub('A', 'N', 1_000), hub('B', 'E', options.capacityB ?? 1_000)],
    demand: [
      { skuId: 'S', regionId: 'N', demand: sampleDemand([90]) },
      { skuId: 'S', regionId: 'E', demand: sampleDemand([10]) },
    ],
    baselineDaysByRegion: { N: 5, E: 5 },
    economics: { valuePerFastUnit: 10, leftoverCostPerUnit: options.leftover ?? 0, holdingCostPerUnit: 0 },
    regionalReserves: reserves,
  });
}

const holdersInE: RegionalReserve = { tier: 'holders', skuId: 'S', regionId: 'E', share: 0.3 };

const solvers: [string, AllocationPolicy][] = [
  ['fast', { solver: 'fast' }],
  ['fast (no pooling)', { solver: 'fast', pooling: false }],
  ['LP', { solver: 'lp' }],
  ['auto', {}],
];

const unitsAt = (plan: AllocationPlan, hubId: string): number =>
  plan.allocations.filter((a) => a.hubId === hubId).reduce((sum, a) => sum + a.units, 0);

describe.each(solvers)('regional tier reserves in the plan, %s', (_name, policy) => {
  it('without reserves: 90 units at A, 10 at B, objective 1,000', async () => {
    const plan = await planAllocation(reserveCase([]), policy);
    expect([unitsAt(plan, 'A'), unitsAt(plan, 'B')]).toEqual([90, 10]);
    expect(plan.totals.objectiveValue).toBeCloseTo(1_000, 6);
  });

  it("holders' 30 % for E: 30 units at B (E's hub), 70 at A; objective (70 + 10) × 10 = 800", async () => {
    const plan = await planAllocation(reserveCase([holdersInE]), policy);
    expect([unitsAt(plan, 'A'), unitsAt(plan, 'B')]).toEqual([70, 30]);
    expect(plan.totals.objectiveValue).toBeCloseTo(800, 6);
    expect(plan.solver.notes.join('\n')).toMatch(/regional tier reserves: 30 unit\(s\) placed/);
  });

  it("two tiers' reserves for E add up: 30 % + 15 % → 45 units at B", async () => {
    const members: RegionalReserve = { tier: 'members', skuId: 'S', regionId: 'E', share: 0.15 };
    const plan = await planAllocation(reserveCase([holdersInE, members]), policy);
    expect([unitsAt(plan, 'A'), unitsAt(plan, 'B')]).toEqual([55, 45]);
  });

  it("a reserve the plan already meets changes nothing: 5 % for E is 5 units, B holds E's 10", async () => {
    const plan = await planAllocation(reserveCase([{ ...holdersInE, share: 0.05 }]), policy);
    expect([unitsAt(plan, 'A'), unitsAt(plan, 'B')]).toEqual([90, 10]);
    expect(plan.solver.notes.join('\n')).toMatch(/already holds their 5 unit\(s\)/);
  });

  it('B has room for 20: 20 at B, 80 at A, and the plan says the reserve is short there', async () => {
    const plan = await planAllocation(reserveCase([holdersInE], { capacityB: 20 }), policy);
    expect([unitsAt(plan, 'A'), unitsAt(plan, 'B')]).toEqual([80, 20]);
    expect(plan.solver.notes.join('\n')).toMatch(/short .*S at B 20 of 30/);
  });

  it('stock to spare: the reserve grows with the units it adds, and the plan ends where it holds', async () => {
    // Unconstrained: 100 placed (90 + 10). 30 % of what the plan places must sit at B, and the extra
    // units at B raise the plan's total: the floors settle where floor(0.3 × total) ≤ units at B.
    const plan = await planAllocation(reserveCase([holdersInE], { units: 1_000, leftover: 0.5 }), policy);
    const total = unitsAt(plan, 'A') + unitsAt(plan, 'B');
    expect(unitsAt(plan, 'A')).toBe(90);
    expect(unitsAt(plan, 'B')).toBeGreaterThanOrEqual(Math.floor(0.3 * total + 1e-9));
    // and no more than the reserve needs: one unit fewer at B would break it
    expect(unitsAt(plan, 'B') - 1).toBeLessThan(Math.floor(0.3 * (total - 1) + 1e-9));
  });
});

describe('reserve floors and shortfalls', () => {
  const plan = {
    allocations: [
      { skuId: 'S', hubId: 'A', units: 70 },
      { skuId: 'S', hubId: 'B', units: 25 },
      { skuId: 'T', hubId: 'B', units: 10 },
    ],
  };
  it("floor(share × the plan's units of the SKU), tiers of a region summed, regions apart", () => {
    const floors = reserveFloors(plan, [
      holdersInE,
      { tier: 'members', skuId: 'S', regionId: 'E', share: 0.01 },
      { tier: 'holders', skuId: 'S', regionId: 'W', share: 0.1 },
      { tier: 'holders', skuId: 'T', regionId: 'E', share: 0.05 },
    ]);
    // S: 95 units → 28 + 0 for E, 9 for W; T: 10 units → 0 (no floor)
    expect(floors).toEqual([
      { skuId: 'S', regionId: 'E', units: 28 },
      { skuId: 'S', regionId: 'W', units: 9 },
    ]);
  });
  it("a hub serving two regions must hold both regions' reserves", () => {
    const floors = [
      { skuId: 'S', regionId: 'E', units: 20 },
      { skuId: 'S', regionId: 'W', units: 9 },
    ];
    const servingHub = new Map([
      ['E', 'B'],
      ['W', 'B'],
    ]);
    expect(reserveShortfalls(plan, floors, servingHub)).toEqual([{ skuId: 'S', hubId: 'B', reserved: 29, placed: 25 }]);
    expect(reserveShortfalls(plan, floors.slice(0, 1), servingHub)).toEqual([]);
  });
});

describe('regional reserves, any instance (fast-check)', () => {
  /**
   * Hubs h0..h{H−1}, hub i serves region i only (so the fast allocator is exact and agrees with the
   * LP on one deterministic scenario); SKUs with their own stock; hub room may bind.
   */
  const instance = fc
    .record({
      hubs: fc.integer({ min: 2, max: 4 }),
      skus: fc.integer({ min: 1, max: 3 }),
      seed: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 12, maxLength: 12 }),
      capacity: fc.integer({ min: 15, max: 200 }),
      stock: fc.integer({ min: 20, max: 150 }),
      reserves: fc.array(
        fc.record({
          sku: fc.integer({ min: 0, max: 2 }),
          region: fc.integer({ min: 0, max: 3 }),
          share: fc.integer({ min: 1, max: 40 }).map((p) => p / 100),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    })
    .map(({ hubs, skus, seed, capacity, stock, reserves }) => {
      const regionIds = Array.from({ length: hubs }, (_, i) => `r${i}`);
      const input = baseInput({
        skus: Array.from({ length: skus }, (_, s) => ({
          skuId: `s${s}`,
          sourcing: [supplier({ supplierId: `f${s}`, unitsAvailable: stock, capacityUnits: stock })],
        })),
        hubs: regionIds.map((regionId, i) => ({
          hubId: `h${i}`,
          capacityUnits: capacity,
          handlingDays: 0,
          lanes: [{ regionId, transitDaysMin: 1, transitDaysMax: 1 }],
        })),
        demand: Array.from({ length: skus }, (_, s) =>
          regionIds.map((regionId, i) => ({
            skuId: `s${s}`,
            regionId,
            demand: sampleDemand([seed[(s * 4 + i) % seed.length]!]),
          })),
        ).flat(),
        economics: { valuePerFastUnit: 10, leftoverCostPerUnit: 1, holdingCostPerUnit: 0 },
        regionalReserves: reserves
          .filter((r) => r.sku < skus && r.region < hubs)
          .map((r) => ({ tier: 't', skuId: `s${r.sku}`, regionId: `r${r.region}`, share: r.share })),
      });
      return input;
    });

  it('the plan holds every region reserve at its hub, or names the hub where stock or room falls short; fast and LP agree', async () => {
    await fc.assert(
      fc.asyncProperty(instance, async (input) => {
        const servingHub = new Map(input.hubs.map((h) => [h.lanes[0]!.regionId, h.hubId]));
        const plans = [
          await planAllocation(input, { solver: 'fast', pooling: false }),
          await planAllocation(input, { solver: 'lp' }),
        ];
        for (const plan of plans) {
          const short = reserveShortfalls(plan, reserveFloors(plan, input.regionalReserves!), servingHub);
          const notes = plan.solver.notes.join('\n');
          for (const s of short) {
            expect(notes).toContain(`${s.skuId} at ${s.hubId} ${s.placed} of ${s.reserved}`);
            // short only where the hub is full or the SKU's stock is all placed
            const hub = input.hubs.find((h) => h.hubId === s.hubId)!;
            const atHub = plan.allocations.filter((a) => a.hubId === s.hubId).reduce((n, a) => n + a.units, 0);
            const ofSku = plan.allocations.filter((a) => a.skuId === s.skuId).reduce((n, a) => n + a.units, 0);
            expect(atHub >= hub.capacityUnits || ofSku >= input.skus[0]!.sourcing[0]!.unitsAvailable).toBe(true);
          }
          for (const h of input.hubs) {
            const atHub = plan.allocations.filter((a) => a.hubId === h.hubId).reduce((n, a) => n + a.units, 0);
            expect(atHub).toBeLessThanOrEqual(h.capacityUnits);
          }
        }
        const [fast, lp] = plans as [AllocationPlan, AllocationPlan];
        if (fast.solver.notes.join().includes('short') || lp.solver.notes.join().includes('short')) return;
        if (
          JSON.stringify(reserveFloors(fast, input.regionalReserves!)) !==
          JSON.stringify(reserveFloors(lp, input.regionalReserves!))
        )
          return; // the floors settled on different totals (ties in what to place): not comparable
        expect(fast.totals.objectiveValue).toBeCloseTo(lp.totals.objectiveValue, 6);
      }),
      { numRuns: 40, seed: 16 },
    );
  });
});
