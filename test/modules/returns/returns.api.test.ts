/**
 * Returns over HTTP: a storefront posts a return, the units wait in inspection at the receiving hub,
 * then resellable units are back in stock (live stock and estimates count them); a return for more
 * than was sold is 422 naming `quantity` and writes nothing; a retry with the same Idempotency-Key
 * gets the same return; the post-drop report shows return rates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseBody } from '../../../src/http/contract';
import { createKey, createTenant, type Tenant } from '../../factories/catalog-factory';
import { postPreorders } from '../../factories/forecast-factory';
import { eventually, publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import type { Schemas } from '../../../src/client';
import { answer, expectData, problemIn, statusOf, type TypedAnswer } from '../../harness/answers';
import { startTestApp, type TestApp } from '../../harness/test-app';
import { stockKey } from '../../../src/modules/delivery/delivery-snapshot';

type Return = ResponseBody<'createReturn', 201>;

// Friday 2026-12-04, 05:00 in New York (the hub's zone): inspection ends Tuesday 00:00 local.
const T0 = '2026-12-04T10:00:00Z';
const READY = '2026-12-08T05:00:00.000Z';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ now: T0 });
});
afterAll(() => app.close());

interface Shop {
  tenant: Tenant;
  key: string;
  partnerKey: string;
  postReturn: (
    body: Omit<Schemas['ReturnInput'], 'sku_id'> & { sku_id?: string },
    headers?: Record<string, string>,
  ) => Promise<TypedAnswer<Return>>;
}

/** A tenant with 10 units at its hub, 2 sold by a confirmed hold and 1 by a placed pre-order. */
async function shopWithSales(): Promise<Shop> {
  app.clock.set(T0);
  const tenant = await createTenant(app);
  const key = await createKey(app, { role: 'storefront', creator_id: tenant.creatorId });
  const partnerKey = await createKey(app, { role: 'partner', partner_id: tenant.partnerId });
  await publishPlanWithAllocations(app.database.db, tenant.dropId, [
    { skuId: tenant.skuId, hubId: tenant.hubId, units: 10 },
  ]);
  await eventually(() => app.services.snapshots.current().skus.get(tenant.skuId)?.publishedPlanId != null);
  const api = app.client(key);
  const hold = await answer(
    api.POST('/v1/holds', {
      body: { sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, quantity: 2, hold_seconds: 300 },
    }),
  );
  expect(hold.status, hold.text).toBe(201);
  const confirmed = api.POST('/v1/holds/{holdId}/confirm', { params: { path: { holdId: hold.data!.id } } });
  expect(await statusOf(confirmed)).toBe(200);
  // checks its own answer (200)
  await postPreorders(app, tenant, [
    { sku: tenant.skuId, region: tenant.regionIds[1]!, quantity: 1, at: '2026-12-01T10:00:00Z' },
  ]);
  return {
    tenant,
    key,
    partnerKey,
    postReturn: (body, headers) =>
      answer(api.POST('/v1/returns', { headers, body: { sku_id: tenant.skuId, ...body } })),
  };
}

async function available(t: Tenant): Promise<number> {
  const stock = await expectData(
    200,
    app.client().GET('/v1/drops/{dropId}/stock', { params: { path: { dropId: t.dropId } } }),
  );
  return stock.items.find((i) => i.hub_id === t.hubId && i.sku_id === t.skuId)!.available;
}

/** GET /v1/returns/{returnId} as `key` (the admin by default). */
const readReturn = (returnId: string, key?: string) =>
  answer(app.client(key).GET('/v1/returns/{returnId}', { params: { path: { returnId } } }));

/** POST /v1/returns/{returnId}/inspection as `key`. */
const recordOutcome = (returnId: string, key: string, outcome: Schemas['ReturnOutcome']) =>
  answer(
    app.client(key).POST('/v1/returns/{returnId}/inspection', { params: { path: { returnId } }, body: { outcome } }),
  );

async function returnCount(skuId: string): Promise<number> {
  const { rows } = await app.database.db.query<{ n: number }>(
    'select count(*)::int as n from returns where sku_id = $1',
    [skuId],
  );
  return rows[0]!.n;
}

