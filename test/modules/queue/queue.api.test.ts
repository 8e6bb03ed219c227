import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, type PlannerClient } from '../../../src/client';
import type { Schemas } from '../../../src/http/contract';
import { createKey, createTenant, type Tenant } from '../../factories/catalog-factory';
import { eventually, publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { expectData, expectProblem } from '../../harness/answers';
import { startTestApp, type TestApp } from '../../harness/test-app';

/**
 * The fair queue through the typed client: a join refused while the buyer could hold (422 naming
 * sku_id, nothing written), positions per SKU and region in tier order then arrival, offers made in
 * the freeing transaction (release, expiry) with their queue.offer event in the outbox, an
 * unclaimed offer passing to the next, leaving (idempotent), and another tenant's 404.
 * The test drop opens 2026-12-03T17:00Z; the clock stands after the opening.
 */
const AFTER_OPENING = '2026-12-03T18:00:00.000Z';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ now: AFTER_OPENING });
});
afterAll(() => app.close());

interface Shop {
  tenant: Tenant;
  shop: PlannerClient;
}

async function stockedTenant(units: number): Promise<Shop> {
  app.clock.set(AFTER_OPENING);
  const tenant = await createTenant(app);
  await publishPlanWithAllocations(app.database.db, tenant.dropId, [
    { skuId: tenant.skuId, hubId: tenant.hubId, units },
  ]);
  await eventually(() => app.services.snapshots.current().skus.get(tenant.skuId)?.publishedPlanId != null, 10_000);
  const shop = app.client(await createKey(app, { role: 'storefront', creator_id: tenant.creatorId }));
  return { tenant, shop };
}

const hold = (s: Shop, region = 0) =>
  expectData(
    201,
    s.shop.POST('/v1/holds', {
      body: { sku_id: s.tenant.skuId, region_id: s.tenant.regionIds[region]!, quantity: 1, hold_seconds: 600 },
    }),
  );

const join = (s: Shop, extra: Partial<Schemas['QueueJoinInput']> = {}) =>
  s.shop.POST('/v1/drops/{dropId}/queue', {
    params: { path: { dropId: s.tenant.dropId } },
    body: { sku_id: s.tenant.skuId, region_id: s.tenant.regionIds[0]!, quantity: 1, ...extra },
  });

const read = (s: Shop, entryId: string) =>
  ok(s.shop.GET('/v1/drops/{dropId}/queue/{entryId}', { params: { path: { dropId: s.tenant.dropId, entryId } } }));
const leave = (s: Shop, entryId: string) =>
  ok(s.shop.DELETE('/v1/drops/{dropId}/queue/{entryId}', { params: { path: { dropId: s.tenant.dropId, entryId } } }));

async function entriesOf(dropId: string): Promise<number> {
  const { rows } = await app.database.db.query<{ n: number }>(
    'select count(*)::int as n from queue_entries where drop_id = $1',
    [dropId],
  );
  return rows[0]!.n;
}

async function offerEvents(subscriptionId: string) {
  const { rows } = await app.database.db.query<{ payload: string }>(
    `select payload from webhook_outbox where subscription_id = $1 and event_type = 'queue.offer' order by created_at, id`,
    [subscriptionId],
  );
  return rows.map((r) => JSON.parse(r.payload) as { type: string; data: Record<string, unknown> });
}

