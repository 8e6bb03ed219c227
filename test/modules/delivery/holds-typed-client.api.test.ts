import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../../../src/client';
import { createKey, createTenant } from '../../factories/catalog-factory';
import { eventually, publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';

/**
 * A hold's lifecycle through the harness's typed client (openapi-fetch over the generated types):
 * a path, parameter or body the contract does not have fails to compile here, and every answer is
 * checked against openapi.yaml at run time.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ now: '2026-11-23T12:00:00Z' });
});
afterAll(() => app.close());

describe('holds through the typed client', () => {
  it('places, reads, confirms (twice, same answer) and lists a hold; a refusal is a typed problem', async () => {
    const tenant = await createTenant(app);
    const storefront = app.client(await createKey(app, { role: 'storefront', creator_id: tenant.creatorId }));
    await publishPlanWithAllocations(app.database.db, tenant.dropId, [
      { skuId: tenant.skuId, hubId: tenant.hubId, units: 5 },
    ]);
    await eventually(() => app.services.snapshots.current().skus.get(tenant.skuId)?.publishedPlanId != null, 10_000);

    const hold = await ok(
      storefront.POST('/v1/holds', {
        body: { sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, quantity: 2, hold_seconds: 300 },
      }),
    );
    expect(hold).toMatchObject({ status: 'held', quantity: 2, hub_id: tenant.hubId });

    const read = await ok(storefront.GET('/v1/holds/{holdId}', { params: { path: { holdId: hold.id } } }));
    expect(read.id).toBe(hold.id);

    const confirm = () => ok(storefront.POST('/v1/holds/{holdId}/confirm', { params: { path: { holdId: hold.id } } }));
    const once = await confirm();
    expect(await confirm()).toEqual(once);
    expect(once.status).toBe('confirmed');

    const listed = await ok(storefront.GET('/v1/holds', { params: { query: { status: 'confirmed' } } }));
    expect(listed.items.map((h) => h.id)).toContain(hold.id);

    const refused = await storefront.POST('/v1/holds', {
      body: { sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, quantity: 50, hold_seconds: 300 },
    });
    expect(refused.response.status).toBe(409);
    expect(refused.error).toMatchObject({ code: 'conflict' });
  });
});
