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

type Plan = ResponseBody<'getPlan', 200>;

let app: TestApp;
let s: PlanningScenario;
let dropB: string;
beforeAll(async () => {
  app = await startTestApp();
  s = await createPlanningScenario(app);
  dropB = await createSecondDrop(app, s, [40]);
});
afterAll(() => app.close());

const compute = (dropId: string): Promise<Plan> => computeFastPlan(app, dropId);
const fromSupplier = (plan: Plan, supplierId: string) =>
  plan.supplier_orders.filter((o) => o.supplier_id === supplierId).reduce((n, o) => n + o.quantity, 0);
async function setSupplierCapacity(capacity: number): Promise<void> {
  const supplier = await answer(
    app.client().GET('/v1/suppliers/{supplierId}', { params: { path: { supplierId: s.supplierId } } }),
  );
  const { id: _id, created_at: _c, updated_at: _u, ...given } = supplier.data as Record<string, unknown>;
  const body = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== null));
  const put = await answer(
    app.client().PUT('/v1/suppliers/{supplierId}', {
      params: { path: { supplierId: s.supplierId } },
      body: { ...(body as Schemas['SupplierInput']), capacity_units: capacity },
    }),
  );
  expect(put.status, put.text).toBe(200);
}

describe('publishing re-checks supplier capacity across drops', () => {
  it('refuses a plan whose supplier orders, with other published plans, exceed the supplier (409 naming it), and changes nothing', async () => {
    const a = await compute(s.dropId);
    const ordersA = fromSupplier(a, s.supplierId);
    expect(ordersA).toBeGreaterThan(0);
    const publishedA = await answer(
      app.client().POST('/v1/plans/{planId}/publish', { params: { path: { planId: a.id } } }),
    );
    expect(publishedA.status, publishedA.text).toBe(200);

    // Drop B's draft orders from the supplier while it has room; then the supplier shrinks so that
    // drop A's published orders and drop B's draft no longer fit together.
    const b = await compute(dropB);
    const ordersB = fromSupplier(b, s.supplierId);
    expect(ordersB).toBeGreaterThan(0);
    const capacity = ordersA + ordersB - 1;
    await setSupplierCapacity(capacity);

    const res = await answer(app.client().POST('/v1/plans/{planId}/publish', { params: { path: { planId: b.id } } }));
    expect(res.status, res.text).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.error).toMatchObject({ reason: 'supplier_capacity_overbooked' });
    expect((res.error as unknown as { suppliers: unknown[] }).suppliers).toEqual([
      {
        supplier_id: s.supplierId,
        date: null,
        capacity_units: capacity,
        plan_units: ordersB,
        held_by_other_plans: ordersA,
        held_by_drop_ids: [s.dropId],
      },
    ]);
    // Nothing half-written: B is still a draft, A still the published plan of its drop, no event.
    const afterB = await answer(app.client().GET('/v1/plans/{planId}', { params: { path: { planId: b.id } } }));
    expect(afterB.data).toMatchObject({ status: 'draft', published_at: null });
    const afterA = await answer(app.client().GET('/v1/plans/{planId}', { params: { path: { planId: a.id } } }));
    expect(afterA.data).toMatchObject({ status: 'published' });

    // With the supplier's capacity back, the same draft publishes.
    await setSupplierCapacity(ordersA + ordersB);
    const ok = await answer(app.client().POST('/v1/plans/{planId}/publish', { params: { path: { planId: b.id } } }));
    expect(ok.status, ok.text).toBe(200);
  });
});
