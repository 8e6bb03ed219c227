import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, type Tenant } from '../factories/catalog-factory';
import { eventually, publishPlanWithAllocations } from '../factories/plan-publish-factory';
import { startTestApp, type TestApp } from '../harness/test-app';

/**
 * One shared check of authentication, roles and tenancy on every route family. Two tenants
 * (creators with their drops, partners with their hubs); each role's key against its own
 * tenant's ids, the other tenant's ids and the families it may not use. Denied → 404, never 403:
 * a key never learns what exists outside its scope.
 */
type Role = 'admin' | 'creator' | 'partner' | 'storefront' | 'none' | 'revoked';
type Expect = 'ok' | 401 | 404;

let app: TestApp;
let mine: Tenant;
let theirs: Tenant;
const keys = {} as Record<Role, string | null>;
const forecastIds: Record<string, string> = {};
const holdIds: Record<string, string> = {};
const returnIds: Record<string, string> = {};

beforeAll(async () => {
  app = await startTestApp();
  mine = await createTenant(app);
  theirs = await createTenant(app);
  keys.admin = app.adminKey;
  keys.creator = await createKey(app, { role: 'creator', creator_id: mine.creatorId });
  keys.partner = await createKey(app, { role: 'partner', partner_id: mine.partnerId });
  keys.storefront = await createKey(app, { role: 'storefront', creator_id: mine.creatorId });
  keys.none = null;
  const revoked = await app.untypedRequest('POST', '/v1/keys', {
    body: { role: 'creator', creator_id: mine.creatorId },
  });
  await app.untypedRequest('DELETE', `/v1/keys/${revoked.body.id}`);
  keys.revoked = revoked.body.key;
  // A stored forecast per tenant, for the forecast-id family.
  for (const t of [mine, theirs])
    forecastIds[t.dropId] = (await app.untypedRequest('POST', `/v1/drops/${t.dropId}/forecasts`)).body.id;
  // A hold per tenant, for the hold-id family.
  for (const t of [mine, theirs]) {
    await publishPlanWithAllocations(app.database.db, t.dropId, [{ skuId: t.skuId, hubId: t.hubId, units: 5 }]);
    await eventually(() => app.services.snapshots.current().skus.get(t.skuId)?.publishedPlanId != null);
    const hold = await app.untypedRequest('POST', '/v1/holds', {
      body: { sku_id: t.skuId, region_id: t.regionIds[0], quantity: 1 },
    });
    holdIds[t.dropId] = hold.body.id;
    // A confirmed sale and its return, for the return-id family.
    const sold = await app.untypedRequest('POST', '/v1/holds', {
      body: { sku_id: t.skuId, region_id: t.regionIds[0], quantity: 1 },
    });
    await app.request('POST', `/v1/holds/${sold.body.id}/confirm`);
    const ret = await app.untypedRequest('POST', '/v1/returns', {
      body: { sku_id: t.skuId, hub_id: t.hubId, quantity: 1, reason: 'unwanted' },
    });
    returnIds[t.dropId] = ret.body.id;
  }
});
afterAll(() => app.close());

interface Case {
  family: string;
  method: string;
  path: (t: Tenant) => string;
  body?: (t: Tenant) => unknown;
  /** Expected outcome per role, on the caller's own tenant's ids. */
  own: Partial<Record<Role, Expect>>;
  /** Roles scoped to a tenant on this family: the other tenant's ids must answer them 404. */
  scopedFor: Role[];
}

