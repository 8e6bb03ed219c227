import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, hubBody, type Tenant } from '../factories/catalog-factory';
import { createForecast } from '../factories/plan-factory';
import { publishPlanWithAllocations } from '../factories/plan-publish-factory';
import { startTestApp, type TestApp } from '../harness/test-app';

/**
 * Strong ETags on the reads people poll (plans, partner allocations as JSON and CSV, forecasts,
 * stock, preview, catalog resources): If-None-Match → 304; If-Match on PUT → 412 when the resource
 * changed. ETags used to be switched off altogether.
 */
let app: TestApp;
let tenant: Tenant;
let planId: string;
let partnerKey: string;

beforeAll(async () => {
  app = await startTestApp();
  tenant = await createTenant(app);
  planId = await publishPlanWithAllocations(app.services.db, tenant.dropId, [
    { skuId: tenant.skuId, hubId: tenant.hubId, units: 30 },
  ]);
  partnerKey = await createKey(app, { role: 'partner', partner_id: tenant.partnerId });
});
afterAll(() => app?.close());

async function expectConditional(path: string, options: { key?: string; headers?: Record<string, string> } = {}) {
  const first = await app.untypedRequest('GET', path, options);
  expect(first.status, `${path}: ${first.text}`).toBe(200);
  const etag = first.headers.get('etag');
  expect(etag, path).toMatch(/^"[\w-]{16,}"$/);
  const again = await app.untypedRequest('GET', path, {
    ...options,
    headers: { ...options.headers, 'if-none-match': etag! },
  });
  expect(again.status, path).toBe(304);
  expect(again.text).toBe('');
  expect(again.headers.get('etag')).toBe(etag);
  const stale = await app.untypedRequest('GET', path, {
    ...options,
    headers: { ...options.headers, 'if-none-match': '"something-else"' },
  });
  expect(stale.status).toBe(200);
  return etag!;
}

describe('If-None-Match', () => {
  it('answers 304 for an unchanged plan, partner allocations (JSON and CSV), forecast, stock and preview', async () => {
    await expectConditional(`/v1/plans/${planId}`);
    const json = await expectConditional(`/v1/partner/allocations?drop_id=${tenant.dropId}`, { key: partnerKey });
    const csv = await expectConditional(`/v1/partner/allocations?drop_id=${tenant.dropId}&format=csv`, {
      key: partnerKey,
    });
    const accept = await expectConditional(`/v1/partner/allocations?drop_id=${tenant.dropId}`, {
      key: partnerKey,
      headers: { accept: 'text/csv' },
    });
    expect(csv).not.toBe(json);
    expect(accept).toBe(csv);
    const forecastId = await createForecast(app, tenant.dropId, [
      { sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, mean: 20 },
    ]);
    await expectConditional(`/v1/forecasts/${forecastId}`);
    await expectConditional(`/v1/drops/${tenant.dropId}/forecasts/latest`);
    await expectConditional(`/v1/drops/${tenant.dropId}/stock`);
    await expectConditional(`/v1/drops/${tenant.dropId}/preview`);
  });

  it('gives the allocations a new tag when a new plan is published, so a poller sees the change', async () => {
    const path = `/v1/partner/allocations?drop_id=${tenant.dropId}`;
    const before = (await app.untypedRequest('GET', path, { key: partnerKey })).headers.get('etag')!;
    await publishPlanWithAllocations(app.services.db, tenant.dropId, [
      { skuId: tenant.skuId, hubId: tenant.hubId, units: 31 },
    ]);
    const after = await app.untypedRequest('GET', path, { key: partnerKey, headers: { 'if-none-match': before } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(before);
  });

  it('tags stock by its figures, not by the instant it was read: a new plan changes the tag', async () => {
    const path = `/v1/drops/${tenant.dropId}/stock`;
    const before = (await app.untypedRequest('GET', path)).headers.get('etag')!;
    app.clock.set(new Date(app.clock.now().getTime() + 60_000));
    expect((await app.untypedRequest('GET', path, { headers: { 'if-none-match': before } })).status).toBe(304);
    await publishPlanWithAllocations(app.services.db, tenant.dropId, [
      { skuId: tenant.skuId, hubId: tenant.hubId, units: 44 },
    ]);
    const after = await app.untypedRequest('GET', path, { headers: { 'if-none-match': before } });
    expect(after.status).toBe(200);
  });
});

describe('If-Match on PUT', () => {
  it('writes when the tag is current, refuses with 412 (and writes nothing) when the resource changed', async () => {
    const path = `/v1/hubs/${tenant.hubId}`;
    const read = await app.untypedRequest('GET', path);
    const etag = read.headers.get('etag')!;
    const body = hubBody(tenant.partnerId, tenant.regionIds);

    const ok = await app.untypedRequest('PUT', path, {
      body: { ...body, capacity_units: 501 },
      headers: { 'if-match': etag },
    });
    expect(ok.status, ok.text).toBe(200);
    const newTag = ok.headers.get('etag');
    expect(newTag).not.toBe(etag);
    expect((await app.untypedRequest('GET', path)).headers.get('etag')).toBe(newTag);

    const late = await app.untypedRequest('PUT', path, {
      body: { ...body, capacity_units: 9 },
      headers: { 'if-match': etag },
    });
    expect(late.status).toBe(412);
    expect(late.headers.get('content-type')).toContain('application/problem+json');
    expect(late.body.code).toBe('precondition_failed');
    expect((await app.untypedRequest('GET', path)).body.capacity_units).toBe(501);

    const star = await app.untypedRequest('PUT', path, {
      body: { ...body, capacity_units: 502 },
      headers: { 'if-match': '*' },
    });
    expect(star.status).toBe(200);
  });

  it('If-Match on a resource that does not exist is 412; without If-Match a PUT still creates', async () => {
    const res = await app.untypedRequest('PUT', '/v1/creators/creator-never-made', {
      body: { name: 'X' },
      headers: { 'if-match': '*' },
    });
    expect(res.status).toBe(412);
    expect((await app.untypedRequest('GET', '/v1/creators/creator-never-made')).status).toBe(404);
  });

  it("never tells a key about another tenant's drop: its If-Match answers 404, not 412", async () => {
    const other = await createTenant(app);
    const creatorKey = await createKey(app, { role: 'creator', creator_id: tenant.creatorId });
    const res = await app.untypedRequest('PUT', `/v1/drops/${other.dropId}`, {
      key: creatorKey,
      body: { name: 'x' },
      headers: { 'if-match': '"nope"' },
    });
    expect([400, 404]).toContain(res.status);
  });
});
