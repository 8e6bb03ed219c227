import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../factories/catalog-factory';
import { createSignalsTenant, PAST, rotateSigningSecret, postSigned, toNdjson } from '../../factories/signals-factory';
import type { SignalsTenant } from '../../factories/signals-factory';
import { publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';
import type { Schemas } from '../../../src/client';
import { answer } from '../../harness/answers';

/**
 * Inventory events are identified by (sender, hub, id), and each sender may post only its side:
 * partners anything for the hubs they operate, storefronts the sales side of their creator's SKUs.
 * Seen defect 4: a storefront's event id shadowed a partner's real receipt, which was dropped.
 */
let app: TestApp;
let t: SignalsTenant;

beforeAll(async () => {
  app = await startTestApp();
  t = await createSignalsTenant(app);
  await publishPlanWithAllocations(app.database.db, t.dropId, [{ skuId: t.skuId, hubId: t.hubId, units: 500 }]);
});
afterAll(() => app.close());

const event = (overrides: Partial<Schemas['InventoryEventRow']>): Schemas['InventoryEventRow'] => ({
  id: 'swl-rcv-0001',
  type: 'received',
  hub_id: t.hubId,
  sku_id: t.skuId,
  quantity: 500,
  occurred_at: PAST,
  ...overrides,
});
const post = (key: string, rows: Schemas['InventoryEventRow'][]) =>
  answer(app.client(key).POST('/v1/inventory-events', { body: { rows } }));

async function stockAtHub() {
  const stock = await answer(app.client().GET('/v1/drops/{dropId}/stock', { params: { path: { dropId: t.dropId } } }));
  return stock.data!.items.find((i: { hub_id: string }) => i.hub_id === t.hubId) as {
    on_hand: number;
    inbound: number;
    reserved: number;
  };
}

describe('one tenant cannot drop another tenant’s event', () => {
  it("stores and counts the partner's receipt after a storefront used the same event id at that hub", async () => {
    // The storefront goes first with the id the partner will use.
    const storefront = await post(t.keys.storefront, [event({ type: 'reserved', quantity: 1 })]);
    expect(storefront.status, storefront.text).toBe(200);
    expect(storefront.data!.created).toBe(1);
    const receipt = await post(t.keys.partner, [event({})]);
    expect(receipt.status, receipt.text).toBe(200);
    expect(receipt.data).toEqual({ rows: 1, created: 1, updated: 0, unchanged: 0 });
    // The receipt made the inbound units on hand; the storefront's sale reserves one of them.
    expect(await stockAtHub()).toMatchObject({ on_hand: 500, inbound: 0, reserved: 1 });
    const summary = await answer(
      app.client().GET('/v1/drops/{dropId}/signal-summary', { params: { path: { dropId: t.dropId } } }),
    );
    expect(summary.data!.inventory).toEqual(
      expect.arrayContaining([expect.objectContaining({ hub_id: t.hubId, received: 500, reserved: 1 })]),
    );
    // Each sender's replay is recognised as its own.
    expect((await post(t.keys.partner, [event({})])).data!.unchanged).toBe(1);
    expect((await post(t.keys.storefront, [event({ type: 'reserved', quantity: 1 })])).data!.unchanged).toBe(1);
  });

  it("recognises a partner's replay whether it comes with its API key or signed", async () => {
    const secret = await rotateSigningSecret(app, t.partnerId);
    const row = event({ id: 'swl-adj-0001', type: 'adjusted', quantity: -3 });
    expect((await post(t.keys.partner, [row])).data!.created).toBe(1);
    const signed = await postSigned(app, { partnerId: t.partnerId, secret, body: toNdjson([row]) });
    expect(signed.status, signed.text).toBe(200);
    expect(signed.body).toMatchObject({ created: 0, unchanged: 1 });
  });
});

describe('who may post what', () => {
  it('refuses receipts, shipments and adjustments from a storefront, naming each row, writing nothing', async () => {
    const before = await stockAtHub();
    const res = await post(t.keys.storefront, [
      event({ id: 'sf-ok', type: 'released', quantity: 1 }),
      event({ id: 'sf-rcv', type: 'received', quantity: 50 }),
      event({ id: 'sf-shp', type: 'shipped', quantity: 5 }),
      event({ id: 'sf-adj', type: 'adjusted', quantity: 5 }),
    ]);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.error!.errors!.map((e) => e.path)).toEqual(['rows[1].type', 'rows[2].type', 'rows[3].type']);
    expect(await stockAtHub()).toEqual(before);
  });

  it("refuses a storefront's sale of another creator's SKU, and a partner's event at another's hub", async () => {
    const other = await createSignalsTenant(app);
    const sale = await post(t.keys.storefront, [event({ id: 'sf-other', type: 'reserved', sku_id: other.skuId })]);
    expect(sale.status).toBe(422);
    expect(sale.error!.errors![0]!.path).toBe('rows[0].sku_id');
    const foreign = await post(t.keys.partner, [event({ id: 'p-other', hub_id: other.hubId, sku_id: other.skuId })]);
    expect(foreign.status).toBe(422);
    expect(foreign.error!.errors![0]!.path).toBe('rows[0].hub_id');
  });

  it('keeps an admin event and a partner event with the same id apart', async () => {
    const admin = await post(app.adminKey, [event({ id: 'shared-id', type: 'shipped', quantity: 2 })]);
    const partner = await post(t.keys.partner, [event({ id: 'shared-id', type: 'shipped', quantity: 2 })]);
    expect([admin.data!.created, partner.data!.created]).toEqual([1, 1]);
    const creator = await createKey(app, { role: 'creator', creator_id: t.creatorId });
    expect((await post(creator, [event({ id: 'c-1' })])).status).toBe(404);
  });
});