const cases: Case[] = [
  {
    family: 'keys',
    method: 'GET',
    path: () => '/v1/keys',
    own: { admin: 'ok', creator: 404, partner: 404, storefront: 404 },
    scopedFor: [],
  },
  {
    family: 'creators',
    method: 'GET',
    path: (t) => `/v1/creators/${t.creatorId}`,
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 'ok' },
    scopedFor: ['creator', 'storefront'],
  },
  {
    family: 'creators (write)',
    method: 'PUT',
    path: (t) => `/v1/creators/${t.creatorId}`,
    body: () => ({ name: 'Creator' }),
    own: { admin: 'ok', creator: 404, partner: 404, storefront: 404 },
    scopedFor: [],
  },
  {
    family: 'partners',
    method: 'GET',
    path: (t) => `/v1/partners/${t.partnerId}`,
    own: { admin: 'ok', creator: 404, partner: 'ok', storefront: 404 },
    scopedFor: ['partner'],
  },
  {
    family: 'regions',
    method: 'GET',
    path: (t) => `/v1/regions/${t.regionIds[0]}`,
    own: { admin: 'ok', creator: 'ok', partner: 'ok', storefront: 'ok' },
    scopedFor: [],
  },
  {
    family: 'regions (write)',
    method: 'PUT',
    path: (t) => `/v1/regions/${t.regionIds[0]}`,
    body: () => ({ name: 'Region 0', time_zone: 'America/New_York' }),
    own: { admin: 'ok', creator: 404, partner: 404, storefront: 404 },
    scopedFor: [],
  },
  {
    family: 'hubs',
    method: 'GET',
    path: (t) => `/v1/hubs/${t.hubId}`,
    own: { admin: 'ok', creator: 'ok', partner: 'ok', storefront: 404 },
    scopedFor: ['partner'],
  },
  {
    family: 'suppliers',
    method: 'GET',
    path: (t) => `/v1/suppliers/${t.supplierId}`,
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 404 },
    scopedFor: [],
  },
  {
    family: 'drops',
    method: 'GET',
    path: (t) => `/v1/drops/${t.dropId}`,
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 'ok' },
    scopedFor: ['creator', 'storefront'],
  },
  {
    family: 'skus',
    method: 'GET',
    path: (t) => `/v1/drops/${t.dropId}/skus/${t.skuId}`,
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 'ok' },
    scopedFor: ['creator', 'storefront'],
  },
  // Plans (issue 5): partner reads of published plans and what-if/publish are covered in test/modules/allocation/partner-reads.api.test.ts and plans.api.test.ts.
  {
    family: 'plans',
    method: 'GET',
    path: (t) => `/v1/drops/${t.dropId}/plans`,
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 404 },
    scopedFor: ['creator'],
  },
  {
    family: 'plans (compute)',
    method: 'POST',
    path: (t) => `/v1/drops/${t.dropId}/plans`,
    body: () => ({ solver: 'fast' }),
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 404 },
    scopedFor: ['creator'],
  },
  {
    family: 'replan proposals',
    method: 'GET',
    path: (t) => `/v1/drops/${t.dropId}/replan-proposals`,
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 404 },
    scopedFor: ['creator'],
  },
  {
    family: 'plan compare',
    method: 'GET',
    path: () => '/v1/plans/compare?a=plan_x&b=plan_y',
    own: { creator: 404, partner: 404, storefront: 404 },
    scopedFor: [],
  },
  {
    family: 'webhook subscriptions',
    method: 'GET',
    path: () => '/v1/webhook-subscriptions',
    own: { admin: 'ok', creator: 404, partner: 404, storefront: 404 },
    scopedFor: [],
  },
  {
    family: 'forecasts (run)',
    method: 'POST',
    path: (t) => `/v1/drops/${t.dropId}/forecasts`,
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 404 },
    scopedFor: ['creator'],
  },
  {
    family: 'forecasts',
    method: 'GET',
    path: (t) => `/v1/drops/${t.dropId}/forecasts`,
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 404 },
    scopedFor: ['creator'],
  },
  {
    family: 'forecasts (latest)',
    method: 'GET',
    path: (t) => `/v1/drops/${t.dropId}/forecasts/latest`,
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 404 },
    scopedFor: ['creator'],
  },
  {
    family: 'holds (by id)',
    method: 'GET',
    path: (t) => `/v1/holds/${holdIds[t.dropId]}`,
    own: { admin: 'ok', creator: 404, partner: 404, storefront: 'ok' },
    scopedFor: ['storefront'],
  },
  {
    family: 'returns (by id)',
    method: 'GET',
    path: (t) => `/v1/returns/${returnIds[t.dropId]}`,
    own: { admin: 'ok', creator: 'ok', partner: 'ok', storefront: 'ok' },
    scopedFor: ['creator', 'partner', 'storefront'],
  },
  {
    family: 'returns (inspection outcome)',
    method: 'POST',
    path: (t) => `/v1/returns/${returnIds[t.dropId]}/inspection`,
    body: () => ({ outcome: 'available' }),
    own: { admin: 'ok', creator: 404, partner: 'ok', storefront: 404 },
    scopedFor: ['partner'],
  },
  {
    family: 'forecasts (by id)',
    method: 'GET',
    path: (t) => `/v1/forecasts/${forecastIds[t.dropId]}`,
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 404 },
    scopedFor: ['creator'],
  },
  {
    family: 'models',
    method: 'GET',
    path: () => '/v1/models',
    own: { admin: 'ok', creator: 404, partner: 404, storefront: 404 },
    scopedFor: [],
  },
  {
    family: 'models (default)',
    method: 'GET',
    path: () => '/v1/models/default',
    own: { admin: 'ok', creator: 404, partner: 404, storefront: 404 },
    scopedFor: [],
  },
  {
    family: 'models (unpin)',
    method: 'POST',
    path: () => '/v1/models/default/unpin',
    own: { admin: 'ok', creator: 404, partner: 404, storefront: 404 },
    scopedFor: [],
  },
];

