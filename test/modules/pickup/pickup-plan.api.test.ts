import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlanningScenario, type PlanningScenario } from '../../factories/plan-factory';
import { expectData } from '../../harness/answers';
import { startTestApp, type TestApp } from '../../harness/test-app';

/**
 * The plan counts pickup demand: hub A's lane to region 1 is too slow for the promise (hub B, small,
 * serves it), but A offers pickup to the regions its lanes reach; with half of region 1's demand
 * collecting at A, the plan places stock at A for those collectors.
 */
let app: TestApp;
let s: PlanningScenario;
beforeAll(async () => {
  app = await startTestApp();
  s = await createPlanningScenario(app);
});
afterAll(() => app.close());

const unitsAtA = (plan: { allocations: { hub_id: string; units: number }[] }) =>
  plan.allocations.filter((a) => a.hub_id === s.hubId).reduce((sum, a) => sum + a.units, 0);

describe('pickup demand in plans', () => {
  it("places stock at the pickup hub for a region's collectors, and shows only catalog regions", async () => {
    const plan = () =>
      expectData(
        201,
        app.client(s.creatorKey).POST('/v1/drops/{dropId}/plans', {
          params: { path: { dropId: s.dropId } },
          body: { solver: 'fast' },
        }),
      );
    const before = await plan();
    await expectData(
      200,
      app.client().PUT('/v1/hubs/{hubId}/pickup', {
        params: { path: { hubId: s.hubId } },
        body: {
          address_label: 'Hub A counter',
          slot_minutes: 30,
          units_per_slot: 10,
          opening_hours: [{ weekday: 1, opens: 8, closes: 20 }],
        },
      }),
    );
    await expectData(
      200,
      app.client(s.creatorKey).PUT('/v1/drops/{dropId}/pickup-shares', {
        params: { path: { dropId: s.dropId } },
        body: { shares: [{ region_id: s.regionIds[1]!, share: 0.5 }] },
      }),
    );
    const after = await plan();
    expect(unitsAtA(after)).toBeGreaterThan(unitsAtA(before) + 20);
    expect(after.catalog_snapshot).toMatchObject({
      pickup_routes: [{ region_id: s.regionIds[1]!, hub_id: s.hubId, share: 0.5 }],
    });
    expect(after.regions.some((r) => r.region_id.includes('@'))).toBe(false);
    expect(after.unserved_regions.some((r) => r.region_id.includes('@'))).toBe(false);
  });
});
