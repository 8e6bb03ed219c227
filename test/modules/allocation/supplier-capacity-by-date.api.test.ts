import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseBody } from '../../../src/http/contract';
import type { Schemas } from '../../../src/client';
import {
  computeFastPlan,
  createPlanningScenario,
  createSecondDrop,
  type PlanningScenario,
} from '../../factories/plan-factory';
import { freshId } from '../../factories/catalog-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';
import { expectData, expectProblem } from '../../harness/answers';

type Plan = ResponseBody<'getPlan', 200>;
type CapacityByDate = Schemas['SupplierCapacityDate'][];

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const api = () => app.client();
const getSupplier = (supplierId: string) =>
  expectData(200, api().GET('/v1/suppliers/{supplierId}', { params: { path: { supplierId } } }));
/** Replaces some fields of a supplier (PUT of the supplier as read, with the changes). */
async function changeSupplier(supplierId: string, change: Partial<Schemas['SupplierInput']>) {
  const { id: _id, created_at: _c, updated_at: _u, ...given } = await getSupplier(supplierId);
  return api().PUT('/v1/suppliers/{supplierId}', {
    params: { path: { supplierId } },
    body: { ...(given as Schemas['SupplierInput']), ...change },
  });
}
const setCapacityByDate = async (supplierId: string, capacity_by_date: CapacityByDate) =>
  expectData(200, changeSupplier(supplierId, { capacity_by_date }));
const getPlan = (planId: string) => expectData(200, api().GET('/v1/plans/{planId}', { params: { path: { planId } } }));
const publish = (planId: string, replan?: boolean) =>
  api().POST('/v1/plans/{planId}/publish', {
    params: { path: { planId } },
    ...(replan === undefined ? {} : { body: { replan_conflicting: replan } }),
  });
const ordersFrom = (plan: Plan, supplierId: string) => plan.supplier_orders.filter((o) => o.supplier_id === supplierId);
const unitsFrom = (plan: Plan, supplierId: string) => ordersFrom(plan, supplierId).reduce((n, o) => n + o.quantity, 0);
/** Units a plan's orders from a supplier ship by (on or before) a day. */
const shippedBy = (plan: Plan, supplierId: string, day: string) =>
  ordersFrom(plan, supplierId)
    .filter((o) => o.ship_by.slice(0, 10) <= day)
    .reduce((n, o) => n + o.quantity, 0);
const unitsAt = (plan: Plan, hubId: string) =>
  plan.allocations.filter((a) => a.hub_id === hubId).reduce((n, a) => n + a.units, 0);
const planCount = async (dropId: string) =>
  (await expectData(200, api().GET('/v1/drops/{dropId}/plans', { params: { path: { dropId } } }))).items.length;

describe('a supplier’s capacity by date in the catalog', () => {
  it('is stored and read back; negative units, a date given twice or a bad date → 422 naming the field, nothing written', async () => {
    const supplierId = freshId('supplier');
    const body: Schemas['SupplierInput'] = {
      name: 'Dated microfactory',
      kind: 'microfactory',
      lead_time_days_min: 1,
      lead_time_days_max: 3,
      capacity_units: 500,
      unit_cost: 9,
      capacity_by_date: [
        { date: '2026-11-26', units: 40 },
        { date: '2026-11-30', units: 60 },
      ],
    };
    const created = await expectData(
      201,
      api().PUT('/v1/suppliers/{supplierId}', { params: { path: { supplierId } }, body }),
    );
    expect(created.capacity_by_date).toEqual(body.capacity_by_date);
    const before = await getSupplier(supplierId);
    expect(before.capacity_by_date).toEqual(body.capacity_by_date);

    const refused: [CapacityByDate, string][] = [
      [
        [
          { date: '2026-11-26', units: 40 },
          { date: '2026-11-30', units: -1 },
        ],
        'capacity_by_date[1].units',
      ],
      [
        [
          { date: '2026-11-26', units: 40 },
          { date: '2026-11-26', units: 10 },
        ],
        'capacity_by_date[1].date',
      ],
      [[{ date: '2026-02-30', units: 40 }], 'capacity_by_date[0].date'],
      [[{ date: 'next tuesday', units: 40 }], 'capacity_by_date[0].date'],
    ];
    for (const [capacity_by_date, path] of refused) {
      const problem = await expectProblem(
        422,
        api().PUT('/v1/suppliers/{supplierId}', {
          params: { path: { supplierId } },
          body: { ...body, capacity_units: 900, capacity_by_date },
        }),
      );
      expect(problem.errors?.map((e) => e.path)).toEqual([path]);
      // nothing written: not the capacity by date, not the other fields of the same request
      expect(await getSupplier(supplierId)).toEqual(before);
    }
  });
});

