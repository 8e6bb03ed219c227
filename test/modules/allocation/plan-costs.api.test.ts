/**
 * Costs over HTTP: lanes, regions and suppliers carry costs and dated shifts; a plan's objective is
 * the expected margin and shows cost per unit and per region; a what-if accepts cost shifts; bad
 * costs answer 422 naming the field and write nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseBody } from '../../../src/http/contract';
import { freshId } from '../../factories/catalog-factory';
import { createPlanningScenario, type PlanningScenario } from '../../factories/plan-factory';
import type { Schemas } from '../../../src/client';
import { answer, expectData, statusOf } from '../../harness/answers';
import { startTestApp, type TestApp } from '../../harness/test-app';

type Plan = ResponseBody<'getPlan', 200>;

let app: TestApp;
let s: PlanningScenario;
let region0: string;
/** A hub as read, turned back into its PUT body (no ids, stamps or null coordinates). */
async function hubBody(hubId: string): Promise<Schemas['HubInput']> {
  const hub = await expectData(200, app.client().GET('/v1/hubs/{hubId}', { params: { path: { hubId } } }));
  const { id: _id, created_at: _c, updated_at: _u, ...rest } = hub;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null)) as Schemas['HubInput'];
}

const putHub = (hubId: string, body: Schemas['HubInput']) =>
  answer(app.client().PUT('/v1/hubs/{hubId}', { params: { path: { hubId } }, body }));
const putRegion = (regionId: string, body: Schemas['RegionInput']) =>
  answer(app.client().PUT('/v1/regions/{regionId}', { params: { path: { regionId } }, body }));

beforeAll(async () => {
  app = await startTestApp();
  s = await createPlanningScenario(app);
  region0 = s.regionIds[0]!;
  // region0 is reached within the promise by both hubs, equally fast: A's lane costs 3, B's 0.5
  const bodyA = await hubBody(s.hubId);
  const lanesA = bodyA.lanes.map((l) =>
    l.region_id === region0 ? { ...l, shipping_cost_per_unit: 2.5, shipping_cost_per_shipment: 0.5 } : l,
  );
  expect((await putHub(s.hubId, { ...bodyA, lanes: lanesA })).status).toBe(200);
  const bodyB = await hubBody(s.hubBId);
  const lanesB = [
    ...bodyB.lanes,
    { region_id: region0, transit_days_min: 0, transit_days_max: 1, shipping_cost_per_unit: 0.5 },
  ];
  const putB = await putHub(s.hubBId, { ...bodyB, capacity_units: 1000, lanes: lanesB });
  expect(putB.status, putB.text).toBe(200);
});
afterAll(() => app.close());

const hubStatus = (hubId: string) => statusOf(app.client().GET('/v1/hubs/{hubId}', { params: { path: { hubId } } }));

const unitsAt = (plan: Plan, hubId: string) =>
  plan.allocations.filter((a) => a.hub_id === hubId).reduce((n, a) => n + a.units, 0);

const postWhatIf = (body: Schemas['WhatIfRequest']) =>
  answer(
    app.client(s.creatorKey).POST('/v1/drops/{dropId}/plans/what-if', { params: { path: { dropId: s.dropId } }, body }),
  );

async function whatIf(overrides: Schemas['PlanOverrides']): Promise<Plan> {
  const res = await postWhatIf({ solver: 'lp', overrides });
  expect(res.status, res.text).toBe(201);
  return res.data!;
}

describe('costs in the plan', () => {
  it('reads lane costs back from the hub', async () => {
    const hub = (await answer(app.client().GET('/v1/hubs/{hubId}', { params: { path: { hubId: s.hubId } } }))).data!;
    expect(hub.lanes.find((l) => l.region_id === region0)).toMatchObject({
      shipping_cost_per_unit: 2.5,
      shipping_cost_per_shipment: 0.5,
      cost_shifts: [],
    });
  });

  it('stocks the cheaper lane, and reports shipping, expected cost per unit and per region', async () => {
    const plan = await whatIf({});
    expect(unitsAt(plan, s.hubBId)).toBeGreaterThan(0);
    const t = plan.totals;
    expect(t.cost.shipping).toBeGreaterThan(0);
    expect(t.expected_cost_per_unit).toBeCloseTo(t.cost.total / t.expected_units_within_promise, 9);
    expect(t.objective_value).toBeCloseTo(t.expected_value! - t.cost.total, 6);
    const r0 = t.cost_by_region!.find((r) => r.region_id === region0)!;
    // region0's sales ship on B's lane at 0.5, none on A's at 3
    expect(r0.shipping / r0.expected_units).toBeCloseTo(0.5, 6);
    expect(t.cost_by_region!.reduce((sum, r) => sum + r.total, 0)).toBeCloseTo(t.cost.total, 6);
  });

  it("moves region0's stock to hub A when a what-if surcharge (+100, above any margin) lands on B's lane; a region's shift applies to every lane", async () => {
    const base = await whatIf({});
    const surcharge = await whatIf({
      cost_shifts: [
        {
          region_id: region0,
          hub_id: s.hubBId,
          from: '2026-11-01T00:00:00Z',
          to: '2027-01-31T00:00:00Z',
          surcharge: 100,
        },
      ],
    });
    expect(surcharge.overrides.cost_shifts).toHaveLength(1);
    expect(unitsAt(surcharge, s.hubId)).toBeGreaterThan(unitsAt(base, s.hubId));
    const r0 = surcharge.totals.cost_by_region!.find((r) => r.region_id === region0)!;
    expect(r0.shipping / r0.expected_units).toBeCloseTo(3, 6);

    // the same surcharge stored on the region (all its lanes): A 3 + 5, B 0.5 + 5 → B cheaper again
    const region = (
      await answer(app.client().GET('/v1/regions/{regionId}', { params: { path: { regionId: region0 } } }))
    ).data!;
    const put = await putRegion(region0, {
      name: region.name,
      time_zone: region.time_zone,
      cost_shifts: [{ from: '2026-11-01T00:00:00Z', to: '2027-01-31T00:00:00Z', surcharge: 5 }],
    });
    expect(put.status, put.text).toBe(200);
    const shifted = await whatIf({});
    const shiftedR0 = shifted.totals.cost_by_region!.find((r) => r.region_id === region0)!;
    expect(shiftedR0.shipping / shiftedR0.expected_units).toBeCloseTo(5.5, 6);
    await putRegion(region0, { name: region.name, time_zone: region.time_zone });
  });
});

