import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, type Tenant } from '../../factories/catalog-factory';
import { eventually, publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';
import type { operations, Schemas } from '../../../src/client';
import { answer, problemIn } from '../../harness/answers';

type EstimateQuery = operations['estimateDelivery']['parameters']['query'];
type DeliveryPromise = Schemas['DeliveryPromise'];
/** The estimate as a promise (the contract's union narrowed by its status), or undefined. */
const promiseIn = (estimate: Schemas['DeliveryEstimate'] | undefined): DeliveryPromise | undefined =>
  estimate?.status === 'promise' ? estimate : undefined;

// The clock stands at Monday 2026-11-23 07:00 in New York: before the hubs' 15:00 cutoff. The drop
// opens on Thursday 2026-12-03 at 17:00Z (12:00 in New York), so orders placed now are pre-orders.
let app: TestApp;
let tenant: Tenant;
let other: Tenant;
let storefront: string;
let otherStorefront: string;
let postalCode: string;

const estimate = (key: string, query: EstimateQuery) =>
  answer(app.client(key).GET('/v1/estimates', { params: { query } }));

async function availableAt(hubId: string, skuId: string): Promise<number> {
  const stock = await answer(
    app.client().GET('/v1/drops/{dropId}/stock', { params: { path: { dropId: tenant.dropId } } }),
  );
  return (
    stock.data!.items.find((i: { hub_id: string; sku_id: string }) => i.hub_id === hubId && i.sku_id === skuId)
      ?.available ?? 0
  );
}

beforeAll(async () => {
  app = await startTestApp({ now: '2026-11-23T12:00:00Z' });
  tenant = await createTenant(app);
  other = await createTenant(app);
  storefront = await createKey(app, { role: 'storefront', creator_id: tenant.creatorId });
  otherStorefront = await createKey(app, { role: 'storefront', creator_id: other.creatorId });
  postalCode = `${(await answer(app.client().GET('/v1/regions/{regionId}', { params: { path: { regionId: tenant.regionIds[0]! } } }))).data!.postal_prefixes[0]}77`;
});
afterAll(() => app.close());

describe('delivery estimates', () => {
  it('answers "no promise" with its reason while the drop has no published plan', async () => {
    const res = await estimate(storefront, { sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, quantity: 1 });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({
      status: 'no_promise',
      reason: 'no_published_plan',
      sku_id: tenant.skuId,
      drop_id: tenant.dropId,
    });
  });

  it('promises a window from the serving hub from the opening, with the delta against the baseline', async () => {
    await publishPlanWithAllocations(app.database.db, tenant.dropId, [
      { skuId: tenant.skuId, hubId: tenant.hubId, units: 5 },
    ]);
    await eventually(
      async () =>
        (await estimate(storefront, { sku_id: tenant.skuId, region_id: tenant.regionIds[0]! })).data?.status ===
        'promise',
    );
    const res = await estimate(storefront, { sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, quantity: 2 });
    // A pre-order ships from the opening (Thu 12:00 in New York, before the cutoff): Fri and Mon.
    expect(res.data).toMatchObject({
      status: 'promise',
      source: { type: 'hub', id: tenant.hubId },
      source_state: 'inbound',
      inbound_expected_at: null,
      start_reason: 'opening',
      handling_days: 0,
      transit_days_min: 1,
      transit_days_max: 2,
      cutoff_applied: false,
      start_date: '2026-12-03',
      earliest_delivery: '2026-12-04',
      latest_delivery: '2026-12-07',
      baseline: { earliest_delivery: '2026-12-10', latest_delivery: '2026-12-14' },
      lead_time_delta: { earliest: 4, latest: 5 },
      meets_promise: true,
    });
    expect(Date.parse(promiseIn(res.data)!.expires_at)).toBe(Date.parse('2026-12-03T20:00:00Z'));
  });

  it('moves the start a business day when the order comes after the hub cutoff', async () => {
    const res = await estimate(storefront, {
      sku_id: tenant.skuId,
      region_id: tenant.regionIds[0]!,
      ordered_at: '2026-12-04T21:30:00Z',
    });
    expect(res.data).toMatchObject({
      start_reason: 'order',
      cutoff_applied: true,
      start_date: '2026-12-07',
      earliest_delivery: '2026-12-08',
    });
  });

  it('answers each side of the cutoff minute correctly, cached answers included', async () => {
    const at = (orderedAt: string) =>
      estimate(storefront, { sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, ordered_at: orderedAt });
    // The hub's cutoff is 15:00 in New York = 20:00Z on 2026-12-08; asked twice each, the second from the cache.
    for (let round = 0; round < 2; round++) {
      expect(promiseIn((await at('2026-12-08T19:59:59.999Z')).data)!.cutoff_applied).toBe(false);
      expect(promiseIn((await at('2026-12-08T20:00:00Z')).data)!.cutoff_applied).toBe(true);
      expect((await at('2026-12-08T20:00:59Z')).data).toMatchObject({ cutoff_applied: true, start_date: '2026-12-09' });
    }
  });

  it('maps a postal code to its region by prefix', async () => {
    const res = await estimate(storefront, { sku_id: tenant.skuId, postal_code: postalCode.toLowerCase() });
    expect(res.data).toMatchObject({ status: 'promise', region_id: tenant.regionIds[0]! });
  });

  it('falls back to the baseline path when the hub cannot cover the quantity', async () => {
    const res = await estimate(storefront, { sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, quantity: 50 });
    expect(res.data).toMatchObject({
      status: 'promise',
      source: { type: 'baseline' },
      meets_promise: false,
      lead_time_delta: { earliest: 0, latest: 0 },
    });
  });

  it('names bad input: unknown SKU 404, unknown region or postal code 422, quantity not a positive integer 422', async () => {
    expect((await estimate(storefront, { sku_id: 'no-such-sku', region_id: tenant.regionIds[0]! })).status).toBe(404);
    const region = await estimate(storefront, { sku_id: tenant.skuId, region_id: 'XX-NOPE' });
    expect(region.status).toBe(422);
    expect(region.error!.errors![0]!.path).toBe('region_id');
    const postal = await estimate(storefront, { sku_id: tenant.skuId, postal_code: '@@' });
    expect(postal.status).toBe(422);
    for (const quantity of ['0', '-2', '1.5', 'many']) {
      // Quantities the contract's integer type forbids, sent raw.
      const res = await app.rawRequest(
        'GET',
        `/v1/estimates?${new URLSearchParams({ sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, quantity })}`,
        { key: storefront },
      );
      expect(res.status).toBe(422);
      expect(problemIn(res).errors![0]!.path).toBe('quantity');
    }
  });

  it("answers 404 for another creator's SKU", async () => {
    expect((await estimate(otherStorefront, { sku_id: tenant.skuId, region_id: tenant.regionIds[0]! })).status).toBe(
      404,
    );
  });

  it('estimates a cart where earlier lines take the stock first', async () => {
    const res = await answer(
      app.client(storefront).POST('/v1/estimates/cart', {
        body: {
          region_id: tenant.regionIds[0]!,
          lines: [
            { sku_id: tenant.skuId, quantity: 4 },
            { sku_id: tenant.skuId, quantity: 4 },
          ],
        },
      }),
    );
    expect(res.status).toBe(200);
    expect(res.data!.lines.map((l) => (l as unknown as Pick<DeliveryPromise, 'source'>).source.type)).toEqual([
      'hub',
      'baseline',
    ]);
    const tooMany = await answer(
      app.client(storefront).POST('/v1/estimates/cart', {
        body: {
          region_id: tenant.regionIds[0]!,
          lines: Array.from({ length: 101 }, () => ({ sku_id: tenant.skuId, quantity: 1 })),
        },
      }),
    );
    expect(tooMany.status).toBe(422);
    expect(tooMany.error!.errors![0]!.path).toBe('lines');
  });
});

describe('reservation holds', () => {
  it('holds stock so estimates see less, and a release gives it back', async () => {
    const before = await availableAt(tenant.hubId, tenant.skuId);
    const hold = await answer(
      app.client(storefront).POST('/v1/holds', {
        body: { sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, quantity: 3, hold_seconds: 300 },
      }),
    );
    expect(hold.status).toBe(201);
    expect(hold.data).toMatchObject({
      status: 'held',
      hub_id: tenant.hubId,
      quantity: 3,
      expires_at: '2026-11-23T12:05:00.000Z',
    });
    expect(await availableAt(tenant.hubId, tenant.skuId)).toBe(before - 3);
    await eventually(
      async () =>
        promiseIn(
          (await estimate(storefront, { sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, quantity: 3 })).data,
        )?.source.type === 'baseline',
    );
    const released = await answer(
      app.client(storefront).POST('/v1/holds/{holdId}/release', { params: { path: { holdId: hold.data!.id } } }),
    );
    expect(released.data!.status).toBe('released');
    expect(await availableAt(tenant.hubId, tenant.skuId)).toBe(before);
    expect(
      (
        await answer(
          app.client(storefront).POST('/v1/holds/{holdId}/confirm', { params: { path: { holdId: hold.data!.id } } }),
        )
      ).status,
    ).toBe(409);
  });

  it('refuses a hold beyond the stock with 409 and the quantity available', async () => {
    const res = await answer(
      app.client(storefront).POST('/v1/holds', {
        body: { sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, quantity: 99 },
      }),
    );
    expect(res.status).toBe(409);
    expect(res.error).toMatchObject({ reason: 'out_of_stock', quantity_available: expect.any(Number) });
  });

  it('frees the stock of an expired hold by itself', async () => {
    const before = await availableAt(tenant.hubId, tenant.skuId);
    const hold = await answer(
      app.client(storefront).POST('/v1/holds', {
        body: { sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, quantity: before },
      }),
    );
    expect(hold.status).toBe(201);
    expect(await availableAt(tenant.hubId, tenant.skuId)).toBe(0);
    app.clock.set('2026-11-23T12:20:00Z');
    expect(await app.services.delivery.expireDueHolds()).toBe(before);
    expect(await availableAt(tenant.hubId, tenant.skuId)).toBe(before);
    expect(
      (
        await answer(
          app.client(storefront).POST('/v1/holds/{holdId}/confirm', { params: { path: { holdId: hold.data!.id } } }),
        )
      ).error!.hold_status,
    ).toBe('expired');
    app.clock.set('2026-11-23T12:00:00Z');
  });

  it('confirms a hold into a reservation', async () => {
    const before = await availableAt(tenant.hubId, tenant.skuId);
    const hold = await answer(
      app.client(storefront).POST('/v1/holds', {
        body: { sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, quantity: 1 },
      }),
    );
    const confirmed = await answer(
      app.client(storefront).POST('/v1/holds/{holdId}/confirm', { params: { path: { holdId: hold.data!.id } } }),
    );
    expect(confirmed.data!.status).toBe('confirmed');
    const stock = await answer(
      app.client().GET('/v1/drops/{dropId}/stock', { params: { path: { dropId: tenant.dropId } } }),
    );
    expect(stock.data!.items[0]).toMatchObject({ hub_id: tenant.hubId, held: 0, available: before - 1 });
    expect(stock.data!.items[0]!.reserved).toBeGreaterThanOrEqual(1);
  });

  it('never oversells under many parallel holds', async () => {
    const fresh = await createTenant(app);
    const key = await createKey(app, { role: 'storefront', creator_id: fresh.creatorId });
    await publishPlanWithAllocations(app.database.db, fresh.dropId, [
      { skuId: fresh.skuId, hubId: fresh.hubId, units: 20 },
    ]);
    await eventually(
      async () =>
        (await estimate(key, { sku_id: fresh.skuId, region_id: fresh.regionIds[0]! })).data?.status === 'promise',
    );
    const attempts = await Promise.all(
      Array.from({ length: 60 }, () =>
        app.rawRequest('POST', '/v1/holds', {
          key,
          body: { sku_id: fresh.skuId, region_id: fresh.regionIds[0]!, quantity: 1 },
        }),
      ),
    );
    expect(attempts.filter((r) => r.status === 201)).toHaveLength(20);
    expect(attempts.filter((r) => r.status === 409)).toHaveLength(40);
    const { rows } = await app.database.db.query<{ held: number }>(
      'select held from hub_stock where hub_id = $1 and sku_id = $2',
      [fresh.hubId, fresh.skuId],
    );
    expect(rows[0]!.held).toBe(20);
  });

  it("answers 404 to another tenant's hold and to a creator key posting holds", async () => {
    const hold = await answer(
      app.client(storefront).POST('/v1/holds', {
        body: { sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, quantity: 1 },
      }),
    );
    expect(
      (
        await answer(
          app
            .client(otherStorefront)
            .POST('/v1/holds/{holdId}/release', { params: { path: { holdId: hold.data!.id } } }),
        )
      ).status,
    ).toBe(404);
    const creator = await createKey(app, { role: 'creator', creator_id: tenant.creatorId });
    expect(
      (
        await answer(
          app.client(creator).POST('/v1/holds', {
            body: { sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, quantity: 1 },
          }),
        )
      ).status,
    ).toBe(404);
  });
});

describe('creator preview', () => {
  it('keys the preview by region with the plan it comes from', async () => {
    const res = await answer(
      app.client().GET('/v1/drops/{dropId}/preview', { params: { path: { dropId: tenant.dropId } } }),
    );
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ drop_id: tenant.dropId, promise_business_days: 2, plan: { status: 'published' } });
    expect(
      (
        await answer(
          app
            .client(otherStorefront)
            .GET('/v1/drops/{dropId}/preview', { params: { path: { dropId: tenant.dropId } } }),
        )
      ).status,
    ).toBe(404);
  });
});