describe('a plan ships a supplier with capacity by date in parts', () => {
  let s: PlanningScenario;
  beforeAll(async () => {
    s = await createPlanningScenario(app);
  });

  it('orders only the dates that arrive before opening, one part per date', async () => {
    // Clock 2026-11-23, drop opens 2026-12-03 17:00; the primary's lead time is 1–2 days, so the
    // 500 units ready on 2026-12-02 arrive too late.
    await setCapacityByDate(s.supplierId, [
      { date: '2026-11-26', units: 40 },
      { date: '2026-11-30', units: 40 },
      { date: '2026-12-02', units: 500 },
    ]);
    const plan = await computeFastPlan(app, s.dropId);
    expect(unitsFrom(plan, s.supplierId)).toBe(80);
    const days = new Set(ordersFrom(plan, s.supplierId).map((o) => o.ship_by.slice(0, 10)));
    expect([...days].sort()).toEqual(['2026-11-26', '2026-11-30']);
    expect(shippedBy(plan, s.supplierId, '2026-11-26')).toBe(40);
    // the rest comes from the fallback
    expect(unitsFrom(plan, s.fallbackSupplierId)).toBeGreaterThan(0);
  });
});

describe('publishing checks a supplier’s capacity by date, and may re-plan the other drop', () => {
  let s: PlanningScenario;
  let dropB: string;
  beforeAll(async () => {
    s = await createPlanningScenario(app);
    dropB = await createSecondDrop(app, s, [40]);
  });

  it('refuses orders that ship more by a date than is ready by then (409 naming supplier and date), nothing written; re-planning the other drop publishes both', async () => {
    await setCapacityByDate(s.supplierId, [{ date: '2026-11-26', units: 1000 }]);
    const a = await computeFastPlan(app, s.dropId);
    const unitsA = unitsFrom(a, s.supplierId);
    expect(unitsA).toBeGreaterThan(0);
    await expectData(200, publish(a.id));
    const b = await computeFastPlan(app, dropB);
    const unitsB = unitsFrom(b, s.supplierId);
    expect(unitsB).toBeGreaterThan(0);
    expect(shippedBy(b, s.supplierId, '2026-11-26')).toBe(unitsB);

    // The supplier now has one unit fewer ready on 2026-11-26 than both plans ship that day; in
    // total it still has room (capacity_units 1000, 500 more on 2026-11-30).
    const ready = unitsA + unitsB - 1;
    await setCapacityByDate(s.supplierId, [
      { date: '2026-11-26', units: ready },
      { date: '2026-11-30', units: 500 },
    ]);
    const problem = await expectProblem(409, publish(b.id));
    expect(problem).toMatchObject({ reason: 'supplier_capacity_overbooked' });
    expect((problem as unknown as { suppliers: unknown[] }).suppliers).toEqual([
      {
        supplier_id: s.supplierId,
        date: '2026-11-26',
        capacity_units: ready,
        plan_units: unitsB,
        held_by_other_plans: unitsA,
        held_by_drop_ids: [s.dropId],
      },
    ]);
    expect(await getPlan(b.id)).toMatchObject({ status: 'draft', published_at: null });
    expect(await getPlan(a.id)).toMatchObject({ status: 'published' });

    // Re-planning drop A cannot help when drop B alone ships more by that date than is ready.
    await setCapacityByDate(s.supplierId, [
      { date: '2026-11-26', units: unitsB - 1 },
      { date: '2026-11-30', units: 500 },
    ]);
    const plansOfA = await planCount(s.dropId);
    const still = await expectProblem(409, publish(b.id, true));
    expect(still).toMatchObject({ reason: 'supplier_capacity_overbooked' });
    expect(await planCount(s.dropId)).toBe(plansOfA); // no re-plan of drop A stored
    expect(await getPlan(a.id)).toMatchObject({ status: 'published' });
    expect(await getPlan(b.id)).toMatchObject({ status: 'draft' });

    // With room for drop B on 2026-11-26, drop A is re-planned around it in the same call.
    await setCapacityByDate(s.supplierId, [
      { date: '2026-11-26', units: ready },
      { date: '2026-11-30', units: 500 },
    ]);
    const published = await expectData(200, publish(b.id, true));
    expect(published).toMatchObject({ id: b.id, status: 'published' });
    expect(published.replanned_plans).toEqual([
      expect.objectContaining({ drop_id: s.dropId, superseded_plan_id: a.id }),
    ]);
    const a2 = await getPlan(published.replanned_plans![0]!.plan_id);
    expect(a2).toMatchObject({ drop_id: s.dropId, status: 'published' });
    expect(await getPlan(a.id)).toMatchObject({ status: 'superseded' });
    // both fit by every date: drop A's new plan ships what is left on 2026-11-26, the rest later
    expect(shippedBy(a2, s.supplierId, '2026-11-26') + unitsB).toBeLessThanOrEqual(ready);
    expect(unitsFrom(a2, s.supplierId) + unitsB).toBeLessThanOrEqual(ready + 500);
  });
});

