import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, type Tenant } from '../../factories/catalog-factory';
import { publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';
import type { Schemas } from '../../../src/client';
import { answer } from '../../harness/answers';

// The tenant's drop runs 2026-12-03 17:00Z → 2026-12-05 17:00Z with a 2-business-day promise; its
// hub reaches region 0 in 1–2 days (within the promise) and region 1 in 2–3 (not within).
let app: TestApp;
let tenant: Tenant;

beforeAll(async () => {
  app = await startTestApp({ now: '2026-12-04T12:00:00Z' });
  tenant = await createTenant(app);
  await publishPlanWithAllocations(app.database.db, tenant.dropId, [{ skuId: tenant.skuId, hubId: tenant.hubId, units: 3 }]);
  const storefront = await createKey(app, { role: 'storefront', creator_id: tenant.creatorId });
  const [r0, r1] = tenant.regionIds as [string, string];
  const rows: Schemas['PreorderRow'][] = [
    { id: 'o1', sku_id: tenant.skuId, quantity: 3, region_id: r0, placed_at: '2026-12-03T18:00:00Z', status: 'placed' },
    { id: 'o2', sku_id: tenant.skuId, quantity: 2, region_id: r0, placed_at: '2026-12-03T19:00:00Z', status: 'placed' },
    { id: 'o3', sku_id: tenant.skuId, quantity: 2, region_id: r1, placed_at: '2026-12-04T09:00:00Z', status: 'placed' },
    { id: 'o4', sku_id: tenant.skuId, quantity: 9, region_id: r1, placed_at: '2026-12-04T10:00:00Z', status: 'cancelled' },
  ];
  const posted = await answer(app.client(storefront).POST('/v1/drops/{dropId}/preorders', { params: { path: { dropId: tenant.dropId } }, body: { rows } }));
  expect(posted.status, posted.text).toBeLessThan(300);
});
afterAll(() => app.close());

describe('post-drop report', () => {
  it('is not there while the drop is open', async () => {
    expect(await app.services.reports.reportClosedDrops()).toEqual([]);
    expect((await answer(app.client().GET('/v1/drops/{dropId}/report', { params: { path: { dropId: tenant.dropId } } }))).status).toBe(404);
  });

  it('is written after close, closes the drop and feeds the training history', async () => {
    app.clock.set('2026-12-05T17:00:30Z');
    expect(await app.services.reports.reportClosedDrops()).toEqual([tenant.dropId]);
    const res = await answer(app.client().GET('/v1/drops/{dropId}/report', { params: { path: { dropId: tenant.dropId } } }));
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({
      drop_id: tenant.dropId,
      units_ordered: 7,
      units_within_promise: 3,
      leftover_by_hub: { [tenant.hubId]: 0 },
      stock_outs: [{ hub_id: tenant.hubId, sku_id: tenant.skuId, at: '2026-12-03T18:00:00.000Z', units_placed: 3 }],
    });
    expect(res.data!.fill_rate_within_promise).toBeCloseTo(3 / 7, 4);
    expect(res.data!.top_misses.find((m: { region_id: string }) => m.region_id === tenant.regionIds[1]!)).toMatchObject({ cause: 'no-hub-within-promise', missed_units: 2 });
    expect((await answer(app.client().GET('/v1/drops/{dropId}', { params: { path: { dropId: tenant.dropId } } }))).data!.status).toBe('closed');
    const history = await app.database.db.query<{ realised_demand: number }>('select realised_demand from demand_history where drop_id = $1 order by region_id', [tenant.dropId]);
    expect(history.rows.map((r) => r.realised_demand).reduce((a, b) => a + b, 0)).toBe(7);
    expect(await app.services.reports.reportClosedDrops()).toEqual([]);
  });

  it('blames the supplier lead time when the plan could not stock a SKU in time', async () => {
    app.clock.set('2026-12-04T12:00:00Z');
    const late = await createTenant(app);
    await publishPlanWithAllocations(app.database.db, late.dropId, [], [{ sku_id: late.skuId, reason: 'no-supplier-before-opening', detail: 'too late' }]);
    const key = await createKey(app, { role: 'storefront', creator_id: late.creatorId });
    const rows: Schemas['PreorderRow'][] = [{ id: 'l1', sku_id: late.skuId, quantity: 4, region_id: late.regionIds[0]!, placed_at: '2026-12-03T18:00:00Z', status: 'placed' }];
    expect((await answer(app.client(key).POST('/v1/drops/{dropId}/preorders', { params: { path: { dropId: late.dropId } }, body: { rows } }))).status).toBeLessThan(300);
    app.clock.set('2026-12-05T17:01:00Z');
    expect(await app.services.reports.reportClosedDrops()).toEqual([late.dropId]);
    const report = (await answer(app.client().GET('/v1/drops/{dropId}/report', { params: { path: { dropId: late.dropId } } }))).data;
    expect(report!.top_misses[0]).toMatchObject({ region_id: late.regionIds[0]!, missed_units: 4, cause: 'supplier-lead-time' });
  });

  it("answers 404 to another creator's key", async () => {
    const other = await createTenant(app);
    const key = await createKey(app, { role: 'creator', creator_id: other.creatorId });
    expect((await answer(app.client(key).GET('/v1/drops/{dropId}/report', { params: { path: { dropId: tenant.dropId } } }))).status).toBe(404);
  });
});
