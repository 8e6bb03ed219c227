import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Schemas } from '../../../src/client';
import { createKey, createTenant, freshId, hubBody, upserted, type Tenant } from '../../factories/catalog-factory';
import { eventually, publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { expectData, expectProblem } from '../../harness/answers';
import { startTestApp, type TestApp } from '../../harness/test-app';

/**
 * Local pickup through the typed client: a hub's offer, pickup options in estimates and the cart,
 * holds that reserve a slot (never beyond its units), the partner's pull, and what is refused.
 *
 * The clock is Monday 2026-11-23 12:00Z; the tenant's drop opens Thursday 2026-12-03 17:00Z (12:00 in
 * New York, the hub's zone) and its units are inbound, expected by the opening. The hub opens 9–12 and
 * 13–17 on weekdays in hour slots of 3 units, so the first slots are Thursday 13:00, 14:00, 15:00 local.
 */
let app: TestApp;
let t: Tenant;
let shop: ReturnType<TestApp['client']>;
let partnerKey: string;
const SLOT_13 = '2026-12-03T18:00:00.000Z';
const SLOT_14 = '2026-12-03T19:00:00.000Z';
const SLOT_15 = '2026-12-03T20:00:00.000Z';

const offer = (over: Partial<Schemas['HubPickupInput']> = {}): Schemas['HubPickupInput'] => ({
  address_label: 'Dock 4, 1 Harbor St',
  slot_minutes: 60,
  units_per_slot: 3,
  opening_hours: [1, 2, 3, 4, 5].flatMap((weekday) => [
    { weekday, opens: 9, closes: 12 },
    { weekday, opens: 13, closes: 17 },
  ]),
  ...over,
});

beforeAll(async () => {
  app = await startTestApp({ now: '2026-11-23T12:00:00Z' });
  t = await createTenant(app);
  shop = app.client(await createKey(app, { role: 'storefront', creator_id: t.creatorId }));
  partnerKey = await createKey(app, { role: 'partner', partner_id: t.partnerId });
  await expectData(
    200,
    app.client().PUT('/v1/hubs/{hubId}/pickup', { params: { path: { hubId: t.hubId } }, body: offer() }),
  );
  await publishPlanWithAllocations(app.database.db, t.dropId, [{ skuId: t.skuId, hubId: t.hubId, units: 50 }]);
  await eventually(
    () =>
      app.services.snapshots.current().skus.get(t.skuId)?.publishedPlanId != null &&
      app.services.snapshots.current().pickupOffers.has(t.hubId),
    10_000,
  );
});
afterAll(() => app.close());

const hold = (quantity: number, slot_start: string, hub_id = t.hubId) =>
  shop.POST('/v1/holds', {
    body: { sku_id: t.skuId, region_id: t.regionIds[0]!, quantity, hold_seconds: 300, pickup: { hub_id, slot_start } },
  });
const release = (holdId: string) => shop.POST('/v1/holds/{holdId}/release', { params: { path: { holdId } } });
const estimate = (quantity = 1) =>
  expectData(
    200,
    shop.GET('/v1/estimates', { params: { query: { sku_id: t.skuId, region_id: t.regionIds[0]!, quantity } } }),
  );
/** Waits for estimates to see the slots' use after holds (the snapshot reloads on change). */
const slotsSeen = async (quantity: number, slots: { start: string; units_free: number }[]) =>
  eventually(async () => {
    const e = await estimate(quantity);
    return (
      JSON.stringify(e.pickup_options?.[0]?.slots.map((s) => ({ start: s.start, units_free: s.units_free }))) ===
      JSON.stringify(slots)
    );
  }, 10_000);

describe('a hub offering pickup', () => {
  it('is set by admin per hub and read back; another hub offers none (404)', async () => {
    const read = await expectData(
      200,
      app.client().GET('/v1/hubs/{hubId}/pickup', { params: { path: { hubId: t.hubId } } }),
    );
    expect(read).toMatchObject({ hub_id: t.hubId, slot_minutes: 60, units_per_slot: 3, region_ids: null });
    expect(read.opening_hours).toHaveLength(10);
    const otherHub = freshId('hub');
    await upserted(
      app.client().PUT('/v1/hubs/{hubId}', { params: { path: { hubId: otherHub } }, body: hubBody(t.partnerId, []) }),
    );
    await expectProblem(404, app.client().GET('/v1/hubs/{hubId}/pickup', { params: { path: { hubId: otherHub } } }));
  });
});

describe('pickup options in estimates and the cart', () => {
  it('lists the hub with its address, ready from the opening (units inbound), and its first 3 slots', async () => {
    const e = await estimate(2);
    expect(e.pickup_options).toEqual([
      {
        hub_id: t.hubId,
        address_label: 'Dock 4, 1 Harbor St',
        ready_from: '2026-12-03T17:00:00.000Z',
        slots: [
          { start: SLOT_13, end: SLOT_14, units_free: 3 },
          { start: SLOT_14, end: SLOT_15, units_free: 3 },
          { start: SLOT_15, end: '2026-12-03T21:00:00.000Z', units_free: 3 },
        ],
      },
    ]);
    // More units than a slot hands out: no slot fits, so no option.
    expect((await estimate(4)).pickup_options).toEqual([]);
  });

  it('answers the cart with the hubs where every line can be collected, slots with room for all its units', async () => {
    const cart = await expectData(
      200,
      shop.POST('/v1/estimates/cart', {
        body: {
          region_id: t.regionIds[0]!,
          lines: [
            { sku_id: t.skuId, quantity: 1 },
            { sku_id: t.skuId, quantity: 1 },
          ],
        },
      }),
    );
    expect(cart.pickup_options?.map((o) => [o.hub_id, o.slots[0]!.start, o.slots.length])).toEqual([
      [t.hubId, SLOT_13, 3],
    ]);
  });
});

describe('holds with a pickup slot', () => {
  it('reserves the slot with the units; a full slot is refused (409 slot_full); a release frees it', async () => {
    const first = await expectData(201, hold(2, SLOT_13));
    expect(first).toMatchObject({
      status: 'held',
      hub_id: t.hubId,
      quantity: 2,
      pickup: { hub_id: t.hubId, slot_start: SLOT_13, slot_end: SLOT_14 },
    });
    const full = await expectProblem(409, hold(2, SLOT_13));
    expect(full).toMatchObject({ code: 'conflict', reason: 'slot_full', units_free: 1 });
    const last = await expectData(201, hold(1, SLOT_13));
    await expectProblem(409, hold(1, SLOT_13));
    await slotsSeen(1, [
      { start: SLOT_14, units_free: 3 },
      { start: SLOT_15, units_free: 3 },
      { start: '2026-12-03T21:00:00.000Z', units_free: 3 },
    ]);

    expect((await expectData(200, release(first.id))).status).toBe('released');
    const again = await expectData(201, hold(2, SLOT_13));
    expect(
      (await expectData(200, shop.GET('/v1/holds/{holdId}', { params: { path: { holdId: again.id } } }))).pickup,
    ).toEqual({ hub_id: t.hubId, slot_start: SLOT_13, slot_end: SLOT_14 });
    await expectData(200, shop.POST('/v1/holds/{holdId}/confirm', { params: { path: { holdId: last.id } } }));
  });

  it('shows the partner the pickups due per slot, as JSON and CSV', async () => {
    await expectData(201, hold(1, SLOT_15));
    const pull = await expectData(
      200,
      app.client(partnerKey).GET('/v1/partner/allocations', { params: { query: { drop_id: t.dropId } } }),
    );
    expect(pull.pickups).toEqual([
      { hub_id: t.hubId, slot_start: SLOT_13, slot_end: SLOT_14, sku_id: t.skuId, units: 3, holds: 2 },
      {
        hub_id: t.hubId,
        slot_start: SLOT_15,
        slot_end: '2026-12-03T21:00:00.000Z',
        sku_id: t.skuId,
        units: 1,
        holds: 1,
      },
    ]);
    const csv = await app.rawRequest('GET', `/v1/partner/allocations?drop_id=${t.dropId}&format=csv`, {
      key: partnerKey,
    });
    expect(csv.status, csv.text).toBe(200);
    const pickupLines = csv.text
      .trim()
      .split('\r\n')
      .filter((l: string) => l.startsWith('pickup,'));
    expect(pickupLines.map((l: string) => l.split(',').slice(4))).toEqual([
      [t.skuId, t.hubId, '3', '', '', '', '', '', SLOT_13, SLOT_14, '2'],
      [t.skuId, t.hubId, '1', '', '', '', '', '', SLOT_15, '2026-12-03T21:00:00.000Z', '1'],
    ]);
  });
});

describe('pickup input refused (422 naming the field, nothing written)', () => {
  const put = (body: Schemas['HubPickupInput']) =>
    app.client().PUT('/v1/hubs/{hubId}/pickup', { params: { path: { hubId: t.hubId } }, body });
  const paths = (p: Schemas['Problem']) => (p.errors ?? []).map((e) => e.path);

  it('refuses overlapping opening intervals on a day, hours outside 0–24 and units per slot ≤ 0', async () => {
    const overlapping = offer({
      opening_hours: [
        { weekday: 2, opens: 9, closes: 13 },
        { weekday: 2, opens: 12, closes: 17 },
      ],
    });
    expect(paths(await expectProblem(422, put(overlapping)))).toEqual(['opening_hours[1].opens']);
    expect(
      paths(await expectProblem(422, put(offer({ opening_hours: [{ weekday: 1, opens: 9, closes: 25 }] })))),
    ).toEqual(['opening_hours[0].closes']);
    expect(
      paths(await expectProblem(422, put(offer({ opening_hours: [{ weekday: 1, opens: -1, closes: 5 }] })))),
    ).toEqual(['opening_hours[0].opens']);
    expect(paths(await expectProblem(422, put(offer({ units_per_slot: 0 }))))).toEqual(['units_per_slot']);
    expect(paths(await expectProblem(422, put(offer({ units_per_slot: -2 }))))).toEqual(['units_per_slot']);
    // Touching intervals are fine, and nothing of the refused offers was written.
    const read = await expectData(
      200,
      app.client().GET('/v1/hubs/{hubId}/pickup', { params: { path: { hubId: t.hubId } } }),
    );
    expect(read.units_per_slot).toBe(3);
    expect(read.opening_hours).toHaveLength(10);
  });

  it('refuses a hold for a hub without pickup, a time that is no slot, and a slot before the units are ready', async () => {
    const noPickupHub = freshId('hub');
    await upserted(
      app
        .client()
        .PUT('/v1/hubs/{hubId}', { params: { path: { hubId: noPickupHub } }, body: hubBody(t.partnerId, t.regionIds) }),
    );
    expect(paths(await expectProblem(422, hold(1, SLOT_13, noPickupHub)))).toEqual(['pickup.hub_id']);
    expect(paths(await expectProblem(422, hold(1, '2026-12-03T18:30:00.000Z')))).toEqual(['pickup.slot_start']);
    // Tuesday 13:00 local is a slot, but before the drop opens.
    expect(paths(await expectProblem(422, hold(1, '2026-12-01T18:00:00.000Z')))).toEqual(['pickup.slot_start']);
    const held = await expectData(200, shop.GET('/v1/holds', { params: { query: { status: 'held' } } }));
    expect(held.items.every((h) => h.pickup?.slot_start !== '2026-12-03T18:30:00.000Z')).toBe(true);
  });

  it('refuses pickup shares outside 0–1 and unknown regions, and keeps the last good ones', async () => {
    const sharesOf = (body: Schemas['PickupSharesInput']) =>
      app.client().PUT('/v1/drops/{dropId}/pickup-shares', { params: { path: { dropId: t.dropId } }, body });
    await expectData(200, sharesOf({ shares: [{ region_id: t.regionIds[0]!, share: 0.25 }] }));
    expect(paths(await expectProblem(422, sharesOf({ shares: [{ region_id: t.regionIds[0]!, share: 1.5 }] })))).toEqual(
      ['shares[0].share'],
    );
    expect(paths(await expectProblem(422, sharesOf({ shares: [{ region_id: 'nowhere', share: 0.5 }] })))).toEqual([
      'shares[0].region_id',
    ]);
    const read = await expectData(
      200,
      app.client().GET('/v1/drops/{dropId}/pickup-shares', { params: { path: { dropId: t.dropId } } }),
    );
    expect(read.shares).toEqual([{ region_id: t.regionIds[0]!, share: 0.25 }]);
  });
});

describe('pickup on a drop with access rules', () => {
  it('is refused 422 naming pickup, and nothing is held (the access step and the slot step do not share a transaction yet)', async () => {
    await expectData(
      200,
      app.client().PUT('/v1/drops/{dropId}/access', {
        params: { path: { dropId: t.dropId } },
        body: { tiers: [], account_limits: { per_drop: 5 } },
      }),
    );
    const heldBefore = await expectData(200, shop.GET('/v1/holds', { params: { query: { status: 'held' } } }));
    const refused = await expectProblem(
      422,
      shop.POST('/v1/holds', {
        body: {
          sku_id: t.skuId,
          region_id: t.regionIds[0]!,
          quantity: 1,
          hold_seconds: 300,
          account_id: 'acct-pickup',
          pickup: { hub_id: t.hubId, slot_start: SLOT_15 },
        },
      }),
    );
    expect(refused.errors?.map((e) => e.path)).toEqual(['pickup']);
    const heldAfter = await expectData(200, shop.GET('/v1/holds', { params: { query: { status: 'held' } } }));
    expect(heldAfter.items.map((h) => h.id).sort()).toEqual(heldBefore.items.map((h) => h.id).sort());
  });
});