describe.each(cases)('$family: $method', (c) => {
  it.each(['none', 'revoked'] as Role[])('answers 401 to a %s key', async (role) => {
    const res = await app.untypedRequest(c.method, c.path(mine), { key: keys[role], body: c.body?.(mine) });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthorized');
  });

  it.each(Object.entries(c.own) as [Role, Expect][])('on its own ids, a %s key gets %s', async (role, expected) => {
    const res = await app.untypedRequest(c.method, c.path(mine), { key: keys[role], body: c.body?.(mine) });
    if (expected === 'ok') expect(res.status, res.text).toBeLessThan(300);
    else {
      expect(res.status, res.text).toBe(expected);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  if (c.scopedFor.length > 0) {
    it.each(c.scopedFor)("answers 404 to a %s key for another tenant's id", async (role) => {
      const res = await app.untypedRequest(c.method, c.path(theirs), { key: keys[role], body: c.body?.(theirs) });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('not_found');
    });
  }
});

describe('lists are filtered to the caller', () => {
  it('shows a creator key only its own drops and a partner key only its own hubs', async () => {
    const drops = await app.untypedRequest('GET', '/v1/drops', { key: keys.creator });
    expect(drops.body.items.map((d: { id: string }) => d.id)).toEqual([mine.dropId]);
    const hubs = await app.untypedRequest('GET', '/v1/hubs', { key: keys.partner });
    expect(hubs.body.items.map((h: { id: string }) => h.id)).toEqual([mine.hubId]);
    const adminDrops = await app.untypedRequest('GET', '/v1/drops');
    expect(adminDrops.body.items.map((d: { id: string }) => d.id)).toEqual(
      expect.arrayContaining([mine.dropId, theirs.dropId]),
    );
  });

  it("lets a creator write its own drop but not another creator's", async () => {
    const own = await app.untypedRequest('GET', `/v1/drops/${mine.dropId}`, { key: keys.creator });
    const { id: _id, created_at: _c, updated_at: _u, ...body } = own.body;
    expect((await app.untypedRequest('PUT', `/v1/drops/${mine.dropId}`, { key: keys.creator, body })).status).toBe(200);
    expect(
      (
        await app.untypedRequest('PUT', `/v1/drops/${theirs.dropId}`, {
          key: keys.creator,
          body: { ...body, creator_id: mine.creatorId },
        })
      ).status,
    ).toBe(404);
  });
});
