import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, type Tenant } from '../../factories/catalog-factory';
import { eventually, publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';
import { answer } from '../../harness/answers';

/**
 * Seen defect 2: estimates dated before the drop opened and before the stock reached the hub, and
 * live stock showing the plan's allocation as on hand from the moment it was published.
 *
 * The clock stands at Monday 2026-11-23 12:00Z. The drop opens Thursday 2026-12-03 at 17:00Z (12:00 in
 * New York); the supplier order brings the units to the hub on Friday 2026-12-04 at 15:00Z (10:00 in
 * New York, before the hub's 15:00 cutoff). Transit to the region is 1–2 business days, handling 0.
 */
let app: TestApp;
let t: Tenant;
let storefront: string;
let partner: string;
const ARRIVES = '2026-12-04T15:00:00.000Z';

beforeAll(async () => {
  app = await startTestApp({ now: '2026-11-23T12:00:00Z' });
  t = await createTenant(app);
  storefront = await createKey(app, { role: 'storefront', creator_id: t.creatorId });
  partner = await createKey(app, { role: 'partner', partner_id: t.partnerId });
  await publishPlanWithAllocations(
    app.database.db,
    t.dropId,
    [{ skuId: t.skuId, hubId: t.hubId, units: 50 }],
    [],
    [{ skuId: t.skuId, hubId: t.hubId, supplierId: t.supplierId, quantity: 50, arriveBy: ARRIVES }],
  );
  await eventually(async () => ((await estimate({})).body as EstimateRead).status === 'promise');
});
afterAll(() => app.close());

/** An estimate read raw (the query is built from strings). */
type EstimateRead = { status?: string; source_state?: string; earliest_delivery: string };
const estimate = (query: Record<string, string>) =>
  app.rawRequest(
    'GET',
    `/v1/estimates?${new URLSearchParams({ sku_id: t.skuId, region_id: t.regionIds[0]!, ...query })}`,
    {
      key: storefront,
    },
  );
const stockAtHub = async () =>
  (
    await answer(app.client().GET('/v1/drops/{dropId}/stock', { params: { path: { dropId: t.dropId } } }))
  ).data!.items.find((i: { hub_id: string }) => i.hub_id === t.hubId);

describe('before the hub receives the stock', () => {
  it('shows the placed units as inbound with their date, none on hand', async () => {
    expect(await stockAtHub()).toMatchObject({
      on_hand: 0,
      inbound: 50,
      inbound_expected_at: ARRIVES,
      held: 0,
      available: 50,
    });
  });

  it('never promises delivery before the units are at the hub (nor before the opening)', async () => {
    const res = await estimate({});
    expect(res.status).toBe(200);
    // Work starts Friday at the arrival: delivered Monday to Tuesday, never the day after the order.
    expect(res.body).toMatchObject({
      status: 'promise',
      source: { type: 'hub', id: t.hubId },
      source_state: 'inbound',
      inbound_expected_at: ARRIVES,
      start_reason: 'arrival',
      start_date: '2026-12-04',
      earliest_delivery: '2026-12-07',
      latest_delivery: '2026-12-08',
    });
    expect((res.body as EstimateRead).earliest_delivery > '2026-12-04').toBe(true);
  });

  it('lets a storefront hold inbound units for a pre-order, promised from their arrival', async () => {
    const hold = await answer(
      app.client(storefront).POST('/v1/holds', { body: { sku_id: t.skuId, region_id: t.regionIds[0]!, quantity: 5 } }),
    );
    expect(hold.status).toBe(201);
    expect(await stockAtHub()).toMatchObject({ on_hand: 0, inbound: 50, held: 5, available: 45 });
    await answer(
      app.client(storefront).POST('/v1/holds/{holdId}/release', { params: { path: { holdId: hold.data!.id } } }),
    );
  });
});

describe('once the hub reports the receipt', () => {
  it('turns the inbound units into on-hand units and promises them from the opening', async () => {
    const receipt = await answer(
      app.client(partner).POST('/v1/inventory-events', {
        body: {
          rows: [
            {
              id: 'rcv-1',
              type: 'received',
              hub_id: t.hubId,
              sku_id: t.skuId,
              quantity: 50,
              occurred_at: '2026-11-23T11:00:00Z',
            },
          ],
        },
      }),
    );
    expect(receipt.status, receipt.text).toBe(200);
    expect(await stockAtHub()).toMatchObject({ on_hand: 50, inbound: 0, inbound_expected_at: null, available: 50 });
    await eventually(async () => ((await estimate({})).body as EstimateRead).source_state === 'on_hand');
    // Thursday 12:00 in New York, before the cutoff: ships Thursday, delivered Friday to Monday.
    expect((await estimate({})).body).toMatchObject({
      source_state: 'on_hand',
      inbound_expected_at: null,
      start_reason: 'opening',
      start_date: '2026-12-03',
      earliest_delivery: '2026-12-04',
      latest_delivery: '2026-12-07',
    });
  });

  it('promises from the order once the drop is open', async () => {
    const res = await estimate({ ordered_at: '2026-12-08T14:00:00Z' });
    expect(res.body).toMatchObject({
      start_reason: 'order',
      start_date: '2026-12-08',
      earliest_delivery: '2026-12-09',
    });
  });
});
