import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseBody } from '../../../src/http/contract';
import { createKey, createTenant } from '../../factories/catalog-factory';
import { createForecast, createPlanningScenario, type PlanningScenario } from '../../factories/plan-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';
import type { Schemas } from '../../../src/client';
import { answer, problemIn } from '../../harness/answers';

type Plan = ResponseBody<'getPlan', 200>;

let app: TestApp;
let s: PlanningScenario;
beforeAll(async () => {
  app = await startTestApp();
  s = await createPlanningScenario(app);
});
afterAll(() => app.close());

async function compute(body?: Schemas['PlanRequest'], key = s.creatorKey): Promise<Plan> {
  const res = await answer(
    app.client(key).POST('/v1/drops/{dropId}/plans', { params: { path: { dropId: s.dropId } }, body }),
  );
  expect(res.status, res.text).toBe(201);
  return res.data as Plan;
}

/** Invariants read back from the stored rows, not from the response. */
async function checkStoredInvariants(planId: string) {
  const db = app.services.db;
  const perHub = await db.query<{ hub_id: string; units: number; capacity_units: number }>(
    `select a.hub_id, sum(a.units)::int as units, h.capacity_units from plan_allocations a join hubs h on h.id = a.hub_id
     where a.plan_id = $1 group by a.hub_id, h.capacity_units`,
    [planId],
  );
  const overrides = (
    await db.query<{ overrides: { hub_capacities?: { hub_id: string; capacity_units: number }[] } }>(
      'select overrides from plans where id = $1',
      [planId],
    )
  ).rows[0]!.overrides;
  for (const row of perHub.rows) {
    const cap = overrides.hub_capacities?.find((o) => o.hub_id === row.hub_id)?.capacity_units ?? row.capacity_units;
    expect(row.units, `hub ${row.hub_id}`).toBeLessThanOrEqual(cap);
  }
  // Every allocated unit arrives through a supplier order line to that hub, and order lines sum to the allocation.
  const lines = await db.query<{ sku_id: string; hub_id: string; units: number }>(
    `select sku_id, destination_hub_id as hub_id, sum(quantity)::int as units from plan_supplier_orders where plan_id = $1 group by 1, 2 order by 1, 2`,
    [planId],
  );
  const allocations = await db.query<{ sku_id: string; hub_id: string; units: number }>(
    'select sku_id, hub_id, units from plan_allocations where plan_id = $1 order by 1, 2',
    [planId],
  );
  expect(lines.rows).toEqual(allocations.rows.filter((a) => a.units > 0));
  // No supplier ships more of a SKU than it has available for it.
  const bySupplier = await db.query<{ ordered: number; units_available: number; capacity_units: number }>(
    `select sum(o.quantity)::int as ordered, min(ss.units_available) as units_available, min(su.capacity_units) as capacity_units
     from plan_supplier_orders o join sku_sourcing ss on ss.sku_id = o.sku_id and ss.supplier_id = o.supplier_id join suppliers su on su.id = o.supplier_id
     where o.plan_id = $1 group by o.supplier_id, o.sku_id`,
    [planId],
  );
  for (const row of bySupplier.rows) {
    expect(row.ordered).toBeLessThanOrEqual(row.units_available);
    expect(row.ordered).toBeLessThanOrEqual(row.capacity_units);
  }
  return { allocations: allocations.rows };
}

