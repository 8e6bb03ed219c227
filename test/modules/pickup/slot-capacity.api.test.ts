import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slotsFrom, type PickupOffer } from '../../../src/modules/pickup/core/pickup-slots';
import { createKey, createTenant, freshId, skuBody, upserted, type Tenant } from '../../factories/catalog-factory';
import { eventually, publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { expectData } from '../../harness/answers';
import { startTestApp, type TestApp } from '../../harness/test-app';

/**
 * A pickup slot is never oversold, whatever parallel clients do: each run sends a burst of holds
 * for one slot (some released as soon as they are granted) from parallel clients, against a slot
 * capacity drawn for the run, for four SKUs (holds of one SKU at one hub already queue on its stock
 * row; different SKUs share only the slot), on PGlite and on PostgreSQL (TEST_DATABASE_URL, a real pool of
 * connections). After the burst the slot's units (active and confirmed holds) never exceed its
 * capacity, every refusal is a 409 `slot_full`, and with no releases a refused hold really did not
 * fit: what was granted plus its quantity exceeds the capacity.
 */
const RUNS = Number(process.env.PICKUP_PROPERTY_RUNS ?? 12);

let app: TestApp;
let t: Tenant;
let shops: ReturnType<TestApp['client']>[];
let slots: string[];
let skuIds: string[];

const hours = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opens: 9, closes: 17 }));

beforeAll(async () => {
  app = await startTestApp({ now: '2026-11-23T12:00:00Z' });
  t = await createTenant(app);
  const key = await createKey(app, { role: 'storefront', creator_id: t.creatorId });
  shops = Array.from({ length: 8 }, () => app.client(key));
  await expectData(
    200,
    app.client().PUT('/v1/hubs/{hubId}/pickup', {
      params: { path: { hubId: t.hubId } },
      body: { address_label: 'Dock 1', slot_minutes: 60, units_per_slot: 3, opening_hours: hours },
    }),
  );
  skuIds = [t.skuId, freshId('sku'), freshId('sku'), freshId('sku')];
  for (const skuId of skuIds.slice(1))
    await upserted(
      app.client().PUT('/v1/drops/{dropId}/skus/{skuId}', {
        params: { path: { dropId: t.dropId, skuId } },
        body: skuBody(t.supplierId),
      }),
    );
  await publishPlanWithAllocations(
    app.database.db,
    t.dropId,
    skuIds.map((skuId) => ({ skuId, hubId: t.hubId, units: 10_000 })),
  );
  await eventually(
    () =>
      skuIds.every((id) => app.services.snapshots.current().skus.get(id)?.publishedPlanId != null) &&
      app.services.snapshots.current().pickupOffers.has(t.hubId),
    10_000,
  );
  // One fresh slot per run, from the drop's opening (2026-12-03T17:00Z) on.
  const offer: PickupOffer = {
    hubId: t.hubId,
    timeZone: 'America/New_York',
    addressLabel: 'Dock 1',
    slotMinutes: 60,
    unitsPerSlot: 3,
    openingHours: hours,
  };
  slots = [...slotsFrom(offer, Date.parse('2026-12-03T17:00:00Z'), 60)].map((s) => new Date(s.startMs).toISOString());
});
afterAll(() => app.close());

async function unitsInSlot(slotStart: string): Promise<number> {
  const { rows } = await app.database.db.query<{ units: number }>(
    `select coalesce(sum(quantity), 0)::int as units from reservation_holds
     where hub_id = $1 and pickup_slot_start = $2 and status in ('held', 'confirmed')`,
    [t.hubId, slotStart],
  );
  return rows[0]!.units;
}

describe('pickup slot capacity under parallel holds', () => {
  it('never hands out more units than the slot has, on this engine', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.record({ quantity: fc.integer({ min: 1, max: 3 }), release: fc.boolean() }), {
          minLength: 2,
          maxLength: 24,
        }),
        async (capacity, requests) => {
          const slot = slots[run++]!;
          // Capacity is read under the slot lock, from the database: it applies at once.
          await expectData(
            200,
            app.client().PUT('/v1/hubs/{hubId}/pickup', {
              params: { path: { hubId: t.hubId } },
              body: { address_label: 'Dock 1', slot_minutes: 60, units_per_slot: capacity, opening_hours: hours },
            }),
          );
          const answers = await Promise.all(
            requests.map(async (r, i) => {
              const shop = shops[i % shops.length]!;
              const answer = await shop.POST('/v1/holds', {
                body: {
                  sku_id: skuIds[i % skuIds.length]!,
                  region_id: t.regionIds[0]!,
                  quantity: r.quantity,
                  hold_seconds: 300,
                  pickup: { hub_id: t.hubId, slot_start: slot },
                },
              });
              if (answer.data && r.release)
                await shop.POST('/v1/holds/{holdId}/release', { params: { path: { holdId: answer.data.id } } });
              return { ...r, status: answer.response.status, reason: (answer.error as { reason?: string })?.reason };
            }),
          );
          for (const a of answers) {
            expect([201, 409]).toContain(a.status);
            if (a.status === 409) expect(a.reason).toBe('slot_full');
          }
          const used = await unitsInSlot(slot);
          expect(used).toBeLessThanOrEqual(capacity);
          const kept = answers.filter((a) => a.status === 201 && !a.release).reduce((sum, a) => sum + a.quantity, 0);
          expect(used).toBe(kept);
          if (requests.every((r) => !r.release))
            for (const refused of answers.filter((a) => a.status === 409))
              expect(used + refused.quantity).toBeGreaterThan(capacity);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