describe('posting a return', () => {
  it("sends the units to inspection at the region's hub until 00:00 local on the 2nd business day", async () => {
    const shop = await shopWithSales();
    const res = await shop.postReturn({ region_id: shop.tenant.regionIds[0]!, quantity: 1, reason: 'unwanted' });
    expect(res.status, res.text).toBe(201);
    expect(res.data).toMatchObject({
      hub_id: shop.tenant.hubId,
      drop_id: shop.tenant.dropId,
      status: 'inspection',
      outcome: 'available',
      received_at: new Date(T0).toISOString(),
      inspection_ends_at: READY,
      resolved_at: null,
    });
    expect((await readReturn(res.data!.id, shop.partnerKey)).data?.status).toBe('inspection');
  });

  it('counts a resellable unit in live stock and estimates only after inspection', async () => {
    const shop = await shopWithSales();
    const before = await available(shop.tenant);
    const ret = (await shop.postReturn({ hub_id: shop.tenant.hubId, quantity: 2, reason: 'wrong_item' })).data!;
    app.clock.set('2026-12-07T23:00:00Z'); // Monday evening: still in inspection
    expect(await app.services.returns.resolveInspectedReturns()).toBe(0);
    expect(await available(shop.tenant)).toBe(before);
    app.clock.set(READY);
    // (other tests' returns may leave inspection in the same step)
    expect(await app.services.returns.resolveInspectedReturns()).toBeGreaterThanOrEqual(1);
    expect((await readReturn(ret.id, shop.key)).data).toMatchObject({
      status: 'available',
      resolved_at: READY,
    });
    expect(await available(shop.tenant)).toBe(before + 2);
    // the estimates' in-memory snapshot hears about it through the stock ledger's notification
    await eventually(() => {
      const entry = app.services.snapshots.current().stockByHubSku.get(stockKey(shop.tenant.hubId, shop.tenant.skuId));
      return entry !== undefined && entry.onHand + entry.inbound === before + 2;
    });
  });

  it('sends a defect to repair, and a partner may record discounted instead; neither goes back in stock', async () => {
    const shop = await shopWithSales();
    const before = await available(shop.tenant);
    const defect = (await shop.postReturn({ hub_id: shop.tenant.hubId, quantity: 1, reason: 'defect' })).data!;
    expect(defect.outcome).toBe('repair');
    const offSpec = (await shop.postReturn({ hub_id: shop.tenant.hubId, quantity: 1, reason: 'unwanted' })).data!;
    const recorded = await recordOutcome(offSpec.id, shop.partnerKey, 'discounted');
    expect(recorded.status, recorded.text).toBe(200);
    expect(recorded.data).toMatchObject({ status: 'inspection', outcome: 'discounted' });
    // a storefront may not record an outcome (a route it may not use reads as absent)
    const storefront = await recordOutcome(offSpec.id, shop.key, 'available');
    expect(storefront.status).toBe(404);
    app.clock.set(READY);
    await app.services.returns.resolveInspectedReturns();
    expect((await readReturn(defect.id)).data?.status).toBe('repair');
    expect((await readReturn(offSpec.id)).data?.status).toBe('discounted');
    expect(await available(shop.tenant)).toBe(before);
    const late = await recordOutcome(offSpec.id, shop.partnerKey, 'available');
    expect(late.status).toBe(409);
  });

  it('answers a retry with the same Idempotency-Key with the same return, once', async () => {
    const shop = await shopWithSales();
    const headers = { 'Idempotency-Key': 'return-retry-1' };
    const first = await shop.postReturn({ hub_id: shop.tenant.hubId, quantity: 1, reason: 'unwanted' }, headers);
    const again = await shop.postReturn({ hub_id: shop.tenant.hubId, quantity: 1, reason: 'unwanted' }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.data?.id).toBe(first.data?.id);
    expect(await returnCount(shop.tenant.skuId)).toBe(1);
  });
});

