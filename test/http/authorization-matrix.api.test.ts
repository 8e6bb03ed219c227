import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, type Tenant } from '../factories/catalog-factory';
import { eventually, publishPlanWithAllocations } from '../factories/plan-publish-factory';
import type { PlannerClient } from '../../src/client';
import { answer, expectData, statusOf } from '../harness/answers';
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
  const api = app.client();
  const revoked = (await answer(api.POST('/v1/keys', { body: { role: 'creator', creator_id: mine.creatorId } }))).data!;
  await api.DELETE('/v1/keys/{keyId}', { params: { path: { keyId: revoked.id } } });
  keys.revoked = revoked.key;
  // A stored forecast per tenant, for the forecast-id family.
  for (const t of [mine, theirs])
    forecastIds[t.dropId] = (
      await answer(api.POST('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: t.dropId } } }))
    ).data!.id;
  // A hold per tenant, for the hold-id family.
  for (const t of [mine, theirs]) {
    await publishPlanWithAllocations(app.database.db, t.dropId, [{ skuId: t.skuId, hubId: t.hubId, units: 5 }]);
    await eventually(() => app.services.snapshots.current().skus.get(t.skuId)?.publishedPlanId != null);
    const hold = await answer(
      api.POST('/v1/holds', { body: { sku_id: t.skuId, region_id: t.regionIds[0]!, quantity: 1 } }),
    );
    holdIds[t.dropId] = hold.data!.id;
    // A confirmed sale and its return, for the return-id family.
    const sold = await answer(
      api.POST('/v1/holds', { body: { sku_id: t.skuId, region_id: t.regionIds[0]!, quantity: 1 } }),
    );
    await api.POST('/v1/holds/{holdId}/confirm', { params: { path: { holdId: sold.data!.id } } });
    const ret = await answer(
      api.POST('/v1/returns', { body: { sku_id: t.skuId, hub_id: t.hubId, quantity: 1, reason: 'unwanted' } }),
    );
    returnIds[t.dropId] = ret.data!.id;
  }
});
afterAll(() => app.close());

interface Case {
  family: string;
  method: string;
  /** The family's typed call on a tenant's ids (with its body, if any). */
  send: (api: PlannerClient, t: Tenant) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
  /** Expected outcome per role, on the caller's own tenant's ids. */
  own: Partial<Record<Role, Expect>>;
  /** Roles scoped to a tenant on this family: the other tenant's ids must answer them 404. */
  scopedFor: Role[];
}

