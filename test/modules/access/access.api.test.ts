import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, type PlannerClient } from '../../../src/client';
import type { Schemas } from '../../../src/http/contract';
import { createKey, createTenant, type Tenant } from '../../factories/catalog-factory';
import { eventually, publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';

/**
 * Access tiers and per-account limits through the typed client: the rules' contract (creator-owned,
 * 422 naming the field, nothing written), holds inside and outside tiers' windows, the rollover in
 * /stock and the preview, and the 403 `account_limited`.
 *
 * The test drop opens 2026-12-03T17:00Z; holders' window is 12-01 00:00 → 12-02 00:00, members'
 * 12-02 00:00 → 12-03 00:00.
 */
const HOLDERS = { starts_at: '2026-12-01T00:00:00.000Z', ends_at: '2026-12-02T00:00:00.000Z' };
const MEMBERS = { starts_at: '2026-12-02T00:00:00.000Z', ends_at: '2026-12-03T00:00:00.000Z' };
const IN_HOLDERS = '2026-12-01T12:00:00Z';
const IN_MEMBERS = '2026-12-02T12:00:00Z';
const AFTER_OPENING = '2026-12-03T18:00:00Z';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ now: '2026-11-23T12:00:00Z' });
});
afterAll(() => app.close());

async function stockedTenant(units: number): Promise<{ tenant: Tenant; creator: PlannerClient; shop: PlannerClient }> {
  app.clock.set('2026-11-23T12:00:00Z');
  const tenant = await createTenant(app);
  await publishPlanWithAllocations(app.database.db, tenant.dropId, [
    { skuId: tenant.skuId, hubId: tenant.hubId, units },
  ]);
  await eventually(() => app.services.snapshots.current().skus.get(tenant.skuId)?.publishedPlanId != null, 10_000);
  const creator = app.client(await createKey(app, { role: 'creator', creator_id: tenant.creatorId }));
  const shop = app.client(await createKey(app, { role: 'storefront', creator_id: tenant.creatorId }));
  return { tenant, creator, shop };
}

const tiered = (
  t: Tenant,
  shares: { holders: number; members: number; region?: number },
): Schemas['DropAccessInput'] => ({
  tiers: [
    {
      name: 'holders',
      window: HOLDERS,
      reserves: [
        { sku_id: t.skuId, share: shares.holders },
        ...(shares.region ? [{ sku_id: t.skuId, region_id: t.regionIds[1]!, share: shares.region }] : []),
      ],
    },
    { name: 'members', window: MEMBERS, reserves: [{ sku_id: t.skuId, share: shares.members }] },
  ],
});

const hold = (shop: PlannerClient, t: Tenant, extra: Partial<Schemas['HoldInput']> = {}) =>
  shop.POST('/v1/holds', {
    body: { sku_id: t.skuId, region_id: t.regionIds[0]!, quantity: 1, hold_seconds: 900, ...extra },
  });

describe('access rules of a drop', () => {
  it('the creator sets and reads tiers and limits; another tenant’s drop is 404; a drop without rules reads empty', async () => {
    const { tenant, creator } = await stockedTenant(10);
    const empty = await ok(creator.GET('/v1/drops/{dropId}/access', { params: { path: { dropId: tenant.dropId } } }));
    expect(empty).toEqual({
      drop_id: tenant.dropId,
      tiers: [],
      account_limits: { per_drop: null, per_sku: [] },
      abuse_threshold: null,
      updated_at: null,
    });

    const body = {
      ...tiered(tenant, { holders: 0.3, members: 0.2, region: 0.1 }),
      account_limits: { per_drop: 3, per_sku: [{ sku_id: tenant.skuId, quantity: 2 }] },
    };
    const saved = await ok(
      creator.PUT('/v1/drops/{dropId}/access', { params: { path: { dropId: tenant.dropId } }, body }),
    );
    expect(saved.tiers.map((t) => t.name)).toEqual(['holders', 'members']);
    expect(saved.tiers[0]!.reserves).toEqual([
      { sku_id: tenant.skuId, region_id: null, share: 0.3 },
      { sku_id: tenant.skuId, region_id: tenant.regionIds[1]!, share: 0.1 },
    ]);
    expect(saved.account_limits).toEqual({ per_drop: 3, per_sku: [{ sku_id: tenant.skuId, quantity: 2 }] });
    expect(await ok(creator.GET('/v1/drops/{dropId}/access', { params: { path: { dropId: tenant.dropId } } }))).toEqual(
      saved,
    );

    const other = await stockedTenant(1);
    for (const answer of [
      await other.creator.GET('/v1/drops/{dropId}/access', { params: { path: { dropId: tenant.dropId } } }),
      await other.creator.PUT('/v1/drops/{dropId}/access', {
        params: { path: { dropId: tenant.dropId } },
        body: { tiers: [] },
      }),
    ])
      expect(answer.response.status).toBe(404);
  });

  it('bad rules are 422 naming the field, and nothing is written', async () => {
    const { tenant, creator } = await stockedTenant(10);
    const put = (body: Schemas['DropAccessInput']) =>
      creator.PUT('/v1/drops/{dropId}/access', { params: { path: { dropId: tenant.dropId } }, body });
    const cases: [Schemas['DropAccessInput'], string][] = [
      [
        {
          tiers: [
            { name: 'holders', window: HOLDERS },
            { name: 'members', window: { ...MEMBERS, starts_at: '2026-12-01T12:00:00Z' } },
          ],
        },
        'tiers[1].window.starts_at',
      ],
      [{ tiers: [], account_limits: { per_drop: 0 } }, 'account_limits.per_drop'],
      [
        { tiers: [], account_limits: { per_sku: [{ sku_id: tenant.skuId, quantity: 0 }] } },
        'account_limits.per_sku[0].quantity',
      ],
      [
        { tiers: [{ name: 'holders', window: HOLDERS, reserves: [{ sku_id: 'sku-elsewhere', share: 0.1 }] }] },
        'tiers[0].reserves[0].sku_id',
      ],
      [tiered(tenant, { holders: 0.7, members: 0.4 }), 'tiers[0].reserves[0].share'],
      [
        { tiers: [{ name: 'late', window: { starts_at: '2026-12-03T00:00:00Z', ends_at: '2026-12-04T00:00:00Z' } }] },
        'tiers[0].window.ends_at',
      ],
    ];
    for (const [body, path] of cases) {
      const refused = await put(body);
      expect(refused.response.status, path).toBe(422);
      expect(refused.error?.errors?.map((e) => e.path)).toContain(path);
    }
    const after = await ok(creator.GET('/v1/drops/{dropId}/access', { params: { path: { dropId: tenant.dropId } } }));
    expect(after.updated_at).toBeNull();
  });
});