describe('computing a plan', () => {
  it('stores a draft that respects hub capacities and supplier stock, records its forecast and catalog', async () => {
    const plan = await compute();
    expect(plan).toMatchObject({ drop_id: s.dropId, status: 'draft', forecast_id: s.forecastId, published_at: null });
    expect(plan.catalog_snapshot).toMatchObject({ drop: { id: s.dropId } });
    expect(plan.allocations.length).toBeGreaterThan(0);
    const { allocations } = await checkStoredInvariants(plan.id);
    expect(allocations.filter((a) => a.hub_id === s.hubBId).reduce((n, a) => n + a.units, 0)).toBeLessThanOrEqual(40);
    expect(plan.totals.fill_rate_within_promise).toBeGreaterThan(0);
    expect(plan.totals.fill_rate_within_promise).toBeLessThanOrEqual(1);
    expect(plan.totals.units_placed).toBe(plan.allocations.reduce((n, a) => n + a.units, 0));
    expect(Object.keys(plan.totals.expected_leftover_by_hub)).toEqual(expect.arrayContaining([s.hubId, s.hubBId]));
    expect(plan.solver.economics.value_per_fast_unit).toBeGreaterThan(0);
  });

  it('reports per region the serving hub, in-stock probability, delivery days and lead-time delta', async () => {
    const plan = await compute({ solver: 'fast' });
    const region1 = plan.regions.find((r) => r.region_id === s.regionIds[1] && r.sku_id === s.skuId)!;
    expect(region1).toMatchObject({ serving_hub_id: s.hubBId, candidate_hub_ids: [s.hubBId], baseline_days: 6 });
    expect(region1.delivery_days_p50).toBe(1);
    expect(region1.lead_time_delta_days).toBe(5);
    expect(region1.in_stock_probability).toBeGreaterThan(0);
    expect(plan.solver).toMatchObject({ requested: 'fast', choice_reason: 'fast allocator requested' });
  });

  it("says which solver ran, whether it is certified, its gap bound and each SKU's economics", async () => {
    const plan = await compute();
    expect(plan.solver).toMatchObject({ requested: 'auto', certified: expect.any(Boolean) });
    expect(plan.solver.choice_reason).toMatch(/^auto: /);
    if (plan.solver.certified) expect(plan.solver.gap_bound).toEqual(expect.any(Number));
    expect(plan.solver.sku_economics.map((e) => e.sku_id)).toContain(s.skuId);
  });

  it('says so per region when no hub reaches it, instead of failing', async () => {
    const plan = await compute();
    // (the second SKU, worth less per unit, also loses the 40 slots of hub B: 'no-stock' there)
    expect(plan.unserved_regions.filter((u) => u.reason === 'no-hub-within-promise')).toEqual([
      expect.objectContaining({
        region_id: s.unreachableRegionId,
        reason: 'no-hub-within-promise',
        sku_ids: [s.skuId],
      }),
    ]);
    expect(plan.regions.find((r) => r.region_id === s.unreachableRegionId)).toMatchObject({
      serving_hub_id: null,
      in_stock_probability: 0,
    });
  });

  it('numbers versions and lists them newest first', async () => {
    const before = (
      await answer(app.client(s.creatorKey).GET('/v1/drops/{dropId}/plans', { params: { path: { dropId: s.dropId } } }))
    ).data!.items.length;
    const plan = await compute();
    const list = await answer(
      app.client(s.creatorKey).GET('/v1/drops/{dropId}/plans', { params: { path: { dropId: s.dropId } } }),
    );
    expect(list.status).toBe(200);
    expect(list.data!.items).toHaveLength(before + 1);
    expect(list.data!.items[0]).toMatchObject({ id: plan.id, version: before + 1 });
    expect(list.data!.items[0]).not.toHaveProperty('allocations');
  });

  it('rejects an unknown solver with 400', async () => {
    // A solver the contract does not list, sent raw.
    const res = await app.rawRequest('POST', `/v1/drops/${s.dropId}/plans`, {
      key: s.creatorKey,
      body: { solver: 'magic' },
    });
    expect(res.status).toBe(400);
    expect(problemIn(res).errors![0]!.path).toBe('solver');
  });
});

describe('errors', () => {
  it('answers 422 no_forecast for a drop without any forecast', async () => {
    const other = await createTenant(app);
    const res = await answer(
      app.client().POST('/v1/drops/{dropId}/plans', { params: { path: { dropId: other.dropId } } }),
    );
    expect(res.status).toBe(422);
    expect(res.error).toMatchObject({ code: 'unprocessable', reason: 'no_forecast' });
  });

  it('answers 422 naming the reference when the catalog is inconsistent', async () => {
    const other = await createTenant(app);
    await createForecast(app, other.dropId, [
      { sku_id: other.skuId, region_id: other.regionIds[0]!, mean: 5 },
      { sku_id: other.skuId, region_id: 'region-that-does-not-exist', mean: 5 },
    ]);
    const res = await answer(
      app.client().POST('/v1/drops/{dropId}/plans', { params: { path: { dropId: other.dropId } } }),
    );
    expect(res.status).toBe(422);
    expect(res.error!.reason).toBe('inconsistent_catalog');
    expect(res.error!.errors).toEqual([
      { path: 'forecast.cells[1].region_id', message: "unknown region 'region-that-does-not-exist'" },
    ]);
  });

  it('plans a drop whose only supplier is late as a valid plan with a SKU issue and no stock', async () => {
    const other = await createTenant(app); // the factory's supplier arrives after opening
    await createForecast(app, other.dropId, [{ sku_id: other.skuId, region_id: other.regionIds[0]!, mean: 20 }]);
    const res = await answer(
      app.client().POST('/v1/drops/{dropId}/plans', { params: { path: { dropId: other.dropId } } }),
    );
    expect(res.status, res.text).toBe(201);
    expect(res.data!.allocations).toEqual([]);
    expect(res.data!.sku_issues).toEqual([
      expect.objectContaining({ sku_id: other.skuId, reason: 'no-supplier-before-opening' }),
    ]);
    expect(res.data!.unserved_regions).toEqual([
      expect.objectContaining({ region_id: other.regionIds[0]!, reason: 'no-stock' }),
    ]);
  });
});