const cases: Case[] = [
  {
    family: 'keys',
    method: 'GET',
    send: (api) => api.GET('/v1/keys'),
    own: { admin: 'ok', creator: 404, partner: 404, storefront: 404 },
    scopedFor: [],
  },
  {
    family: 'creators',
    method: 'GET',
    send: (api, t) => api.GET('/v1/creators/{creatorId}', { params: { path: { creatorId: t.creatorId } } }),
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 'ok' },
    scopedFor: ['creator', 'storefront'],
  },
  {
    family: 'creators (write)',
    method: 'PUT',
    send: (api, t) =>
      api.PUT('/v1/creators/{creatorId}', { params: { path: { creatorId: t.creatorId } }, body: { name: 'Creator' } }),
    own: { admin: 'ok', creator: 404, partner: 404, storefront: 404 },
    scopedFor: [],
  },
  {
    family: 'partners',
    method: 'GET',
    send: (api, t) => api.GET('/v1/partners/{partnerId}', { params: { path: { partnerId: t.partnerId } } }),
    own: { admin: 'ok', creator: 404, partner: 'ok', storefront: 404 },
    scopedFor: ['partner'],
  },
  {
    family: 'regions',
    method: 'GET',
    send: (api, t) => api.GET('/v1/regions/{regionId}', { params: { path: { regionId: t.regionIds[0]! } } }),
    own: { admin: 'ok', creator: 'ok', partner: 'ok', storefront: 'ok' },
    scopedFor: [],
  },
  {
    family: 'regions (write)',
    method: 'PUT',
    send: (api, t) =>
      api.PUT('/v1/regions/{regionId}', {
        params: { path: { regionId: t.regionIds[0]! } },
        body: { name: 'Region 0', time_zone: 'America/New_York' },
      }),
    own: { admin: 'ok', creator: 404, partner: 404, storefront: 404 },
    scopedFor: [],
  },
  {
    family: 'hubs',
    method: 'GET',
    send: (api, t) => api.GET('/v1/hubs/{hubId}', { params: { path: { hubId: t.hubId } } }),
    own: { admin: 'ok', creator: 'ok', partner: 'ok', storefront: 404 },
    scopedFor: ['partner'],
  },
  {
    family: 'suppliers',
    method: 'GET',
    send: (api, t) => api.GET('/v1/suppliers/{supplierId}', { params: { path: { supplierId: t.supplierId } } }),
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 404 },
    scopedFor: [],
  },
  {
    family: 'drops',
    method: 'GET',
    send: (api, t) => api.GET('/v1/drops/{dropId}', { params: { path: { dropId: t.dropId } } }),
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 'ok' },
    scopedFor: ['creator', 'storefront'],
  },
  {
    family: 'skus',
    method: 'GET',
    send: (api, t) =>
      api.GET('/v1/drops/{dropId}/skus/{skuId}', { params: { path: { dropId: t.dropId, skuId: t.skuId } } }),
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 'ok' },
    scopedFor: ['creator', 'storefront'],
  },
  // Plans (issue 5): partner reads of published plans and what-if/publish are covered in test/modules/allocation/partner-reads.api.test.ts and plans.api.test.ts.
  {
    family: 'plans',
    method: 'GET',
    send: (api, t) => api.GET('/v1/drops/{dropId}/plans', { params: { path: { dropId: t.dropId } } }),
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 404 },
    scopedFor: ['creator'],
  },
  {
    family: 'plans (compute)',
    method: 'POST',
    send: (api, t) =>
      api.POST('/v1/drops/{dropId}/plans', { params: { path: { dropId: t.dropId } }, body: { solver: 'fast' } }),
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 404 },
    scopedFor: ['creator'],
  },
  {
    family: 'replan proposals',
    method: 'GET',
    send: (api, t) => api.GET('/v1/drops/{dropId}/replan-proposals', { params: { path: { dropId: t.dropId } } }),
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 404 },
    scopedFor: ['creator'],
  },
  {
    family: 'plan compare',
    method: 'GET',
    send: (api) => api.GET('/v1/plans/compare', { params: { query: { a: 'plan_x', b: 'plan_y' } } }),
    own: { creator: 404, partner: 404, storefront: 404 },
    scopedFor: [],
  },
  {
    family: 'webhook subscriptions',
    method: 'GET',
    send: (api) => api.GET('/v1/webhook-subscriptions'),
    own: { admin: 'ok', creator: 404, partner: 404, storefront: 404 },
    scopedFor: [],
  },
  {
    family: 'forecasts (run)',
    method: 'POST',
    send: (api, t) => api.POST('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: t.dropId } } }),
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 404 },
    scopedFor: ['creator'],
  },
  {
    family: 'forecasts',
    method: 'GET',
    send: (api, t) => api.GET('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: t.dropId } } }),
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 404 },
    scopedFor: ['creator'],
  },
  {
    family: 'forecasts (latest)',
    method: 'GET',
    send: (api, t) => api.GET('/v1/drops/{dropId}/forecasts/latest', { params: { path: { dropId: t.dropId } } }),
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 404 },
    scopedFor: ['creator'],
  },
  {
    family: 'holds (by id)',
    method: 'GET',
    send: (api, t) => api.GET('/v1/holds/{holdId}', { params: { path: { holdId: holdIds[t.dropId]! } } }),
    own: { admin: 'ok', creator: 404, partner: 404, storefront: 'ok' },
    scopedFor: ['storefront'],
  },
  {
    family: 'returns (by id)',
    method: 'GET',
    send: (api, t) => api.GET('/v1/returns/{returnId}', { params: { path: { returnId: returnIds[t.dropId]! } } }),
    own: { admin: 'ok', creator: 'ok', partner: 'ok', storefront: 'ok' },
    scopedFor: ['creator', 'partner', 'storefront'],
  },
  {
    family: 'returns (inspection outcome)',
    method: 'POST',
    send: (api, t) =>
      api.POST('/v1/returns/{returnId}/inspection', {
        params: { path: { returnId: returnIds[t.dropId]! } },
        body: { outcome: 'available' },
      }),
    own: { admin: 'ok', creator: 404, partner: 'ok', storefront: 404 },
    scopedFor: ['partner'],
  },
  {
    family: 'forecasts (by id)',
    method: 'GET',
    send: (api, t) =>
      api.GET('/v1/forecasts/{forecastId}', { params: { path: { forecastId: forecastIds[t.dropId]! } } }),
    own: { admin: 'ok', creator: 'ok', partner: 404, storefront: 404 },
    scopedFor: ['creator'],
  },
  {
    family: 'models',
    method: 'GET',
    send: (api) => api.GET('/v1/models'),
    own: { admin: 'ok', creator: 404, partner: 404, storefront: 404 },
    scopedFor: [],
  },
  {
    family: 'models (default)',
    method: 'GET',
    send: (api) => api.GET('/v1/models/default'),
    own: { admin: 'ok', creator: 404, partner: 404, storefront: 404 },
    scopedFor: [],
  },
  {
    family: 'models (unpin)',
    method: 'POST',
    send: (api) => api.POST('/v1/models/default/unpin'),
    own: { admin: 'ok', creator: 404, partner: 404, storefront: 404 },
    scopedFor: [],
  },
];

