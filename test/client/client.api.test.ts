import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlannerClient, ok, pages, PlannerApiError } from '../../src/client';
import { createKey, createTenant, type Tenant } from '../factories/catalog-factory';
import { eventually, publishPlanWithAllocations } from '../factories/plan-publish-factory';
import { startTestApp, type TestApp } from '../harness/test-app';

/** The typed client over real HTTP: what a storefront and a partner integration write. */
let app: TestApp;
let tenant: Tenant;

beforeAll(async () => {
  app = await startTestApp();
  tenant = await createTenant(app);
  await publishPlanWithAllocations(app.services.db, tenant.dropId, [
    { skuId: tenant.skuId, hubId: tenant.hubId, units: 25 },
  ]);
  // Estimates and holds answer from the in-memory snapshot, which the change feed refreshes.
  await eventually(() => app.services.snapshots.current().skus.get(tenant.skuId)?.publishedPlanId != null, 10_000);
});
afterAll(() => app?.close());

describe('typed client', () => {
  it('serves a storefront: an estimate, a hold, its confirmation', async () => {
    const apiKey = await createKey(app, { role: 'storefront', creator_id: tenant.creatorId });
    const api = createPlannerClient({ baseUrl: app.baseUrl, apiKey });
    const estimate = await ok(
      api.GET('/v1/estimates', { params: { query: { sku_id: tenant.skuId, region_id: tenant.regionIds[0]! } } }),
    );
    expect(estimate.sku_id).toBe(tenant.skuId);
    const hold = await ok(
      api.POST('/v1/holds', {
        body: { sku_id: tenant.skuId, quantity: 1, region_id: tenant.regionIds[0]!, hold_seconds: 600 },
      }),
    );
    expect(hold.status).toBe('held');
    const confirmed = await ok(api.POST('/v1/holds/{holdId}/confirm', { params: { path: { holdId: hold.id } } }));
    expect(confirmed.status).toBe('confirmed');
  });

  it('serves a partner: allocations, then a 304 while they have not changed', async () => {
    const apiKey = await createKey(app, { role: 'partner', partner_id: tenant.partnerId });
    const api = createPlannerClient({ baseUrl: app.baseUrl, apiKey });
    const first = await api.GET('/v1/partner/allocations', { params: { query: { drop_id: tenant.dropId } } });
    const plan = first.data;
    if (typeof plan !== 'object') throw new Error('expected JSON');
    expect(plan.allocations[0]?.units).toBe(25);
    const etag = first.response.headers.get('etag')!;
    const again = await api.GET('/v1/partner/allocations', {
      params: { query: { drop_id: tenant.dropId }, header: { 'If-None-Match': etag } },
    });
    expect(again.response.status).toBe(304);
  });

  it('turns a refusal into a PlannerApiError carrying the problem document', async () => {
    const api = createPlannerClient({ baseUrl: app.baseUrl, apiKey: app.adminKey });
    const error = await ok(api.GET('/v1/drops/{dropId}', { params: { path: { dropId: 'drop-missing' } } })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PlannerApiError);
    expect((error as PlannerApiError).problem?.code).toBe('not_found');
  });

  it('walks every page of a list', async () => {
    const api = createPlannerClient({ baseUrl: app.baseUrl, apiKey: app.adminKey });
    const ids: string[] = [];
    for await (const region of pages((cursor) =>
      ok(api.GET('/v1/regions', { params: { query: { limit: 1, cursor } } })),
    ))
      ids.push(region.id);
    expect(ids).toEqual(expect.arrayContaining(tenant.regionIds));
  });
});