describe('publishing', () => {
  it('publishes a draft and supersedes the previously published plan', async () => {
    const first = await compute();
    const published = await answer(
      app.client(s.creatorKey).POST('/v1/plans/{planId}/publish', { params: { path: { planId: first.id } } }),
    );
    expect(published.status, published.text).toBe(200);
    expect(published.data).toMatchObject({ status: 'published', published_at: '2026-11-23T12:00:00.000Z' });

    const second = await compute();
    expect(
      (
        await answer(
          app.client(s.creatorKey).POST('/v1/plans/{planId}/publish', { params: { path: { planId: second.id } } }),
        )
      ).data!.status,
    ).toBe('published');
    const old = await answer(
      app.client(s.creatorKey).GET('/v1/plans/{planId}', { params: { path: { planId: first.id } } }),
    );
    expect(old.data).toMatchObject({ status: 'superseded', superseded_at: expect.any(String) });
    const published2 = (
      await answer(app.client(s.creatorKey).GET('/v1/drops/{dropId}/plans', { params: { path: { dropId: s.dropId } } }))
    ).data!.items.filter((p) => p.status === 'published');
    expect(published2.map((p) => p.id)).toEqual([second.id]);
  });

  it('answers 200 and changes nothing when the published plan is published again, 409 for a superseded one', async () => {
    const a = await compute();
    await answer(app.client().POST('/v1/plans/{planId}/publish', { params: { path: { planId: a.id } } }));
    const again = await answer(app.client().POST('/v1/plans/{planId}/publish', { params: { path: { planId: a.id } } }));
    expect(again.status).toBe(200);
    expect(again.data!.status).toBe('published');
    const b = await compute();
    await answer(app.client().POST('/v1/plans/{planId}/publish', { params: { path: { planId: b.id } } }));
    const stale = await answer(app.client().POST('/v1/plans/{planId}/publish', { params: { path: { planId: a.id } } }));
    expect(stale.status).toBe(409);
    // the problem's status is the HTTP status; the plan's own status is an extension beside it
    expect(stale.error).toMatchObject({ code: 'conflict', status: 409, plan_status: 'superseded' });
  });
});