describe('holds on a drop with tiers', () => {
  it('a tier’s reserve is holdable only by that tier inside its window, then rolls into the next tier', async () => {
    const { tenant, creator, shop } = await stockedTenant(10);
    await ok(
      creator.PUT('/v1/drops/{dropId}/access', {
        params: { path: { dropId: tenant.dropId } },
        body: tiered(tenant, { holders: 0.4, members: 0.2 }),
      }),
    );
    // Before the holders' window nobody may hold; the public waits for the opening.
    app.clock.set('2026-11-30T00:00:00Z');
    const early = await hold(shop, tenant, { tier: 'holders' });
    expect(early.response.status).toBe(409);
    expect(early.error).toMatchObject({ reason: 'access_not_open', opens_at: HOLDERS.starts_at });

    // Holders' window: 4 reserved for holders, 2 for members, 4 for anyone who may hold (holders now).
    app.clock.set(IN_HOLDERS);
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push((await ok(hold(shop, tenant, { tier: 'holders' }))).id);
    const ninth = await hold(shop, tenant, { tier: 'holders' });
    expect(ninth.response.status).toBe(409);
    expect(ninth.error).toMatchObject({ reason: 'reserved_for_other_tiers', quantity_available: 0 });
    const stock = await ok(creator.GET('/v1/drops/{dropId}/stock', { params: { path: { dropId: tenant.dropId } } }));
    expect(stock.tier_reserves).toEqual([
      expect.objectContaining({ tier: 'holders', state: 'open', reserved: 4, used: 4, protected: 0 }),
      expect.objectContaining({ tier: 'members', state: 'upcoming', reserved: 2, used: 0, protected: 2 }),
    ]);
    // The first two holds took reserve units: released, they are the holders' again; the rest are ordered.
    for (const holdId of ids.slice(0, 2))
      await ok(shop.POST('/v1/holds/{holdId}/release', { params: { path: { holdId } } }));
    for (const holdId of ids.slice(2))
      await ok(shop.POST('/v1/holds/{holdId}/confirm', { params: { path: { holdId } } }));

    // Members' window: the holders' 2 unused reserve units rolled into the members' reserve (2 + 2),
    // which are all the units left: holders may still hold, but not those.
    app.clock.set(IN_MEMBERS);
    const rolled = await ok(creator.GET('/v1/drops/{dropId}/stock', { params: { path: { dropId: tenant.dropId } } }));
    expect(rolled.tier_reserves).toEqual([
      expect.objectContaining({ tier: 'holders', state: 'ended', reserved: 4, used: 2, protected: 0, rolled_over: 2 }),
      expect.objectContaining({ tier: 'members', state: 'open', reserved: 2, rolled_in: 2, used: 0, protected: 4 }),
    ]);
    expect((await hold(shop, tenant, { tier: 'holders' })).error).toMatchObject({ reason: 'reserved_for_other_tiers' });
    expect((await hold(shop, tenant)).error).toMatchObject({ reason: 'access_not_open' });
    for (let i = 0; i < 4; i++) await ok(hold(shop, tenant, { tier: 'members' }));
    expect((await hold(shop, tenant, { tier: 'members' })).response.status).toBe(409);

    // The preview shows the same reserves to the creator.
    const preview = await ok(
      creator.GET('/v1/drops/{dropId}/preview', { params: { path: { dropId: tenant.dropId } } }),
    );
    expect(preview.tier_reserves?.map((r) => [r.tier, r.state, r.protected])).toEqual([
      ['holders', 'ended', 0],
      ['members', 'open', 0],
    ]);
  });

  it('after the last window the public holds what is left; a region’s reserve serves only that region', async () => {
    const { tenant, creator, shop } = await stockedTenant(10);
    await ok(
      creator.PUT('/v1/drops/{dropId}/access', {
        params: { path: { dropId: tenant.dropId } },
        body: tiered(tenant, { holders: 0.1, members: 0.1, region: 0.3 }),
      }),
    );
    const order = async (extra: Partial<Schemas['HoldInput']>) => {
      const placed = await ok(hold(shop, tenant, extra));
      await ok(shop.POST('/v1/holds/{holdId}/confirm', { params: { path: { holdId: placed.id } } }));
    };
    app.clock.set(IN_HOLDERS);
    // Region 0's holders: 1 drop-wide reserved unit + 5 free (3 are region 1's holders', 1 the members').
    for (let i = 0; i < 6; i++) await order({ tier: 'holders' });
    expect((await hold(shop, tenant, { tier: 'holders' })).response.status).toBe(409);
    // Region 1's holders may take their region's reserve.
    for (let i = 0; i < 3; i++) await order({ tier: 'holders', region_id: tenant.regionIds[1]! });
    // After the members' window (unused), its unit is ordinary stock for the public at the opening.
    app.clock.set(AFTER_OPENING);
    await order({});
    expect((await hold(shop, tenant)).response.status).toBe(409);
  });

  it('an unknown tier, or one outside the key’s tiers, is 422 naming tier; nothing is held', async () => {
    const { tenant, creator, shop } = await stockedTenant(10);
    await ok(
      creator.PUT('/v1/drops/{dropId}/access', {
        params: { path: { dropId: tenant.dropId } },
        body: tiered(tenant, { holders: 0.2, members: 0.2 }),
      }),
    );
    const membersShop = app.client(
      await createKey(app, { role: 'storefront', creator_id: tenant.creatorId, tiers: ['members'] }),
    );
    app.clock.set(IN_HOLDERS);
    for (const answer of [
      await hold(shop, tenant, { tier: 'vips' }),
      await hold(membersShop, tenant, { tier: 'holders' }),
    ]) {
      expect(answer.response.status).toBe(422);
      expect(answer.error?.errors?.map((e) => e.path)).toEqual(['tier']);
    }
    const held = await ok(shop.GET('/v1/holds', { params: { query: { sku_id: tenant.skuId } } }));
    expect(held.items).toEqual([]);
    // A creator key may not be given tiers.
    const refused = await app
      .client()
      .POST('/v1/keys', { body: { role: 'creator', creator_id: tenant.creatorId, tiers: ['members'] } });
    expect(refused.response.status).toBe(400);
  });
});

