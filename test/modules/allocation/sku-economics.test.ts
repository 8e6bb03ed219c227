import { describe, expect, it } from 'vitest';
import { planAllocation, type AllocationPlan } from '../../../src/modules/allocation/core';
import { buildAllocationInput, type CatalogSnapshot } from '../../../src/modules/allocation/plan-input';

/** One hub with 100 slots, one region, two SKUs whose demand each fills it many times over. */
function snapshotOf(skus: { id: string; price: number; unit_cost: number }[]): CatalogSnapshot {
  return {
    taken_at: '2026-11-23T12:00:00.000Z',
    drop: {
      id: 'd',
      creator_id: 'c',
      opens_at: '2026-12-03T17:00:00.000Z',
      closes_at: '2026-12-05T17:00:00.000Z',
      promise_business_days: 2,
      baseline: {
        source: 'warehouse',
        paths: [{ region_id: 'r1', handling_days: 2, transit_days_min: 3, transit_days_max: 5 }],
      },
    },
    skus: skus.map((s) => ({
      ...s,
      sourcing: [{ supplier_id: 'p', units_available: 1000, available_on: '2026-11-25' }],
    })),
    suppliers: [
      {
        id: 'p',
        kind: 'microfactory',
        lead_time_days_min: 1,
        lead_time_days_max: 2,
        capacity_units: 5000,
        unit_cost: 10,
        min_order_units: 1,
        order_multiple: 1,
      },
    ],
    hubs: [
      {
        id: 'h',
        operator_partner_id: 'x',
        capacity_units: 100,
        handling_days: 0,
        lanes: [{ region_id: 'r1', transit_days_min: 1, transit_days_max: 2 }],
      },
    ],
    region_ids: ['r1'],
  };
}

const unitsOf = (plan: AllocationPlan, skuId: string) =>
  plan.allocations.filter((a) => a.skuId === skuId).reduce((sum, a) => sum + a.units, 0);

describe('per-SKU economics', () => {
  // The issue's reference: one blended margin split the 100 slots 50/50.
  it.each(['fast', 'lp'] as const)(
    'puts all 100 hub slots on the 90-margin hoodie, none on the 2-margin sticker (%s)',
    async (solver) => {
      const snapshot = snapshotOf([
        { id: 'hoodie', price: 120, unit_cost: 30 },
        { id: 'sticker', price: 3, unit_cost: 1 },
      ]);
      const cells = [
        { sku_id: 'hoodie', region_id: 'r1', mean: 500, dispersion: 0.05 },
        { sku_id: 'sticker', region_id: 'r1', mean: 500, dispersion: 0.05 },
      ];
      const input = buildAllocationInput(snapshot, cells, {}, new Date('2026-11-23T12:00:00Z'));
      const plan = await planAllocation(input, { solver, lpScenarioCount: 50 });
      expect(unitsOf(plan, 'hoodie')).toBe(100);
      expect(unitsOf(plan, 'sticker')).toBe(0);
      // objective = the hoodie's margin on (nearly) every unit, less its small holding cost
      expect(plan.totals.objectiveValue).toBeGreaterThan(100 * 90 * 0.99 - 100 * 0.3 - 1);
    },
  );

  it.each(['fast', 'lp'] as const)(
    'places none of a SKU whose value is below its cost, and says so for that SKU (%s)',
    async (solver) => {
      const snapshot = snapshotOf([
        { id: 'tee', price: 40, unit_cost: 10 },
        { id: 'mug', price: 8, unit_cost: 12 },
      ]);
      const cells = [
        { sku_id: 'tee', region_id: 'r1', mean: 20, dispersion: 0.1 },
        { sku_id: 'mug', region_id: 'r1', mean: 20, dispersion: 0.1 },
      ];
      const input = buildAllocationInput(snapshot, cells, {}, new Date('2026-11-23T12:00:00Z'));
      const plan = await planAllocation(input, { solver, lpScenarioCount: 50 });
      expect(unitsOf(plan, 'mug')).toBe(0);
      expect(unitsOf(plan, 'tee')).toBeGreaterThan(0);
      expect(plan.skuIssues.filter((i) => i.reason === 'value-below-cost').map((i) => i.skuId)).toEqual(['mug']);
    },
  );
});
