import { randomBytes } from 'node:crypto';
import type { Schemas } from '../../src/client';
import type { Queryable } from '../../src/db/database';
import { expectData } from '../harness/answers';
import type { TestApp } from '../harness/test-app';

/** Fresh ids per call, so tests never collide and never need truncating. */
export const freshId = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;

/** A created or replaced resource: PUT answers 201 the first time and 200 after. */
export async function upserted<D>(
  call: Promise<{ data?: D; error?: unknown; response: Response }>,
): Promise<NonNullable<D>> {
  const answer = await call;
  if (answer.response.status !== 200) return expectData(201, Promise.resolve(answer));
  return answer.data as NonNullable<D>;
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
  const api = app.client();
  await upserted(api.PUT('/v1/creators/{creatorId}', { params: { path: { creatorId } }, body: { name: 'Creator' } }));
  await upserted(api.PUT('/v1/partners/{partnerId}', { params: { path: { partnerId } }, body: { name: 'Partner' } }));
  for (const [i, regionId] of regionIds.entries()) {
    await upserted(
      api.PUT('/v1/regions/{regionId}', {
        params: { path: { regionId } },
        body: { name: `Region ${i}`, time_zone: 'America/New_York', postal_prefixes: [`${regionId.slice(-6)}${i}`] },
      }),
    );
  }
  await upserted(api.PUT('/v1/hubs/{hubId}', { params: { path: { hubId } }, body: hubBody(partnerId, regionIds) }));
  await upserted(api.PUT('/v1/suppliers/{supplierId}', { params: { path: { supplierId } }, body: supplierBody() }));
  await upserted(api.PUT('/v1/drops/{dropId}', { params: { path: { dropId } }, body: dropBody(creatorId, regionIds) }));
  await upserted(
    api.PUT('/v1/drops/{dropId}/skus/{skuId}', { params: { path: { dropId, skuId } }, body: skuBody(supplierId) }),
  );
  return { creatorId, partnerId, regionIds, hubId, supplierId, dropId, skuId };
}

export const hubBody = (partnerId: string, regionIds: string[]): Schemas['HubInput'] => ({
  name: 'Hub',
  operator_partner_id: partnerId,
  capacity_units: 500,
  time_zone: 'America/New_York',
  order_cutoff_local: '15:00',
  handling_days: 0,
  lanes: regionIds.map((region_id, i) => ({ region_id, transit_days_min: 1 + i, transit_days_max: 2 + i })),
});

export const supplierBody = (): Schemas['SupplierInput'] => ({
  name: 'Microfactory',
  kind: 'microfactory',
  lead_time_days_min: 3,
  lead_time_days_max: 5,
  capacity_units: 1000,
  unit_cost: 9.5,
  min_order_units: 10,
  order_multiple: 5,
});

export const dropBody = (creatorId: string, regionIds: string[]): Schemas['DropInput'] => ({
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

export const skuBody = (supplierId: string): Schemas['SkuInput'] => ({
  name: 'Hoodie',
  price: 60,
  unit_cost: 20,
  sourcing: [{ supplier_id: supplierId, units_available: 800, available_on: '2026-11-30' }],
});

export async function createKey(app: TestApp, body: Schemas['ApiKeyInput']): Promise<string> {
  return (await expectData(201, app.client().POST('/v1/keys', { body }))).key;
}

/**
 * A creator and its drops as rows, for database tests that run without the HTTP layer. Each drop
 * opens 2026-01-01; `closesAt` defaults to 2026-02-01 and `status` to 'scheduled'.
 */
export async function insertCreatorWithDrops(
  db: Queryable,
  creatorId: string,
  drops: readonly { id: string; closesAt?: string; status?: string }[],
): Promise<void> {
  await db.query(`insert into creators (id, name) values ($1, 'Creator')`, [creatorId]);
  for (const drop of drops)
    await db.query(
      `insert into drops (id, creator_id, name, opens_at, closes_at, promise_business_days, status, baseline_source)
       values ($1, $2, $1, '2026-01-01T00:00:00Z', $3, 3, $4, 'warehouse')`,
      [drop.id, creatorId, drop.closesAt ?? '2026-02-01T00:00:00Z', drop.status ?? 'scheduled'],
    );
}