describe('what-if plans', () => {
  it('applies overrides, is never published, and is compared with a real plan', async () => {
    const base = await compute({ solver: 'fast' });
    const res = await answer(
      app.client(s.creatorKey).POST('/v1/drops/{dropId}/plans/what-if', {
        params: { path: { dropId: s.dropId } },
        body: {
          solver: 'fast',
          overrides: {
            hub_capacities: [{ hub_id: s.hubBId, capacity_units: 0 }],
            unavailable_supplier_ids: [s.fallbackSupplierId],
          },
        },
      }),
    );
    expect(res.status, res.text).toBe(201);
    const whatIf = res.data as Plan;
    expect(whatIf.status).toBe('what_if');
    expect(whatIf.overrides).toEqual({
      hub_capacities: [{ hub_id: s.hubBId, capacity_units: 0 }],
      unavailable_supplier_ids: [s.fallbackSupplierId],
    });
    expect(whatIf.allocations.filter((a) => a.hub_id === s.hubBId)).toEqual([]);
    expect(whatIf.supplier_orders.filter((o) => o.supplier_id === s.fallbackSupplierId)).toEqual([]);
    await checkStoredInvariants(whatIf.id);

    const publish = await answer(
      app.client(s.creatorKey).POST('/v1/plans/{planId}/publish', { params: { path: { planId: whatIf.id } } }),
    );
    expect(publish.status).toBe(409);
    expect(
      (await answer(app.client().GET('/v1/plans/{planId}', { params: { path: { planId: whatIf.id } } }))).data!.status,
    ).toBe('what_if');

    const cmp = await answer(
      app.client(s.creatorKey).GET('/v1/plans/compare', { params: { query: { a: base.id, b: whatIf.id } } }),
    );
    expect(cmp.status, cmp.text).toBe(200);
    const body = cmp.data as ResponseBody<'comparePlans', 200>;
    expect(body.a.id).toBe(base.id);
    expect(body.fill_rate_within_promise.delta).toBeCloseTo(
      whatIf.totals.fill_rate_within_promise - base.totals.fill_rate_within_promise,
      12,
    );
    expect(body.fill_rate_within_promise.delta).toBeLessThan(0);
    expect(body.allocations.find((a) => a.hub_id === s.hubBId)).toMatchObject({ b: 0, delta: expect.any(Number) });
    for (const a of body.allocations) expect(a.delta).toBe(a.b - a.a);
    const region1 = body.regions.find((r) => r.region_id === s.regionIds[1] && r.sku_id === s.skuId)!;
    expect(region1.in_stock_probability.b).toBe(0);
  });

  it('a shorter promise leaves regions unserved', async () => {
    const res = await answer(
      app.client().POST('/v1/drops/{dropId}/plans/what-if', {
        params: { path: { dropId: s.dropId } },
        body: { overrides: { promise_business_days: 0 } },
      }),
    );
    expect(res.status).toBe(201);
    expect(res.data!.allocations).toEqual([]);
    expect(res.data!.unserved_regions.map((u: { reason: string }) => u.reason)).toEqual(
      expect.arrayContaining(['no-hub-within-promise']),
    );
  });

  it('answers 422 for an override naming an unknown hub and 400 for a malformed one', async () => {
    const unknown = await answer(
      app.client().POST('/v1/drops/{dropId}/plans/what-if', {
        params: { path: { dropId: s.dropId } },
        body: { overrides: { hub_capacities: [{ hub_id: 'no-such-hub', capacity_units: 3 }] } },
      }),
    );
    expect(unknown.status).toBe(422);
    expect(unknown.error!.errors![0]!.path).toBe('overrides.hub_capacities[0].hub_id');
    const malformed = await answer(
      app.client().POST('/v1/drops/{dropId}/plans/what-if', {
        params: { path: { dropId: s.dropId } },
        body: { overrides: { hub_capacities: [{ hub_id: s.hubId, capacity_units: -1 }] } },
      }),
    );
    expect(malformed.status).toBe(400);
  });

  it('answers 422 when comparing plans of two different drops', async () => {
    const other = await createPlanningScenario(app);
    const a = await compute();
    const b = (
      await answer(app.client().POST('/v1/drops/{dropId}/plans', { params: { path: { dropId: other.dropId } } }))
    ).data as Plan;
    const res = await answer(app.client().GET('/v1/plans/compare', { params: { query: { a: a.id, b: b.id } } }));
    expect(res.status).toBe(422);
  });
});