describe('publishing may re-plan the other drop that holds a hub', () => {
  let s: PlanningScenario;
  let dropB: string;
  const setHubBCapacity = async (capacity: number) => {
    const {
      id: _id,
      created_at: _c,
      updated_at: _u,
      ...given
    } = await expectData(200, api().GET('/v1/hubs/{hubId}', { params: { path: { hubId: s.hubBId } } }));
    const body = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== null));
    await expectData(
      200,
      api().PUT('/v1/hubs/{hubId}', {
        params: { path: { hubId: s.hubBId } },
        body: { ...(body as Schemas['HubInput']), capacity_units: capacity },
      }),
    );
  };
  beforeAll(async () => {
    s = await createPlanningScenario(app);
    dropB = await createSecondDrop(app, s, [40, 60]);
  });

  it('publishes a plan that would overbook a hub when the other drop is re-planned in the same call', async () => {
    const a = await computeFastPlan(app, s.dropId);
    expect(unitsAt(a, s.hubBId)).toBe(40); // hub B (capacity 40) full with drop A
    await expectData(200, publish(a.id));
    await setHubBCapacity(80);
    const b = await computeFastPlan(app, dropB);
    const atHubB = unitsAt(b, s.hubBId);
    expect(atHubB).toBeGreaterThan(0);
    await setHubBCapacity(40);

    const refused = await expectProblem(409, publish(b.id, false));
    expect(refused).toMatchObject({ reason: 'hub_capacity_overbooked' });

    const published = await expectData(200, publish(b.id, true));
    expect(published.status).toBe('published');
    const [replanned] = published.replanned_plans ?? [];
    expect(replanned).toMatchObject({ drop_id: s.dropId, superseded_plan_id: a.id, version: a.version + 1 });
    const a2 = await getPlan(replanned!.plan_id);
    expect(a2.status).toBe('published');
    expect(unitsAt(a2, s.hubBId) + atHubB).toBeLessThanOrEqual(40);
    // the re-plan names the hub it shares
    expect(a2.solver.shared_hub_capacity).toEqual(
      expect.arrayContaining([expect.objectContaining({ hub_id: s.hubBId, held_by_drop_ids: [dropB] })]),
    );
  });

  it("never re-plans a drop the key may not plan (another creator's): the 409 stands, nothing written", async () => {
    const other = freshId('creator');
    await expectData(
      201,
      api().PUT('/v1/creators/{creatorId}', { params: { path: { creatorId: other } }, body: { name: 'Other' } }),
    );
    const t = await createPlanningScenario(app);
    const otherDrop = await createSecondDrop(app, { ...t, creatorId: other }, [0, 60]);
    const held = await computeFastPlan(app, otherDrop);
    expect(unitsAt(held, t.hubBId)).toBe(40);
    await expectData(200, publish(held.id));
    const setHubB = async (capacity: number) => {
      const {
        id: _id,
        created_at: _c,
        updated_at: _u,
        ...given
      } = await expectData(200, api().GET('/v1/hubs/{hubId}', { params: { path: { hubId: t.hubBId } } }));
      const body = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== null));
      await expectData(
        200,
        api().PUT('/v1/hubs/{hubId}', {
          params: { path: { hubId: t.hubBId } },
          body: { ...(body as Schemas['HubInput']), capacity_units: capacity },
        }),
      );
    };
    await setHubB(80);
    const mine = await computeFastPlan(app, t.dropId);
    expect(unitsAt(mine, t.hubBId)).toBeGreaterThan(0);
    await setHubB(40);
    const plansOfOther = await planCount(otherDrop);

    const problem = await expectProblem(
      409,
      app.client(t.creatorKey).POST('/v1/plans/{planId}/publish', {
        params: { path: { planId: mine.id } },
        body: { replan_conflicting: true },
      }),
    );
    expect(problem).toMatchObject({ reason: 'hub_capacity_overbooked' });
    expect(await planCount(otherDrop)).toBe(plansOfOther);
    expect(await getPlan(held.id)).toMatchObject({ status: 'published' });
    expect(await getPlan(mine.id)).toMatchObject({ status: 'draft' });
  });
});
