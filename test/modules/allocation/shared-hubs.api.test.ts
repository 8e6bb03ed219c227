import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseBody } from '../../../src/http/contract';
import {
  computeFastPlan,
  createPlanningScenario,
  createSecondDrop,
  type PlanningScenario,
} from '../../factories/plan-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';
import type { Schemas } from '../../../src/client';
import { answer } from '../../harness/answers';
import { dropBody } from '../../factories/catalog-factory';

type Plan = ResponseBody<'getPlan', 200>;

let app: TestApp;
let s: PlanningScenario;
let dropB: string;
beforeAll(async () => {
  app = await startTestApp();
  s = await createPlanningScenario(app);
  dropB = await createSecondDrop(app, s, [40, 60]);
});
afterAll(() => app.close());

const compute = (dropId: string): Promise<Plan> => computeFastPlan(app, dropId);
const unitsAt = (plan: Plan, hubId: string) =>
  plan.allocations.filter((a) => a.hub_id === hubId).reduce((n, a) => n + a.units, 0);
const setHubBCapacity = async (capacity: number) => {
  const hub = await answer(app.client().GET('/v1/hubs/{hubId}', { params: { path: { hubId: s.hubBId } } }));
  const { id: _id, created_at: _c, updated_at: _u, ...given } = hub.data as Record<string, unknown>;
  const body = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== null));
  const res = await answer(
    app.client().PUT('/v1/hubs/{hubId}', {
      params: { path: { hubId: s.hubBId } },
      body: { ...(body as Schemas['HubInput']), capacity_units: capacity },
    }),
  );
  expect(res.status, res.text).toBe(200);
};

describe('supplier capacity is shared across drops', () => {
  it("orders from a supplier only what other drops' plans leave of its capacity", async () => {
    const supplier = await answer(
      app.client().GET('/v1/suppliers/{supplierId}', { params: { path: { supplierId: s.supplierId } } }),
    );
    const { id: _id, created_at: _c, updated_at: _u, ...given } = supplier.data as Record<string, unknown>;
    const body = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== null));
    const a = await compute(s.dropId);
    const fromSupplier = (plan: Plan) =>
      plan.supplier_orders.filter((o) => o.supplier_id === s.supplierId).reduce((n, o) => n + o.quantity, 0);
    const capacity = fromSupplier(a) + 25;
    const put = await answer(
      app.client().PUT('/v1/suppliers/{supplierId}', {
        params: { path: { supplierId: s.supplierId } },
        body: { ...(body as Schemas['SupplierInput']), capacity_units: capacity },
      }),
    );
    expect(put.status, put.text).toBe(200);
    const b = await compute(dropB);
    expect(fromSupplier(b)).toBeLessThanOrEqual(25);
    const restore = await answer(
      app.client().PUT('/v1/suppliers/{supplierId}', {
        params: { path: { supplierId: s.supplierId } },
        body: body as Schemas['SupplierInput'],
      }),
    );
    expect(restore.status, restore.text).toBe(200);
  });
});

describe('hub capacity is shared across drops', () => {
  // The issue: two published drops on the same hubs were each planned as if they had the hubs to
  // themselves (722/515, 376/188, …).
  it('plans a second drop around what the first drop holds at the same hubs, and names the binding hub', async () => {
    const a = await compute(s.dropId);
    expect(unitsAt(a, s.hubBId)).toBe(40); // hub B (capacity 40) is full with drop A
    const published = await answer(
      app.client().POST('/v1/plans/{planId}/publish', { params: { path: { planId: a.id } } }),
    );
    expect(published.status, published.text).toBe(200);

    const b = await compute(dropB);
    expect(unitsAt(a, s.hubBId) + unitsAt(b, s.hubBId)).toBeLessThanOrEqual(40);
    expect(unitsAt(a, s.hubId) + unitsAt(b, s.hubId)).toBeLessThanOrEqual(500);
    expect(b.solver.shared_hub_capacity).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          hub_id: s.hubBId,
          capacity_units: 40,
          held_by_other_plans: 40,
          held_by_drop_ids: [s.dropId],
          binding: true,
        }),
      ]),
    );
    expect(b.unserved_regions.some((u) => u.region_id === s.regionIds[1] && u.reason === 'no-stock')).toBe(true);
  });

  it('refuses to publish a plan that would overbook a hub (409 naming it), and changes nothing', async () => {
    // Drop B's draft takes hub B while it has room; then drop A's new plan is published there and
    // the hub shrinks back, so drop B's draft no longer fits.
    await setHubBCapacity(80);
    const b = await compute(dropB);
    expect(unitsAt(b, s.hubBId)).toBeGreaterThan(0);
    await setHubBCapacity(40);
    const res = await answer(app.client().POST('/v1/plans/{planId}/publish', { params: { path: { planId: b.id } } }));
    expect(res.status, res.text).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.error).toMatchObject({ reason: 'hub_capacity_overbooked' });
    expect((res.error as unknown as { hubs: { hub_id: string; held_by_drop_ids: string[] }[] }).hubs).toEqual([
      expect.objectContaining({
        hub_id: s.hubBId,
        capacity_units: 40,
        held_by_other_plans: 40,
        held_by_drop_ids: [s.dropId],
      }),
    ]);
    const after = await answer(app.client().GET('/v1/plans/{planId}', { params: { path: { planId: b.id } } }));
    expect(after.data).toMatchObject({ status: 'draft', published_at: null });
  });
});

describe('only drops whose windows overlap share a hub', () => {
  it('ignores what a drop holds at a hub once the other drop opens when it closes, and counts it again when they overlap', async () => {
    const moveDropB = async (opensAt: string, closesAt: string) => {
      const body = { ...dropBody(s.creatorId, s.regionIds), opens_at: opensAt, closes_at: closesAt };
      const res = await answer(app.client().PUT('/v1/drops/{dropId}', { params: { path: { dropId: dropB } }, body }));
      expect(res.status, res.text).toBe(200);
    };
    const original = dropBody(s.creatorId, s.regionIds);
    // Drop A's published plan fills hub B over [opens_at, closes_at]; drop B opening at its close does not overlap.
    await moveDropB(original.closes_at, '2026-12-07T17:00:00Z');
    const apart = await compute(dropB);
    expect((apart.solver.shared_hub_capacity ?? []).find((h) => h.hub_id === s.hubBId)).toBeUndefined();
    expect(unitsAt(apart, s.hubBId)).toBeGreaterThan(0);

    await moveDropB(original.opens_at, original.closes_at);
    const together = await compute(dropB);
    expect(together.solver.shared_hub_capacity).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ hub_id: s.hubBId, held_by_other_plans: 40, held_by_drop_ids: [s.dropId] }),
      ]),
    );
  });
});