describe('joining the queue', () => {
  it('is refused 422 naming sku_id while a serving hub has the units, and nothing is written', async () => {
    const s = await stockedTenant(2);
    await hold(s);
    const problem = await expectProblem(422, join(s));
    expect(problem.errors?.map((e) => e.path)).toEqual(['sku_id']);
    // Two units asked, one left: the buyer may queue.
    await expectData(201, join(s, { quantity: 2 }));
    expect(await entriesOf(s.tenant.dropId)).toBe(1);
  });

  it('bad input is 422 naming the field, nothing written; another tenant’s drop or entry is 404', async () => {
    const s = await stockedTenant(1);
    await hold(s);
    const other = await stockedTenant(1);
    for (const [body, path] of [
      [{ region_id: undefined, postal_code: undefined }, 'region_id'],
      [{ tier: 'holders' }, 'tier'],
      [{ sku_id: other.tenant.skuId }, 'sku_id'],
      [{ quantity: 0 }, 'quantity'],
    ] as const) {
      const problem = await expectProblem(422, join(s, body as Partial<Schemas['QueueJoinInput']>));
      expect(problem.errors?.map((e) => e.path)).toContain(path);
    }
    expect(await entriesOf(s.tenant.dropId)).toBe(0);
    const entry = await expectData(201, join(s));
    await expectProblem(404, join({ tenant: s.tenant, shop: other.shop }));
    for (const call of [
      other.shop.GET('/v1/drops/{dropId}/queue/{entryId}', {
        params: { path: { dropId: s.tenant.dropId, entryId: entry.id } },
      }),
      other.shop.DELETE('/v1/drops/{dropId}/queue/{entryId}', {
        params: { path: { dropId: s.tenant.dropId, entryId: entry.id } },
      }),
      other.shop.GET('/v1/drops/{dropId}/queue/{entryId}', {
        params: { path: { dropId: other.tenant.dropId, entryId: entry.id } },
      }),
    ])
      await expectProblem(404, call);
    expect((await read(s, entry.id)).status).toBe('waiting');
  });

  it('answers the position per SKU and region, and the expected outcome from the holds that may free', async () => {
    const s = await stockedTenant(2);
    await hold(s);
    await hold(s);
    const a = await expectData(201, join(s));
    const b = await expectData(201, join(s, { quantity: 2 }));
    const elsewhere = await expectData(201, join(s, { region_id: s.tenant.regionIds[1]! }));
    expect([a.position, b.position, elsewhere.position]).toEqual([1, 2, 1]);
    expect([a.units_ahead, b.units_ahead]).toEqual([0, 1]);
    // Two held units, each freed at the default rate 0.25 taken as measured on 20 units: averaged
    // over its posterior (mean m = 6/22, variance m(1 − m)/23), P(≥ 1) = 1 − ((1 − m)² + variance)
    // = 0.46245; P(≥ 3) = 0.
    expect(a.expected_outcome!.probability).toBeCloseTo(0.46245, 3);
    expect(a.expected_outcome!.delivery_window).not.toBeNull();
    expect(b.expected_outcome!.probability).toBe(0);
    expect(b.expected_outcome!.delivery_window).toBeNull();
    expect(await read(s, b.id)).toMatchObject({ status: 'waiting', position: 2 });
  });
});