describe('bad costs answer 422 naming the field, and nothing is written', () => {
  const costlyHub = (lane: Partial<Schemas['HubInput']['lanes'][number]>): Schemas['HubInput'] => ({
    name: 'Costly hub',
    operator_partner_id: s.partnerId,
    capacity_units: 10,
    time_zone: 'Europe/Paris',
    order_cutoff_local: '14:00',
    handling_days: 0,
    lanes: [{ region_id: region0, transit_days_min: 1, transit_days_max: 1, ...lane }],
  });

  it('a negative lane cost', async () => {
    const id = freshId('hub');
    const res = await putHub(id, costlyHub({ shipping_cost_per_unit: -1 }));
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.error?.errors?.map((e) => e.path)).toEqual(['lanes[0].shipping_cost_per_unit']);
    expect(await hubStatus(id)).toBe(404);
  });

  it('a lane cost shift whose end precedes its start', async () => {
    const id = freshId('hub');
    const res = await putHub(
      id,
      costlyHub({ cost_shifts: [{ from: '2026-12-10T00:00:00Z', to: '2026-12-01T00:00:00Z', surcharge: 1 }] }),
    );
    expect(res.status).toBe(422);
    expect(res.error?.errors?.map((e) => e.path)).toEqual(['lanes[0].cost_shifts[0].to']);
    expect(await hubStatus(id)).toBe(404);
  });

  it("a negative supplier freight or fallback premium, and a region's backwards shift", async () => {
    const supplierId = freshId('supplier');
    const supplierPath = { params: { path: { supplierId } } };
    const supplier = await answer(
      app.client().PUT('/v1/suppliers/{supplierId}', {
        ...supplierPath,
        body: {
          name: 'Bad freight',
          kind: 'offshore',
          lead_time_days_min: 1,
          lead_time_days_max: 2,
          capacity_units: 10,
          unit_cost: 1,
          fallback_premium_per_unit: -0.5,
          inbound_freight: [{ hub_id: s.hubId, cost_per_unit: -2 }],
        },
      }),
    );
    expect(supplier.status).toBe(422);
    expect(supplier.error?.errors?.map((e) => e.path).sort()).toEqual([
      'fallback_premium_per_unit',
      'inbound_freight[0].cost_per_unit',
    ]);
    expect(await statusOf(app.client().GET('/v1/suppliers/{supplierId}', supplierPath))).toBe(404);

    const regionId = freshId('region');
    const region = await putRegion(regionId, {
      name: 'Backwards',
      time_zone: 'Europe/Paris',
      cost_shifts: [{ from: '2026-12-10T00:00:00Z', to: '2026-12-09T23:59:59Z', multiplier: 2 }],
    });
    expect(region.status).toBe(422);
    expect(region.error?.errors?.map((e) => e.path)).toEqual(['cost_shifts[0].to']);
    expect(await statusOf(app.client().GET('/v1/regions/{regionId}', { params: { path: { regionId } } }))).toBe(404);
  });

  it('a what-if shift whose end precedes its start, or with a negative surcharge, stores no plan', async () => {
    const before = await app.services.db.query<{ n: number }>(
      'select count(*)::int as n from plans where drop_id = $1',
      [s.dropId],
    );
    const res = await postWhatIf({
      overrides: {
        cost_shifts: [
          { region_id: region0, from: '2026-12-10T00:00:00Z', to: '2026-12-01T00:00:00Z', surcharge: 1 },
          { region_id: region0, from: '2026-12-01T00:00:00Z', to: '2026-12-10T00:00:00Z', surcharge: -1 },
        ],
      },
    });
    expect(res.status).toBe(422);
    expect(res.error?.errors?.map((e) => e.path).sort()).toEqual([
      'overrides.cost_shifts[0].to',
      'overrides.cost_shifts[1].surcharge',
    ]);
    const after = await app.services.db.query<{ n: number }>(
      'select count(*)::int as n from plans where drop_id = $1',
      [s.dropId],
    );
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });
});