describe('per-account limits', () => {
  it('count active and confirmed holds per SKU and per drop; a breach is 403 account_limited with the reason', async () => {
    const { tenant, creator, shop } = await stockedTenant(50);
    await ok(
      creator.PUT('/v1/drops/{dropId}/access', {
        params: { path: { dropId: tenant.dropId } },
        body: { tiers: [], account_limits: { per_drop: 3, per_sku: [{ sku_id: tenant.skuId, quantity: 2 }] } },
      }),
    );
    const missing = await hold(shop, tenant);
    expect(missing.response.status).toBe(422);
    expect(missing.error?.errors?.map((e) => e.path)).toEqual(['account_id']);

    const first = await ok(hold(shop, tenant, { account_id: 'acct-1' }));
    await ok(shop.POST('/v1/holds/{holdId}/confirm', { params: { path: { holdId: first.id } } }));
    const second = await ok(hold(shop, tenant, { account_id: 'acct-1' }));
    const third = await hold(shop, tenant, { account_id: 'acct-1' });
    expect(third.response.status).toBe(403);
    expect(third.response.headers.get('content-type')).toContain('application/problem+json');
    expect(third.error).toMatchObject({ code: 'account_limited', reason: 'sku_limit', limit: 2, quantity_used: 2 });
    // Another account is not affected; releasing frees the account's room.
    await ok(hold(shop, tenant, { account_id: 'acct-2', quantity: 2 }));
    await ok(shop.POST('/v1/holds/{holdId}/release', { params: { path: { holdId: second.id } } }));
    await ok(hold(shop, tenant, { account_id: 'acct-1' }));

    // The per-drop limit counts every SKU of the drop.
    await ok(
      creator.PUT('/v1/drops/{dropId}/access', {
        params: { path: { dropId: tenant.dropId } },
        body: { tiers: [], account_limits: { per_drop: 3 } },
      }),
    );
    await ok(hold(shop, tenant, { account_id: 'acct-1' }));
    const overDrop = await hold(shop, tenant, { account_id: 'acct-1' });
    expect(overDrop.error).toMatchObject({ code: 'account_limited', reason: 'drop_limit', limit: 3, quantity_used: 3 });

    // Only a salted hash of the account is stored.
    const { rows } = await app.database.db.query<{ account_hash: string }>(
      'select distinct account_hash from hold_access_claims where drop_id = $1',
      [tenant.dropId],
    );
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r.account_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