describe('offers', () => {
  it('go to the first in line when a hold is released or expires, with a queue.offer event; an unclaimed offer passes on', async () => {
    const s = await stockedTenant(2);
    const subscription = await expectData(
      201,
      app.client().POST('/v1/webhook-subscriptions', {
        body: { creator_id: s.tenant.creatorId, url: 'https://shop.example/hooks' },
      }),
    );
    expect(subscription).toMatchObject({
      creator_id: s.tenant.creatorId,
      partner_id: null,
      event_types: ['queue.offer'],
    });
    const first = await hold(s);
    await hold(s);
    const a = await expectData(201, join(s, { claim_seconds: 300 }));
    const b = await expectData(201, join(s));
    const c = await expectData(201, join(s));

    await ok(s.shop.POST('/v1/holds/{holdId}/release', { params: { path: { holdId: first.id } } }));
    const offered = await read(s, a.id);
    expect(offered.status).toBe('offered');
    expect(offered.offer).toMatchObject({ hub_id: s.tenant.hubId, claim_by: '2026-12-03T18:05:00.000Z' });
    const offerHold = await ok(
      s.shop.GET('/v1/holds/{holdId}', { params: { path: { holdId: offered.offer!.hold_id } } }),
    );
    expect(offerHold).toMatchObject({ status: 'held', quantity: 1, region_id: s.tenant.regionIds[0]! });
    expect(await read(s, b.id)).toMatchObject({ status: 'waiting', position: 1 });
    const events = await offerEvents(subscription.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'queue.offer',
      data: { entry_id: a.id, hold_id: offered.offer!.hold_id, claim_by: '2026-12-03T18:05:00.000Z' },
    });

    // B leaves (twice: the same answer); A lets the offer lapse: C gets it when the expiry frees it.
    expect((await leave(s, b.id)).status).toBe('left');
    expect(await leave(s, b.id)).toEqual(await read(s, b.id));
    app.clock.set('2026-12-03T18:06:00.000Z');
    await app.services.delivery.expireDueHolds();
    expect((await read(s, a.id)).status).toBe('lapsed');
    const cOffered = await read(s, c.id);
    expect(cOffered.status).toBe('offered');
    expect((await offerEvents(subscription.id)).map((e) => e.data.entry_id)).toEqual([a.id, c.id]);
    await ok(s.shop.POST('/v1/holds/{holdId}/confirm', { params: { path: { holdId: cOffered.offer!.hold_id } } }));
    expect((await read(s, c.id)).status).toBe('claimed');
    // Leaving after the claim changes nothing.
    expect((await leave(s, c.id)).status).toBe('claimed');
    await expectLedgerBalanced(s.tenant.skuId);
  });

  it('leaving with an unclaimed offer releases it to the next in line', async () => {
    const s = await stockedTenant(1);
    const only = await hold(s);
    const a = await expectData(201, join(s));
    const b = await expectData(201, join(s));
    await ok(s.shop.POST('/v1/holds/{holdId}/release', { params: { path: { holdId: only.id } } }));
    const offer = (await read(s, a.id)).offer!;
    expect((await leave(s, a.id)).status).toBe('left');
    expect((await ok(s.shop.GET('/v1/holds/{holdId}', { params: { path: { holdId: offer.hold_id } } }))).status).toBe(
      'released',
    );
    expect((await read(s, b.id)).status).toBe('offered');
    await expectLedgerBalanced(s.tenant.skuId);
  });

  it('when a waiting head that asked for more leaves, the units it blocked go to the next at once', async () => {
    const s = await stockedTenant(2);
    const held = [await hold(s), await hold(s)];
    const wantsTwo = await expectData(201, join(s, { quantity: 2 }));
    const wantsOne = await expectData(201, join(s));
    await ok(s.shop.POST('/v1/holds/{holdId}/release', { params: { path: { holdId: held[0]!.id } } }));
    // One unit free: the head asks for two, so nobody is offered (order is kept, no skipping).
    expect((await read(s, wantsTwo.id)).status).toBe('waiting');
    expect((await read(s, wantsOne.id)).status).toBe('waiting');
    expect((await leave(s, wantsTwo.id)).status).toBe('left');
    // Without waiting for the periodic offer job.
    expect((await read(s, wantsOne.id)).status).toBe('offered');
    await expectLedgerBalanced(s.tenant.skuId);
  });

  it('the periodic offer job offers what an offer missed, once, at the serving hubs', async () => {
    const s = await stockedTenant(2);
    await hold(s);
    // An entry stored without passing through the join (as if its offer trigger had been missed):
    // one unit is free at its serving hub, and nothing offered it.
    await app.database.db.query(
      `insert into queue_entries (id, drop_id, creator_id, sku_id, region_id, quantity, tier_rank, claim_seconds, joined_at)
       values ('q-missed', $1, $2, $3, $4, 1, 1000, 300, $5)`,
      [s.tenant.dropId, s.tenant.creatorId, s.tenant.skuId, s.tenant.regionIds[0]!, AFTER_OPENING],
    );
    expect((await read(s, 'q-missed')).status).toBe('waiting');
    expect(await app.services.queue.offerAvailable()).toBe(1);
    expect((await read(s, 'q-missed')).status).toBe('offered');
    // Nothing left to offer: a second run changes nothing.
    expect(await app.services.queue.offerAvailable()).toBe(0);
    await expectLedgerBalanced(s.tenant.skuId);
  });

  it('follow tier order, then arrival', async () => {
    const s = await stockedTenant(2);
    await ok(
      app.client().PUT('/v1/drops/{dropId}/access', {
        params: { path: { dropId: s.tenant.dropId } },
        body: {
          tiers: [
            { name: 'holders', window: { starts_at: '2026-12-01T00:00:00Z', ends_at: '2026-12-02T00:00:00Z' } },
            { name: 'members', window: { starts_at: '2026-12-02T00:00:00Z', ends_at: '2026-12-03T00:00:00Z' } },
          ],
        },
      }),
    );
    const held = [await hold(s), await hold(s)];
    const pub = await expectData(201, join(s));
    const member = await expectData(201, join(s, { tier: 'members' }));
    const holder = await expectData(201, join(s, { tier: 'holders' }));
    // The place a join answers: the entries of its tier rank and of the ranks before it are ahead.
    expect([pub.position, member.position, holder.position]).toEqual([1, 1, 1]);
    expect((await read(s, holder.id)).position).toBe(1);
    expect((await read(s, member.id)).position).toBe(2);
    expect((await read(s, pub.id)).position).toBe(3);
    await ok(s.shop.POST('/v1/holds/{holdId}/release', { params: { path: { holdId: held[0]!.id } } }));
    expect((await read(s, holder.id)).status).toBe('offered');
    expect((await read(s, member.id)).position).toBe(1);
    await ok(s.shop.POST('/v1/holds/{holdId}/release', { params: { path: { holdId: held[1]!.id } } }));
    expect((await read(s, member.id)).status).toBe('offered');
    expect((await read(s, pub.id)).position).toBe(1);
    // Offered entries are no longer ahead of anyone.
    const laterMember = await expectData(201, join(s, { tier: 'members' }));
    const laterPub = await expectData(201, join(s));
    expect([laterMember.position, laterPub.position]).toEqual([1, 3]);
    expect((await read(s, laterPub.id)).position).toBe(3);
    expect((await read(s, pub.id)).position).toBe(2);
  });
});

/** held = Σ active holds for every hub row of the SKU, and nothing oversold. */
async function expectLedgerBalanced(skuId: string) {
  const { rows } = await app.database.db.query<{ held: number; active: number; available: number }>(
    `select s.held, (select coalesce(sum(quantity), 0)::int from reservation_holds h
       where h.hub_id = s.hub_id and h.sku_id = s.sku_id and h.status = 'held') as active,
       hub_stock_available(s) as available
     from hub_stock s where s.sku_id = $1`,
    [skuId],
  );
  for (const row of rows) {
    expect(row.held).toBe(row.active);
    expect(row.available).toBeGreaterThanOrEqual(0);
  }
}
