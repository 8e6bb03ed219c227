import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Schemas } from '../../src/client';
import { createKey, createTenant, dropBody, hubBody, type Tenant } from '../factories/catalog-factory';
import { createForecast } from '../factories/plan-factory';
import { publishPlanWithAllocations } from '../factories/plan-publish-factory';
import { answer, statusOf } from '../harness/answers';
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

type Headers = Record<string, string>;
/** A typed GET of one resource, sending these headers. */
type Get = (headers: Headers) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

async function expectConditional(name: string, get: Get) {
  const first = await answer(get({}));
  expect(first.status, `${name}: ${first.text}`).toBe(200);
  const etag = first.headers.get('etag');
  expect(etag, name).toMatch(/^"[\w-]{16,}"$/);
  const again = await answer(get({ 'if-none-match': etag! }));
  expect(again.status, name).toBe(304);
  expect(again.text).toBe('');
  expect(again.headers.get('etag')).toBe(etag);
  const stale = await answer(get({ 'if-none-match': '"something-else"' }));
  expect(stale.status).toBe(200);
  return etag!;
}

/** The partner's allocations of the tenant's drop; CSV (read as text) with `format=csv` or `Accept: text/csv`. */
const allocations =
  (as: 'json' | 'csv' | 'accept-csv' = 'json'): Get =>
  (headers) =>
    app.client(partnerKey).GET('/v1/partner/allocations', {
      params: { query: { drop_id: tenant.dropId, ...(as === 'csv' ? { format: 'csv' as const } : {}) } },
      headers: as === 'accept-csv' ? { ...headers, accept: 'text/csv' } : headers,
      ...(as === 'json' ? {} : { parseAs: 'text' as const }),
    });

const stock: Get = (headers) =>
  app.client().GET('/v1/drops/{dropId}/stock', { params: { path: { dropId: tenant.dropId } }, headers });

describe('If-None-Match', () => {
  it('answers 304 for an unchanged plan, partner allocations (JSON and CSV), forecast, stock and preview', async () => {
    const dropId = tenant.dropId;
    await expectConditional('plan', (headers) =>
      app.client().GET('/v1/plans/{planId}', { params: { path: { planId } }, headers }),
    );
    const json = await expectConditional('allocations', allocations());
    const csv = await expectConditional('allocations as CSV', allocations('csv'));
    const accept = await expectConditional('allocations, Accept: text/csv', allocations('accept-csv'));
    expect(csv).not.toBe(json);
    expect(accept).toBe(csv);
    const forecastId = await createForecast(app, tenant.dropId, [
      { sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, mean: 20 },
    ]);
    await expectConditional('forecast', (headers) =>
      app.client().GET('/v1/forecasts/{forecastId}', { params: { path: { forecastId } }, headers }),
    );
    await expectConditional('latest forecast', (headers) =>
      app.client().GET('/v1/drops/{dropId}/forecasts/latest', { params: { path: { dropId } }, headers }),
    );
    await expectConditional('stock', stock);
    await expectConditional('preview', (headers) =>
      app.client().GET('/v1/drops/{dropId}/preview', { params: { path: { dropId } }, headers }),
    );
  });

  it('gives the allocations a new tag when a new plan is published, so a poller sees the change', async () => {
    const before = (await answer(allocations()({}))).headers.get('etag')!;
    await publishPlanWithAllocations(app.services.db, tenant.dropId, [
      { skuId: tenant.skuId, hubId: tenant.hubId, units: 31 },
    ]);
    const after = await answer(allocations()({ 'if-none-match': before }));
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(before);
  });

  it('tags stock by its figures, not by the instant it was read: a new plan changes the tag', async () => {
    const before = (await answer(stock({}))).headers.get('etag')!;
    app.clock.set(new Date(app.clock.now().getTime() + 60_000));
    expect(await statusOf(stock({ 'if-none-match': before }))).toBe(304);
    await publishPlanWithAllocations(app.services.db, tenant.dropId, [
      { skuId: tenant.skuId, hubId: tenant.hubId, units: 44 },
    ]);
    const after = await answer(stock({ 'if-none-match': before }));
    expect(after.status).toBe(200);
  });
});

describe('If-Match on PUT', () => {
  it('writes when the tag is current, refuses with 412 (and writes nothing) when the resource changed', async () => {
    const hub = { params: { path: { hubId: tenant.hubId } } };
    const read = () => answer(app.client().GET('/v1/hubs/{hubId}', hub));
    const put = (body: Schemas['HubInput'], ifMatch: string) =>
      answer(app.client().PUT('/v1/hubs/{hubId}', { ...hub, body, headers: { 'if-match': ifMatch } }));
    const etag = (await read()).headers.get('etag')!;
    const body = hubBody(tenant.partnerId, tenant.regionIds);

    const ok = await put({ ...body, capacity_units: 501 }, etag);
    expect(ok.status, ok.text).toBe(200);
    const newTag = ok.headers.get('etag');
    expect(newTag).not.toBe(etag);
    expect((await read()).headers.get('etag')).toBe(newTag);

    const late = await put({ ...body, capacity_units: 9 }, etag);
    expect(late.status).toBe(412);
    expect(late.headers.get('content-type')).toContain('application/problem+json');
    expect(late.error?.code).toBe('precondition_failed');
    expect((await read()).data?.capacity_units).toBe(501);

    const star = await put({ ...body, capacity_units: 502 }, '*');
    expect(star.status).toBe(200);
  });

  it('If-Match on a resource that does not exist is 412; without If-Match a PUT still creates', async () => {
    const creator = { params: { path: { creatorId: 'creator-never-made' } } };
    const res = await answer(
      app.client().PUT('/v1/creators/{creatorId}', { ...creator, body: { name: 'X' }, headers: { 'if-match': '*' } }),
    );
    expect(res.status).toBe(412);
    expect(await statusOf(app.client().GET('/v1/creators/{creatorId}', creator))).toBe(404);
  });

  it("never tells a key about another tenant's drop: its If-Match answers 404, not 412", async () => {
    const other = await createTenant(app);
    const creatorKey = await createKey(app, { role: 'creator', creator_id: tenant.creatorId });
    const res = await answer(
      app.client(creatorKey).PUT('/v1/drops/{dropId}', {
        params: { path: { dropId: other.dropId } },
        body: { ...dropBody(other.creatorId, other.regionIds), name: 'x' },
        headers: { 'if-match': '"nope"' },
      }),
    );
    expect([400, 404]).toContain(res.status);
  });
});
