/**
 * Pickup demand in the plan: a region's pickup share is served at its pickup hub only, so stock goes
 * where collectors go. Reference case (docs/allocation.md), for every solver.
 */
import { describe, expect, it } from 'vitest';
import { planAllocation } from '../../../../src/modules/allocation/core/plan-allocation';
import {
  pickupRegionId,
  routePickupDemand,
  thinDemand,
  type PickupDemandRoute,
} from '../../../../src/modules/allocation/core/pickup-demand';
import {
  distributionMean,
  negativeBinomialDemand,
  negativeBinomialPmf,
  sampleDemand,
  toPmf,
} from '../../../../src/modules/allocation/core/demand-distribution';
import type { AllocationInput, AllocationPolicy } from '../../../../src/modules/allocation/core/plan-types';
import { baseInput, supplier } from './allocation-factory';

/** One region R, demand exactly 10, value 5 per unit in promise; hub A lane 0.6, hub B (pickup) lane 1.0. */
function pickupCase(routes: PickupDemandRoute[], capacityB = 10): AllocationInput {
  const hub = (hubId: string, cost: number, capacityUnits: number) => ({
    hubId,
    capacityUnits,
    handlingDays: 0,
    lanes: [{ regionId: 'R', transitDaysMin: 1, transitDaysMax: 1, shippingCostPerUnit: cost }],
  });
  return routePickupDemand(
    baseInput({
      skus: [{ skuId: 'S', sourcing: [supplier()] }],
      hubs: [hub('A', 0.6, 10), hub('B', 1.0, capacityB)],
      demand: [{ skuId: 'S', regionId: 'R', demand: sampleDemand([10]) }],
      baselineDaysByRegion: { R: 5 },
      economics: { valuePerFastUnit: 5, leftoverCostPerUnit: 0, holdingCostPerUnit: 0 },
    }),
    routes,
  );
}

/**
 * The pooled fast allocator places the same units but routes a pooled region's sales by reachability,
 * not lane cost, so its objective is within its reported gap of the exact one (the LP's).
 */
const solvers: [string, AllocationPolicy, boolean][] = [
  ['fast (pooled)', { solver: 'fast' }, false],
  ['fast (no pooling)', { solver: 'fast', pooling: false }, true],
  ['LP', { solver: 'lp' }, true],
];

function expectObjective(plan: Awaited<ReturnType<typeof planAllocation>>, value: number, exact: boolean) {
  if (exact) expect(plan.totals.objectiveValue).toBeCloseTo(value, 9);
  else {
    expect(plan.totals.objectiveValue).toBeLessThanOrEqual(value + 1e-9);
    expect(plan.totals.objectiveValue).toBeGreaterThanOrEqual(value * (1 - (plan.solver.gapBound ?? 0)) - 1e-9);
  }
}

const unitsAt = (plan: Awaited<ReturnType<typeof planAllocation>>, hubId: string): number =>
  plan.allocations.filter((a) => a.hubId === hubId).reduce((sum, a) => sum + a.units, 0);

describe.each(solvers)('pickup demand in the plan, %s', (_name, policy, exact) => {
  it('without pickup: all 10 units at the cheaper hub A, objective 10 × (5 − 0.6) = 44', async () => {
    const plan = await planAllocation(pickupCase([]), policy);
    expect([unitsAt(plan, 'A'), unitsAt(plan, 'B')]).toEqual([10, 0]);
    expectObjective(plan, 44, exact);
  });

  it('pickup share 0.4 at B: 4 units go to B for its collectors, 6 stay at A; objective 6 × 4.4 + 4 × 5 = 46.4', async () => {
    const plan = await planAllocation(pickupCase([{ regionId: 'R', hubId: 'B', share: 0.4 }]), policy);
    expect([unitsAt(plan, 'A'), unitsAt(plan, 'B')]).toEqual([6, 4]);
    expectObjective(plan, 46.4, exact);
  });

  it('pickup share 0.4 at B with room for 2 there: 2 at B, and A does not serve the collectors', async () => {
    const plan = await planAllocation(pickupCase([{ regionId: 'R', hubId: 'B', share: 0.4 }], 2), policy);
    expect([unitsAt(plan, 'A'), unitsAt(plan, 'B')]).toEqual([6, 2]);
    expectObjective(plan, 6 * 4.4 + 2 * 5, exact);
  });
});

describe('routing pickup demand', () => {
  it('adds a region reachable only from the pickup hub, with 0 transit days and no shipping cost', () => {
    const input = pickupCase([{ regionId: 'R', hubId: 'B', share: 0.3 }]);
    const pickup = pickupRegionId('R', 'B');
    expect(input.demand.map((d) => [d.regionId, distributionMean(d.demand)])).toEqual([
      ['R', 7],
      [pickup, 3],
    ]);
    expect(input.hubs.find((h) => h.hubId === 'A')!.lanes.map((l) => l.regionId)).toEqual(['R']);
    expect(input.hubs.find((h) => h.hubId === 'B')!.lanes.at(-1)).toEqual({
      regionId: pickup,
      transitDaysMin: 0,
      transitDaysMax: 0,
      shippingCostPerUnit: 0,
      shippingCostPerShipment: 0,
    });
    expect(input.baselineDaysByRegion[pickup]).toBe(5);
  });

  it('changes nothing for a share of 0 or an unknown hub', () => {
    const plain = pickupCase([]);
    expect(pickupCase([{ regionId: 'R', hubId: 'B', share: 0 }])).toEqual(plain);
    expect(pickupCase([{ regionId: 'R', hubId: 'Z', share: 0.5 }])).toEqual(plain);
  });

  it('thins a negative binomial to NB(sμ, α) and a pmf term by term, both summing to 1 with mean s·μ', () => {
    expect(thinDemand(negativeBinomialDemand(20, 0.3), 0.25)).toEqual(negativeBinomialDemand(5, 0.3));
    const pmf = { kind: 'pmf' as const, probabilities: negativeBinomialPmf(12, 0.2) };
    const thinned = toPmf(thinDemand(pmf, 0.3));
    expect(thinned.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 7);
    expect(distributionMean({ kind: 'pmf', probabilities: thinned })).toBeCloseTo(0.3 * distributionMean(pmf), 6);
  });
});