describe('bad returns', () => {
  it('refuses more units than were sold (3 sold) with 422 naming quantity, and writes nothing', async () => {
    const shop = await shopWithSales();
    expect((await shop.postReturn({ hub_id: shop.tenant.hubId, quantity: 2, reason: 'unwanted' })).status).toBe(201);
    const res = await shop.postReturn({ hub_id: shop.tenant.hubId, quantity: 2, reason: 'defect' });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.error?.errors?.map((e) => e.path)).toEqual(['quantity']);
    expect(await returnCount(shop.tenant.skuId)).toBe(1);
    expect((await shop.postReturn({ hub_id: shop.tenant.hubId, quantity: 1, reason: 'defect' })).status).toBe(201);
  });

  it('refuses a return with neither hub nor region, or an unknown reason, with 422 naming the field', async () => {
    const shop = await shopWithSales();
    const nowhere = await shop.postReturn({ quantity: 1, reason: 'unwanted' });
    expect(nowhere.status).toBe(422);
    expect(nowhere.error?.errors?.map((e) => e.path)).toEqual(['hub_id']);
    // A reason the contract does not have: sent raw.
    const reason = await app.rawRequest('POST', '/v1/returns', {
      key: shop.key,
      body: { sku_id: shop.tenant.skuId, hub_id: shop.tenant.hubId, quantity: 1, reason: 'changed_mind' },
    });
    expect(reason.status).toBe(422);
    expect(problemIn(reason).errors?.map((e) => e.path)).toEqual(['reason']);
    expect(await returnCount(shop.tenant.skuId)).toBe(0);
  });

  it("answers 404 for another creator's SKU or return", async () => {
    const shop = await shopWithSales();
    const other = await shopWithSales();
    const res = await shop.postReturn({
      sku_id: other.tenant.skuId,
      hub_id: other.tenant.hubId,
      quantity: 1,
      reason: 'unwanted',
    });
    expect(res.status).toBe(404);
    const mine = (await shop.postReturn({ hub_id: shop.tenant.hubId, quantity: 1, reason: 'unwanted' })).data!;
    expect((await readReturn(mine.id, other.key)).status).toBe(404);
    expect((await readReturn(mine.id, other.partnerKey)).status).toBe(404);
  });
});

describe('the post-drop report', () => {
  it('shows return rates by region, SKU and reason, counted as of the read', async () => {
    const shop = await shopWithSales();
    const [r0, r1] = shop.tenant.regionIds as [string, string];
    await shop.postReturn({ region_id: r0, quantity: 1, reason: 'defect' });
    app.clock.set('2026-12-06T00:00:00Z'); // past the close
    expect(await app.services.reports.reportClosedDrops()).toContain(shop.tenant.dropId);
    const readReport = () =>
      answer(app.client().GET('/v1/drops/{dropId}/report', { params: { path: { dropId: shop.tenant.dropId } } }));
    const before = await readReport();
    expect(before.status, before.text).toBe(200);
    expect(before.data?.returns).toMatchObject({ units_sold: 3, units_returned: 1, return_rate: 1 / 3 });
    await shop.postReturn({ region_id: r1, hub_id: shop.tenant.hubId, quantity: 1, reason: 'unwanted' });
    const report = (await readReport()).data!;
    expect(report.returns).toEqual({
      units_sold: 3,
      units_returned: 2,
      return_rate: 2 / 3,
      by_region: [
        { region_id: r0, units_sold: 2, units_returned: 1, return_rate: 0.5 },
        { region_id: r1, units_sold: 1, units_returned: 1, return_rate: 1 },
      ].sort((a, b) => (a.region_id < b.region_id ? -1 : 1)),
      by_sku: [{ sku_id: shop.tenant.skuId, units_sold: 3, units_returned: 2, return_rate: 2 / 3 }],
      by_reason: [
        { reason: 'unwanted', units_sold: 3, units_returned: 1, return_rate: 1 / 3 },
        { reason: 'defect', units_sold: 3, units_returned: 1, return_rate: 1 / 3 },
        { reason: 'wrong_item', units_sold: 3, units_returned: 0, return_rate: 0 },
      ],
    });
  });
});