describe('what-if demand multipliers (issue 19)', () => {
  /** Expected demand of a plan per region, from its stored totals and the forecast cells it used. */
  async function forecastMeans() {
    const cells = await app.services.db.query<{ region_id: string; mean: number }>(
      'select region_id, sum(mean)::float8 as mean from forecast_cells where forecast_id = $1 group by region_id',
      [s.forecastId],
    );
    return new Map(cells.rows.map((c) => [c.region_id, c.mean]));
  }

  it('scales expected demand drop-wide and per region, multiplying the two', async () => {
    const means = await forecastMeans();
    const total = [...means.values()].reduce((a, m) => a + m, 0);
    const [r0, r1] = s.regionIds as [string, string];
    const whatIf = async (overrides: Schemas['PlanOverrides']) => {
      const res = await answer(
        app.client(s.creatorKey).POST('/v1/drops/{dropId}/plans/what-if', {
          params: { path: { dropId: s.dropId } },
          body: { solver: 'fast', overrides },
        }),
      );
      expect(res.status, res.text).toBe(201);
      return res.data as Plan;
    };
    const higher = await whatIf({ demand_multipliers: { drop: 1.3 } });
    expect(higher.totals.expected_demand_units).toBeCloseTo(total * 1.3, 6);
    expect(higher.overrides).toEqual({ demand_multipliers: { drop: 1.3 } });
    await checkStoredInvariants(higher.id);

    const perRegion = await whatIf({
      demand_multipliers: { drop: 2, regions: [{ region_id: r0, multiplier: 0.5 }] },
    });
    const expected = [...means.entries()].reduce((a, [region, m]) => a + m * (region === r0 ? 1 : 2), 0);
    expect(perRegion.totals.expected_demand_units).toBeCloseTo(expected, 6);

    // No demand in a region: nothing is needed there, so the plan's fill does not count it.
    const none = await whatIf({ demand_multipliers: { regions: [{ region_id: r1, multiplier: 0 }] } });
    expect(none.totals.expected_demand_units).toBeCloseTo(total - means.get(r1)!, 6);
    const base = await compute({ solver: 'fast' });
    expect(none.totals.units_placed).toBeLessThanOrEqual(base.totals.units_placed);
  });

  it('answers 422 naming an unknown region, and 400 for a negative, too large or duplicated multiplier', async () => {
    const post = (overrides: Schemas['PlanOverrides']) =>
      answer(
        app
          .client()
          .POST('/v1/drops/{dropId}/plans/what-if', { params: { path: { dropId: s.dropId } }, body: { overrides } }),
      );
    const unknown = await post({ demand_multipliers: { regions: [{ region_id: 'no-such-region', multiplier: 2 }] } });
    expect(unknown.status).toBe(422);
    expect(unknown.error!.errors![0]!.path).toBe('overrides.demand_multipliers.regions[0].region_id');
    for (const bad of [
      { drop: -0.1 },
      { drop: 11 },
      { regions: [{ region_id: s.regionIds[0]!, multiplier: -1 }] },
      {
        regions: [
          { region_id: s.regionIds[0]!, multiplier: 1 },
          { region_id: s.regionIds[0]!, multiplier: 2 },
        ],
      },
      { everywhere: 2 },
    ]) {
      // Values the contract forbids, sent raw.
      const res = await app.rawRequest('POST', `/v1/drops/${s.dropId}/plans/what-if`, {
        body: { overrides: { demand_multipliers: bad } },
      });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(problemIn(res).code).toBe('validation_failed');
    }
  });
});

