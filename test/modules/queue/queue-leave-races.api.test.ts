import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../../../src/client';
import { createKey, createTenant } from '../../factories/catalog-factory';
import { eventually, publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';

/**
 * Leaving the line while the units its head waits for free. Two defects, each a test here:
 *
 *   - A leave read its entry, then locked it: an entry offered in between was "left" with the
 *     hold it had when read (none), so the call answered 200 and the entry stayed offered.
 *   - An offer locks the stock row, then the head entries, then their line's waiting totals; a
 *     leave locked its entry first, then the same totals. Each could hold what the other wanted
 *     next, and PostgreSQL ended one of them (a deadlock: the leave answered 500, about one run
 *     in six of the queue's property test). The leave now takes the line's stock rows first.
 *
 * Every round frees units (some released one by one, most expiring in one offer) while the first
 * entries of the line leave, all at once: every call succeeds and the line adds up after.
 */
const ROUNDS = Number(process.env.QUEUE_LEAVE_RACE_ROUNDS ?? 6);
const OPENING = '2026-12-03T18:00:00.000Z';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ now: OPENING });
});
afterAll(() => app.close());

describe('leaving the line while its units free', () => {
  it('never fails a leave, a release or an expiry, and leaves the line consistent', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      app.clock.set(OPENING);
      const t = await createTenant(app);
      const stock = 12;
      await publishPlanWithAllocations(app.database.db, t.dropId, [{ skuId: t.skuId, hubId: t.hubId, units: stock }]);
      await eventually(() => app.services.snapshots.current().skus.get(t.skuId)?.publishedPlanId != null, 10_000);
      const shop = app.client(await createKey(app, { role: 'storefront', creator_id: t.creatorId }));
      const regionId = t.regionIds[0]!;
      const holds = [];
      for (let i = 0; i < stock; i++)
        holds.push(
          await ok(
            shop.POST('/v1/holds', {
              body: { sku_id: t.skuId, region_id: regionId, quantity: 1, hold_seconds: i % 3 ? 300 : 900 },
            }),
          ),
        );
      const entries = [];
      for (let i = 0; i < 24; i++)
        entries.push(
          await ok(
            shop.POST('/v1/drops/{dropId}/queue', {
              params: { path: { dropId: t.dropId } },
              body: { sku_id: t.skuId, region_id: regionId, quantity: 1 },
            }),
          ),
        );

      // A third of the holds are released, the rest expire in one offer; the first 16 entries leave meanwhile.
      app.clock.set('2026-12-03T18:06:00.000Z');
      const statuses = await Promise.all([
        ...holds
          .filter((_, i) => i % 3 === 0)
          .map(async (h) => {
            const { response } = await shop.POST('/v1/holds/{holdId}/release', { params: { path: { holdId: h.id } } });
            return response.status;
          }),
        app.services.delivery.expireDueHolds().then(() => 200),
        ...entries.slice(0, 16).map(async (e) => {
          const { response } = await shop.DELETE('/v1/drops/{dropId}/queue/{entryId}', {
            params: { path: { dropId: t.dropId, entryId: e.id } },
          });
          return response.status;
        }),
      ]);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);

      // Every unit freed went to someone still in line, in order; nothing idle, nothing counted twice.
      const { rows } = await app.database.db.query<{ status: string; n: number }>(
        `select status, count(*)::int as n from queue_entries where drop_id = $1 group by status`,
        [t.dropId],
      );
      const count = (status: string) => rows.find((r) => r.status === status)?.n ?? 0;
      expect(count('left')).toBe(16);
      expect(count('offered') + count('waiting')).toBe(8);
      expect(count('offered')).toBe(8);
      const { rows: stockRows } = await app.database.db.query<{ held: number; active: number; available: number }>(
        `select s.held, hub_stock_available(s) as available,
           (select coalesce(sum(quantity), 0)::int from reservation_holds h
             where h.hub_id = s.hub_id and h.sku_id = s.sku_id and h.status = 'held') as active
         from hub_stock s where s.sku_id = $1`,
        [t.skuId],
      );
      expect(stockRows[0]!.held).toBe(stockRows[0]!.active);
      if (count('waiting') > 0) expect(stockRows[0]!.available).toBe(0);
      const { rows: totals } = await app.database.db.query<{ entries: number }>(
        `select coalesce(sum(entries), 0)::int as entries from queue_waiting_totals where sku_id = $1`,
        [t.skuId],
      );
      expect(totals[0]!.entries).toBe(count('waiting'));
    }
  }, 300_000);

  // Only a server has a second connection to hold a lock from while the service works.
  it.runIf(process.env.TEST_DATABASE_URL)(
    "takes the line's stock rows before its entry, as an offer does",
    async () => {
      app.clock.set(OPENING);
      const t = await createTenant(app);
      await publishPlanWithAllocations(app.database.db, t.dropId, [{ skuId: t.skuId, hubId: t.hubId, units: 1 }]);
      await eventually(() => app.services.snapshots.current().skus.get(t.skuId)?.publishedPlanId != null, 10_000);
      const shop = app.client(await createKey(app, { role: 'storefront', creator_id: t.creatorId }));
      const regionId = t.regionIds[0]!;
      await ok(shop.POST('/v1/holds', { body: { sku_id: t.skuId, region_id: regionId, quantity: 1 } }));
      const entry = await ok(
        shop.POST('/v1/drops/{dropId}/queue', {
          params: { path: { dropId: t.dropId } },
          body: { sku_id: t.skuId, region_id: regionId, quantity: 1 },
        }),
      );

      // An offer in progress: it holds the stock row.
      let stockLocked!: () => void;
      let endOffer!: () => void;
      const locked = new Promise<void>((resolve) => (stockLocked = resolve));
      const offerEnds = new Promise<void>((resolve) => (endOffer = resolve));
      const offer = app.database.db.transaction(async (tx) => {
        await tx.query('select 1 from hub_stock where sku_id = $1 for update', [t.skuId]);
        stockLocked();
        await offerEnds;
      });
      await locked;
      const leaving = shop.DELETE('/v1/drops/{dropId}/queue/{entryId}', {
        params: { path: { dropId: t.dropId, entryId: entry.id } },
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      // The leave waits for the stock row: it has neither changed nor locked its entry.
      const { rows } = await app.database.db.query<{ status: string }>(
        'select status from queue_entries where id = $1 for update skip locked',
        [entry.id],
      );
      endOffer();
      await offer;
      const { response } = await leaving;
      expect(rows).toEqual([{ status: 'waiting' }]);
      expect(response.status).toBe(200);
      const { rows: after } = await app.database.db.query<{ status: string }>(
        'select status from queue_entries where id = $1',
        [entry.id],
      );
      expect(after).toEqual([{ status: 'left' }]);
    },
    60_000,
  );
});
