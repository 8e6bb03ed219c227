import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, type PlannerClient } from '../../../src/client';
import { createKey, createTenant, type Tenant } from '../../factories/catalog-factory';
import { eventually, publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';

/**
 * The queue under parallel clients, property-based, on PGlite and (with TEST_DATABASE_URL)
 * PostgreSQL. A random drop with two tiers sells out (random holds from two regions, some expiring
 * soon); buyers join in parallel from random tiers and regions for 1 or 2 units; then, in
 * parallel, holds are released, due holds expire, entries leave and other buyers try plain holds;
 * then offers are claimed, declined or left, twice. After every step, from the database:
 *
 *   - order: when an entry was offered, every entry ahead of it in its SKU and region's line
 *     (tier rank, then arrival) had been offered or had left before (one sequence numbers joins,
 *     offers and leaves);
 *   - no unit offered and held twice: each offer is its own active-or-ended hold of the entry's
 *     quantity, `held` = Σ active holds at every hub and nothing is oversold;
 *   - nothing left idle: the first waiting entry of each region asks for more than the hub has;
 *   - the waiting totals a join reads its place from add up to the waiting entries of each line.
 */
const RUNS = Number(process.env.QUEUE_PROPERTY_RUNS ?? 6);
const OPENING = '2026-12-03T18:00:00.000Z';
const LATER = '2026-12-03T18:06:00.000Z';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ now: OPENING });
});
afterAll(() => app.close());

const scenario = fc.record({
  stock: fc.integer({ min: 1, max: 6 }),
  holds: fc.array(fc.record({ region: fc.nat({ max: 1 }), soon: fc.boolean() }), { minLength: 6, maxLength: 6 }),
  joins: fc.array(
    fc.record({
      region: fc.nat({ max: 1 }),
      tier: fc.constantFrom('holders', 'members', null),
      quantity: fc.constantFrom(1, 1, 1, 2),
    }),
    { minLength: 4, maxLength: 20 },
  ),
  frees: fc.array(fc.constantFrom('release' as const, 'keep' as const), { minLength: 6, maxLength: 6 }),
  leaves: fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
  plainHolds: fc.integer({ min: 0, max: 4 }),
  answers: fc.array(
    fc.array(fc.constantFrom('claim' as const, 'decline' as const, 'leave' as const, 'wait' as const), {
      minLength: 20,
      maxLength: 20,
    }),
    { minLength: 2, maxLength: 2 },
  ),
});

describe('the queue under parallel clients', () => {
  it('offers strictly in queue order, never a unit twice, and leaves nothing idle that the head could take', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        app.clock.set(OPENING);
        const t = await createTenant(app);
        await publishPlanWithAllocations(app.database.db, t.dropId, [
          { skuId: t.skuId, hubId: t.hubId, units: s.stock },
        ]);
        await eventually(() => app.services.snapshots.current().skus.get(t.skuId)?.publishedPlanId != null, 10_000);
        await ok(
          app.client().PUT('/v1/drops/{dropId}/access', {
            params: { path: { dropId: t.dropId } },
            body: {
              tiers: [
                { name: 'holders', window: { starts_at: '2026-12-01T00:00:00Z', ends_at: '2026-12-02T00:00:00Z' } },
                { name: 'members', window: { starts_at: '2026-12-02T00:00:00Z', ends_at: '2026-12-03T00:00:00Z' } },
              ],
            },
          }),
        );
        const shop = app.client(await createKey(app, { role: 'storefront', creator_id: t.creatorId }));

        // Sell out: the first `stock` holds succeed.
        const holdIds: string[] = [];
        for (const h of s.holds.slice(0, s.stock)) {
          const held = await ok(
            shop.POST('/v1/holds', {
              body: {
                sku_id: t.skuId,
                region_id: t.regionIds[h.region]!,
                quantity: 1,
                hold_seconds: h.soon ? 300 : 900,
              },
            }),
          );
          holdIds.push(held.id);
        }

        // Buyers join in parallel.
        const joined = await Promise.all(
          s.joins.map((j) =>
            ok(
              shop.POST('/v1/drops/{dropId}/queue', {
                params: { path: { dropId: t.dropId } },
                body: {
                  sku_id: t.skuId,
                  region_id: t.regionIds[j.region]!,
                  quantity: j.quantity,
                  ...(j.tier ? { tier: j.tier } : {}),
                },
              }),
            ),
          ),
        );
        await checkInvariants(t);

        // Stock frees while buyers leave and others try to hold.
        app.clock.set(LATER);
        await Promise.all([
          ...holdIds.map((holdId, i) =>
            s.frees[i] === 'release'
              ? ok(shop.POST('/v1/holds/{holdId}/release', { params: { path: { holdId } } })).catch(() => undefined)
              : Promise.resolve(),
          ),
          app.services.delivery.expireDueHolds(),
          ...joined.map((e, i) => (s.leaves[i] ? leave(shop, t, e.id) : Promise.resolve())),
          ...Array.from({ length: s.plainHolds }, (_, i) =>
            shop.POST('/v1/holds', {
              body: { sku_id: t.skuId, region_id: t.regionIds[i % 2]!, quantity: 1, hold_seconds: 600 },
            }),
          ),
        ]);
        await checkInvariants(t);

        // Offers are claimed, declined or left, in parallel; declined units pass on.
        for (const round of s.answers) {
          const offers = await offeredEntries(t);
          await Promise.all(
            offers.map((o, i) => {
              const answer = round[i % round.length]!;
              if (answer === 'claim')
                return shop.POST('/v1/holds/{holdId}/confirm', { params: { path: { holdId: o.hold_id } } });
              if (answer === 'decline')
                return shop.POST('/v1/holds/{holdId}/release', { params: { path: { holdId: o.hold_id } } });
              if (answer === 'leave') return leave(shop, t, o.id);
              return Promise.resolve();
            }),
          );
          await checkInvariants(t);
        }
      }),
      { numRuns: RUNS },
    );
  }, 600_000);
});

