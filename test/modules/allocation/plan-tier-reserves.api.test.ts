/**
 * A plan places a region's tier reserves at the hub serving that region (issue 16), over HTTP on
 * PGlite and PostgreSQL: the same drop planned before and after its creator sets a members' reserve
 * of the cap for region 1. Region 1 is served by hub B (room for 40), which the forecast alone fills
 * with hoodies: the reserve takes its units of that room.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../../../src/client';
import { computeFastPlan, createPlanningScenario, type PlanningScenario } from '../../factories/plan-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';

let app: TestApp;
let s: PlanningScenario;

beforeAll(async () => {
  app = await startTestApp();
  s = await createPlanningScenario(app);
});
afterAll(() => app.close());

type Plan = Awaited<ReturnType<typeof computeFastPlan>>;
const unitsAt = (plan: Plan, skuId: string, hubId: string) =>
  plan.allocations.filter((a) => a.sku_id === skuId && a.hub_id === hubId).reduce((n, a) => n + a.units, 0);
const unitsOf = (plan: Plan, skuId: string) =>
  plan.allocations.filter((a) => a.sku_id === skuId).reduce((n, a) => n + a.units, 0);

describe('a regional tier reserve in the plan', () => {
  it('is placed at the hub serving its region, and the plan shows it there', async () => {
    // The cap: forecast 30 in region 0 (served by hub A) and 20 in region 1 (hub B).
    const before = await computeFastPlan(app, s.dropId);
    const share = 0.25;
    expect(unitsAt(before, s.secondSkuId, s.hubBId)).toBeLessThan(Math.floor(share * unitsOf(before, s.secondSkuId)));
    expect(unitsAt(before, s.skuId, s.hubBId)).toBe(40);

    await ok(
      app.client().PUT('/v1/drops/{dropId}/access', {
        params: { path: { dropId: s.dropId } },
        body: {
          tiers: [
            {
              name: 'members',
              window: { starts_at: '2026-12-01T00:00:00Z', ends_at: '2026-12-03T17:00:00Z' },
              reserves: [{ sku_id: s.secondSkuId, region_id: s.regionIds[1]!, share }],
            },
          ],
        },
      }),
    );
    const after = await computeFastPlan(app, s.dropId);
    const capUnits = unitsOf(after, s.secondSkuId);
    const reserved = Math.floor(share * capUnits + 1e-9);
    expect(reserved).toBeGreaterThan(0);
    expect(unitsAt(after, s.secondSkuId, s.hubBId)).toBeGreaterThanOrEqual(reserved);
    // Hub B's room is shared: the hoodies give way to the reserve.
    expect(unitsAt(after, s.skuId, s.hubBId) + unitsAt(after, s.secondSkuId, s.hubBId)).toBeLessThanOrEqual(40);
    expect(unitsAt(after, s.skuId, s.hubBId)).toBeLessThan(40);
    expect(after.solver.notes.join('\n')).toMatch(/regional tier reserves: \d+ unit\(s\) placed/);
    // The snapshot the plan rests on names the reserve.
    expect(after.catalog_snapshot['regional_reserves']).toEqual([
      { tier: 'members', sku_id: s.secondSkuId, region_id: s.regionIds[1]!, share },
    ]);

    const shown = await ok(app.client().GET('/v1/plans/{planId}', { params: { path: { planId: after.id } } }));
    const members = shown.tier_reserves?.find((r) => r.tier === 'members');
    expect(members).toMatchObject({ region_id: s.regionIds[1]!, plan_units: capUnits, reserved });
    expect(members!.units_at_serving_hub).toBe(unitsAt(after, s.secondSkuId, s.hubBId));
  });

  it('a what-if of the drop with 1.5 × the demand, on the LP, keeps the reserve in place too', async () => {
    const plan = await ok(
      app.client().POST('/v1/drops/{dropId}/plans/what-if', {
        params: { path: { dropId: s.dropId } },
        body: { solver: 'lp', overrides: { demand_multipliers: { drop: 1.5 } } },
      }),
    );
    expect(plan.status).toBe('what_if');
    const reserved = Math.floor(0.25 * unitsOf(plan, s.secondSkuId) + 1e-9);
    expect(reserved).toBeGreaterThan(0);
    expect(unitsAt(plan, s.secondSkuId, s.hubBId)).toBeGreaterThanOrEqual(reserved);
  });
});