describe('saving a what-if plan as a draft (issue 19)', () => {
  async function whatIf(): Promise<Plan> {
    const res = await answer(
      app.client(s.creatorKey).POST('/v1/drops/{dropId}/plans/what-if', {
        params: { path: { dropId: s.dropId } },
        body: {
          overrides: { demand_multipliers: { drop: 1.2 }, hub_capacities: [{ hub_id: s.hubBId, capacity_units: 5 }] },
        },
      }),
    );
    expect(res.status, res.text).toBe(201);
    return res.data as Plan;
  }

  it('copies the what-if plan into the next draft version without solving again, and publishes it', async () => {
    const source = await whatIf();
    const res = await answer(
      app.client(s.creatorKey).POST('/v1/plans/{planId}/save-as-draft', { params: { path: { planId: source.id } } }),
    );
    expect(res.status, res.text).toBe(201);
    const draft = res.data as Plan;
    expect(draft.id).not.toBe(source.id);
    expect(draft.status).toBe('draft');
    expect(draft.version).toBe(source.version + 1);
    const strip = ({ id: _i, version: _v, status: _s, created_at: _c, ...rest }: Plan) => rest;
    expect(strip(draft)).toEqual(strip(source));
    await checkStoredInvariants(draft.id);
    // The what-if plan itself is unchanged.
    expect(
      (await answer(app.client().GET('/v1/plans/{planId}', { params: { path: { planId: source.id } } }))).data!.status,
    ).toBe('what_if');
    const published = await answer(
      app.client(s.creatorKey).POST('/v1/plans/{planId}/publish', { params: { path: { planId: draft.id } } }),
    );
    expect(published.status).toBe(200);
    expect(published.data!.status).toBe('published');
  });

  it('answers a retry, sequential or concurrent, with the draft already saved', async () => {
    const source = await whatIf();
    const results = await Promise.all(
      [0, 1, 2].map(() =>
        answer(
          app
            .client(s.creatorKey)
            .POST('/v1/plans/{planId}/save-as-draft', { params: { path: { planId: source.id } } }),
        ),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    expect(new Set(results.map((r) => r.data!.id)).size).toBe(1);
    const again = await answer(
      app.client().POST('/v1/plans/{planId}/save-as-draft', { params: { path: { planId: source.id } } }),
    );
    expect(again.status).toBe(200);
    expect(again.data!.id).toBe(results[0]!.data!.id);
    const drafts = (
      await answer(app.client().GET('/v1/drops/{dropId}/plans', { params: { path: { dropId: s.dropId } } }))
    ).data!.items.filter((p: { id: string }) => p.id === again.data!.id);
    expect(drafts).toHaveLength(1);
  });

  it('answers 409 for a plan that is not a what-if plan, and 404 to other tenants and roles', async () => {
    const draft = await compute();
    const conflict = await answer(
      app.client(s.creatorKey).POST('/v1/plans/{planId}/save-as-draft', { params: { path: { planId: draft.id } } }),
    );
    expect(conflict.status).toBe(409);
    expect(conflict.error).toMatchObject({ code: 'conflict', status: 409, plan_status: 'draft' });
    const source = await whatIf();
    const other = await createTenant(app);
    const otherCreator = await createKey(app, { role: 'creator', creator_id: other.creatorId });
    const storefront = await createKey(app, { role: 'storefront', creator_id: s.creatorId });
    for (const key of [otherCreator, storefront, s.partnerKey]) {
      expect(
        (
          await answer(
            app.client(key).POST('/v1/plans/{planId}/save-as-draft', { params: { path: { planId: source.id } } }),
          )
        ).status,
      ).toBe(404);
    }
    expect(
      (
        await answer(
          app.client().POST('/v1/plans/{planId}/save-as-draft', { params: { path: { planId: 'plan_missing' } } }),
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await answer(
          app.client(null).POST('/v1/plans/{planId}/save-as-draft', { params: { path: { planId: source.id } } }),
        )
      ).status,
    ).toBe(401);
    // Nothing was saved by the refused calls.
    expect(
      (await app.services.db.query('select 1 from plan_saved_drafts where what_if_plan_id = $1', [source.id])).rows,
    ).toEqual([]);
  });
});

describe('tenancy', () => {
  it("answers 404 to another creator, a storefront and a partner for a drop's plans", async () => {
    const other = await createTenant(app);
    const otherCreator = await createKey(app, { role: 'creator', creator_id: other.creatorId });
    const storefront = await createKey(app, { role: 'storefront', creator_id: s.creatorId });
    const plan = await compute();
    for (const key of [otherCreator, storefront, s.partnerKey]) {
      expect(
        (await answer(app.client(key).POST('/v1/drops/{dropId}/plans', { params: { path: { dropId: s.dropId } } })))
          .status,
      ).toBe(404);
      expect(
        (await answer(app.client(key).GET('/v1/drops/{dropId}/plans', { params: { path: { dropId: s.dropId } } })))
          .status,
      ).toBe(404);
      expect(
        (await answer(app.client(key).GET('/v1/plans/{planId}', { params: { path: { planId: plan.id } } }))).status,
      ).toBe(404);
      expect(
        (await answer(app.client(key).POST('/v1/plans/{planId}/publish', { params: { path: { planId: plan.id } } })))
          .status,
      ).toBe(404);
      expect(
        (await answer(app.client(key).GET('/v1/plans/compare', { params: { query: { a: plan.id, b: plan.id } } })))
          .status,
      ).toBe(404);
      expect(
        (
          await answer(
            app.client(key).POST('/v1/drops/{dropId}/plans/what-if', {
              params: { path: { dropId: s.dropId } },
              body: { overrides: {} },
            }),
          )
        ).status,
      ).toBe(404);
    }
    expect(
      (await answer(app.client(s.creatorKey).GET('/v1/plans/{planId}', { params: { path: { planId: plan.id } } })))
        .status,
    ).toBe(200);
    expect(
      (
        await answer(
          app.client(s.creatorKey).GET('/v1/plans/{planId}', { params: { path: { planId: 'plan_missing' } } }),
        )
      ).status,
    ).toBe(404);
  });
});