const leave = (shop: PlannerClient, t: Tenant, entryId: string) =>
  ok(shop.DELETE('/v1/drops/{dropId}/queue/{entryId}', { params: { path: { dropId: t.dropId, entryId } } }));

async function offeredEntries(t: Tenant) {
  const { rows } = await app.database.db.query<{ id: string; hold_id: string }>(
    `select e.id, e.hold_id from queue_entries e join reservation_holds h on h.id = e.hold_id
     where e.drop_id = $1 and e.status = 'offered' and h.status = 'held' order by e.offer_seq`,
    [t.dropId],
  );
  return rows;
}

interface Row {
  id: string;
  region_id: string;
  quantity: number;
  tier_rank: number;
  seq: string;
  status: 'waiting' | 'offered' | 'left';
  offer_seq: string | null;
  left_seq: string | null;
  hold_id: string | null;
  hold_quantity: number | null;
}

async function checkInvariants(t: Tenant) {
  const { rows } = await app.database.db.query<Row>(
    `select e.id, e.region_id, e.quantity, e.tier_rank, e.seq::text, e.status, e.offer_seq::text, e.left_seq::text,
       e.hold_id, h.quantity as hold_quantity
     from queue_entries e left join reservation_holds h on h.id = e.hold_id where e.drop_id = $1`,
    [t.dropId],
  );
  const before = (a: Row, b: Row) =>
    a.tier_rank < b.tier_rank || (a.tier_rank === b.tier_rank && BigInt(a.seq) < BigInt(b.seq));
  for (const x of rows.filter((r) => r.offer_seq !== null)) {
    const at = BigInt(x.offer_seq!);
    for (const y of rows.filter((r) => r.region_id === x.region_id && before(r, x))) {
      const settled =
        (y.offer_seq !== null && BigInt(y.offer_seq) < at) || (y.left_seq !== null && BigInt(y.left_seq) < at);
      expect(settled, `${y.id} was ahead of ${x.id} and still waiting when ${x.id} was offered`).toBe(true);
    }
    // Each offer is its own hold of the entry's quantity.
    expect(x.hold_quantity).toBe(x.quantity);
  }
  const offerHolds = rows.filter((r) => r.hold_id !== null).map((r) => r.hold_id);
  expect(new Set(offerHolds).size).toBe(offerHolds.length);

  const { rows: stock } = await app.database.db.query<{ held: number; active: number; available: number }>(
    `select s.held, hub_stock_available(s) as available,
       (select coalesce(sum(quantity), 0)::int from reservation_holds h
         where h.hub_id = s.hub_id and h.sku_id = s.sku_id and h.status = 'held') as active
     from hub_stock s where s.sku_id = $1`,
    [t.skuId],
  );
  for (const row of stock) {
    expect(row.held).toBe(row.active);
    expect(row.available).toBeGreaterThanOrEqual(0);
  }
  // The place in line a join answers is read from the waiting totals (migration 0025): they add up
  // to the waiting entries of each line and tier rank.
  const waiting = new Map<string, { entries: number; units: number }>();
  for (const r of rows.filter((x) => x.status === 'waiting')) {
    const key = `${r.region_id}/${r.tier_rank}`;
    const line = waiting.get(key) ?? { entries: 0, units: 0 };
    waiting.set(key, { entries: line.entries + 1, units: line.units + r.quantity });
  }
  const { rows: totals } = await app.database.db.query<{ key: string; entries: number; units: number }>(
    `select region_id || '/' || tier_rank as key, sum(entries)::int as entries, sum(units)::int as units
     from queue_waiting_totals where sku_id = $1 group by region_id, tier_rank having sum(entries) <> 0 or sum(units) <> 0`,
    [t.skuId],
  );
  expect(new Map(totals.map((r) => [r.key, { entries: r.entries, units: r.units }]))).toEqual(waiting);

  // Nothing idle: the head of each region's line asks for more than the hub (serving both) has.
  const available = stock.reduce((sum, r) => sum + r.available, 0);
  for (const regionId of t.regionIds) {
    const head = rows
      .filter((r) => r.region_id === regionId && r.status === 'waiting')
      .sort((a, b) => (before(a, b) ? -1 : 1))[0];
    if (head)
      expect(head.quantity, `head ${head.id} of ${regionId} could take ${available} unit(s)`).toBeGreaterThan(
        available,
      );
  }
}