describe.each(cases)('$family: $method', (c) => {
  it.each(['none', 'revoked'] as Role[])('answers 401 to a %s key', async (role) => {
    const res = await answer(c.send(app.client(keys[role]), mine));
    expect(res.status).toBe(401);
    expect(res.error?.code).toBe('unauthorized');
  });

  it.each(Object.entries(c.own) as [Role, Expect][])('on its own ids, a %s key gets %s', async (role, expected) => {
    const res = await answer(c.send(app.client(keys[role]), mine));
    if (expected === 'ok') expect(res.status, res.text).toBeLessThan(300);
    else {
      expect(res.status, res.text).toBe(expected);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  if (c.scopedFor.length > 0) {
    it.each(c.scopedFor)("answers 404 to a %s key for another tenant's id", async (role) => {
      const res = await answer(c.send(app.client(keys[role]), theirs));
      expect(res.status).toBe(404);
      expect(res.error?.code).toBe('not_found');
    });
  }
});

describe('lists are filtered to the caller', () => {
  it('shows a creator key only its own drops and a partner key only its own hubs', async () => {
    const drops = await expectData(200, app.client(keys.creator).GET('/v1/drops'));
    expect(drops.items.map((d) => d.id)).toEqual([mine.dropId]);
    const hubs = await expectData(200, app.client(keys.partner).GET('/v1/hubs'));
    expect(hubs.items.map((h) => h.id)).toEqual([mine.hubId]);
    const adminDrops = await expectData(200, app.client().GET('/v1/drops'));
    expect(adminDrops.items.map((d) => d.id)).toEqual(expect.arrayContaining([mine.dropId, theirs.dropId]));
  });

  it("lets a creator write its own drop but not another creator's", async () => {
    const api = app.client(keys.creator);
    const own = await answer(api.GET('/v1/drops/{dropId}', { params: { path: { dropId: mine.dropId } } }));
    const { id: _id, created_at: _c, updated_at: _u, ...body } = own.data!;
    const put = (dropId: string, drop: typeof body) =>
      statusOf(api.PUT('/v1/drops/{dropId}', { params: { path: { dropId } }, body: drop }));
    expect(await put(mine.dropId, body)).toBe(200);
    expect(await put(theirs.dropId, { ...body, creator_id: mine.creatorId })).toBe(404);
  });
});
