import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { TestApp } from '../harness/test-app';

/** Fresh ids per call, so tests never collide and never need truncating. */
export const freshId = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;

async function put(app: TestApp, path: string, body: unknown) {
  const res = await app.request('PUT', path, { body });
  expect(res.status, `${path}: ${res.text}`).toBeLessThan(300);
  return res.body;
}

export interface Tenant {
  creatorId: string;
  partnerId: string;
  regionIds: string[];
  hubId: string;
  supplierId: string;
  dropId: string;
  skuId: string;
}

/** A small, complete catalog: one creator with a drop and a SKU, one partner with a hub, two regions. */
export async function createTenant(app: TestApp): Promise<Tenant> {
  const creatorId = freshId('creator');
  const partnerId = freshId('partner');
  const regionIds = [freshId('region'), freshId('region')];
  const hubId = freshId('hub');
  const supplierId = freshId('supplier');
  const dropId = freshId('drop');
  const skuId = freshId('sku');
  await put(app, `/v1/creators/${creatorId}`, { name: 'Creator' });
  await put(app, `/v1/partners/${partnerId}`, { name: 'Partner' });
  for (const [i, id] of regionIds.entries()) {
    await put(app, `/v1/regions/${id}`, {
      name: `Region ${i}`,
      time_zone: 'America/New_York',
      postal_prefixes: [`${id.slice(-6)}${i}`],
    });
  }
  await put(app, `/v1/hubs/${hubId}`, hubBody(partnerId, regionIds));
  await put(app, `/v1/suppliers/${supplierId}`, supplierBody());
  await put(app, `/v1/drops/${dropId}`, dropBody(creatorId, regionIds));
  await put(app, `/v1/drops/${dropId}/skus/${skuId}`, skuBody(supplierId));
  return { creatorId, partnerId, regionIds, hubId, supplierId, dropId, skuId };
}

export const hubBody = (partnerId: string, regionIds: string[]) => ({
  name: 'Hub',
  operator_partner_id: partnerId,
  capacity_units: 500,
  time_zone: 'America/New_York',
  order_cutoff_local: '15:00',
  handling_days: 0,
  lanes: regionIds.map((region_id, i) => ({ region_id, transit_days_min: 1 + i, transit_days_max: 2 + i })),
});

export const supplierBody = () => ({
  name: 'Microfactory',
  kind: 'microfactory',
  lead_time_days_min: 3,
  lead_time_days_max: 5,
  capacity_units: 1000,
  unit_cost: 9.5,
  min_order_units: 10,
  order_multiple: 5,
});

export const dropBody = (creatorId: string, regionIds: string[]) => ({
  creator_id: creatorId,
  name: 'Drop',
  opens_at: '2026-12-03T17:00:00Z',
  closes_at: '2026-12-05T17:00:00Z',
  promise_business_days: 2,
  baseline: {
    source: 'central warehouse',
    paths: regionIds.map((region_id) => ({ region_id, handling_days: 2, transit_days_min: 3, transit_days_max: 5 })),
  },
});

export const skuBody = (supplierId: string) => ({
  name: 'Hoodie',
  price: 60,
  unit_cost: 20,
  sourcing: [{ supplier_id: supplierId, units_available: 800, available_on: '2026-11-30' }],
});

export async function createKey(
  app: TestApp,
  body: { role: string; creator_id?: string; partner_id?: string },
): Promise<string> {
  const res = await app.request('POST', '/v1/keys', { body });
  expect(res.status, res.text).toBe(201);
  return res.body.key as string;
}
