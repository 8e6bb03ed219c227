import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../../../src/client';
import type { Schemas } from '../../../src/http/contract';
import { createKey, createTenant, freshId, skuBody, upserted } from '../../factories/catalog-factory';
import { eventually, publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';

/**
 * Tiers and account limits under bursts of parallel clients, property-based, on PGlite and (with
 * TEST_DATABASE_URL) PostgreSQL. A random drop (two SKUs, one hub, two regions) gets random reserves
 * and limits; at a random moment (inside the holders' window, or inside the members' window with
 * the holders' reserve rolled over) bursts of parallel holds from random tiers, regions and
 * accounts, then confirms and releases, hit the service. After every burst, from the database:
 *
 *   - per account: Σ active and confirmed units ≤ its per-SKU limit and its per-drop limit;
 *   - for every tier whose window has not ended, and each scope of its reserve: the units held by
 *     every other buyer ≤ stock − that reserve (its reserve was never taken by another tier);
 *   - held = Σ active holds (the ledger) and nothing is oversold.
 *
 * The expected reserves are computed here, independently: floor(share × stock), the holders'
 * whole reserve rolling into the members' when the burst comes after the holders' window (no
 * holder held before it).
 */
const RUNS = Number(process.env.ACCESS_PROPERTY_RUNS ?? 8);
const HOLDERS = { starts_at: '2026-12-01T00:00:00.000Z', ends_at: '2026-12-02T00:00:00.000Z' };
const MEMBERS = { starts_at: '2026-12-02T00:00:00.000Z', ends_at: '2026-12-03T00:00:00.000Z' };

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ now: '2026-11-23T12:00:00Z' });
});
afterAll(() => app.close());

const pct = fc.constantFrom(0, 10, 25, 40);
const scenario = fc
  .record({
    stock: fc.tuple(fc.integer({ min: 4, max: 40 }), fc.integer({ min: 4, max: 40 })),
    holders: pct,
    holdersRegion: pct,
    members: pct,
    perSku: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null, freq: 2 }),
    perDrop: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null, freq: 2 }),
    phase: fc.constantFrom('holders' as const, 'members' as const),
    bursts: fc.array(
      fc.array(
        fc.record({
          tier: fc.constantFrom('holders', 'members', null),
          sku: fc.nat({ max: 1 }),
          region: fc.nat({ max: 1 }),
          account: fc.nat({ max: 19 }),
          quantity: fc.integer({ min: 1, max: 3 }),
          then: fc.constantFrom('keep' as const, 'confirm' as const, 'release' as const),
        }),
        { minLength: 20, maxLength: 60 },
      ),
      { minLength: 1, maxLength: 2 },
    ),
  })
  .filter((s) => s.holders + s.holdersRegion + s.members <= 100);

describe('tiers and account limits under parallel holds', () => {
  it('never exceed an account limit, never give a tier’s reserve to another buyer, keep held = Σ active holds', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        app.clock.set('2026-11-23T12:00:00Z');
        const t = await createTenant(app);
        const skuIds = [t.skuId, freshId('sku')];
        await upserted(
          app.client().PUT('/v1/drops/{dropId}/skus/{skuId}', {
            params: { path: { dropId: t.dropId, skuId: skuIds[1]! } },
            body: skuBody(t.supplierId),
          }),
        );
        await publishPlanWithAllocations(
          app.database.db,
          t.dropId,
          skuIds.map((skuId, i) => ({ skuId, hubId: t.hubId, units: s.stock[i]! })),
        );
        await eventually(
          () => skuIds.every((id) => app.services.snapshots.current().skus.get(id)?.publishedPlanId != null),
          10_000,
        );
        const reserves = (share: number, regionId?: string) =>
          share === 0
            ? []
            : skuIds.map((sku_id) => ({ sku_id, share: share / 100, ...(regionId ? { region_id: regionId } : {}) }));
        const rules: Schemas['DropAccessInput'] = {
          tiers: [
            {
              name: 'holders',
              window: HOLDERS,
              reserves: [...reserves(s.holders), ...reserves(s.holdersRegion, t.regionIds[1]!)],
            },
            { name: 'members', window: MEMBERS, reserves: reserves(s.members) },
          ],
          account_limits: {
            per_drop: s.perDrop,
            per_sku: s.perSku === null ? [] : skuIds.map((sku_id) => ({ sku_id, quantity: s.perSku! })),
          },
        };
        await ok(
          app.client().PUT('/v1/drops/{dropId}/access', { params: { path: { dropId: t.dropId } }, body: rules }),
        );
        const shop = app.client(await createKey(app, { role: 'storefront', creator_id: t.creatorId }));
        app.clock.set(s.phase === 'holders' ? '2026-12-01T12:00:00Z' : '2026-12-02T12:00:00Z');

        for (const burst of s.bursts) {
          const answers = await Promise.all(
            burst.map(async (r) => {
              const res = await shop.POST('/v1/holds', {
                body: {
                  sku_id: skuIds[r.sku]!,
                  region_id: t.regionIds[r.region]!,
                  quantity: r.quantity,
                  hold_seconds: 900,
                  ...(r.tier ? { tier: r.tier } : {}),
                  account_id: `acct-${r.account}`,
                },
              });
              if (res.response.status !== 201)
                expect([403, 409], JSON.stringify(res.error)).toContain(res.response.status);
              return { r, hold: res.data };
            }),
          );
          await Promise.all(
            answers.map(async ({ r, hold }) => {
              if (!hold || r.then === 'keep') return;
              const path = r.then === 'confirm' ? '/v1/holds/{holdId}/confirm' : '/v1/holds/{holdId}/release';
              await ok(shop.POST(path, { params: { path: { holdId: hold.id } } }));
            }),
          );
          await checkInvariants(t.dropId, skuIds, t.regionIds[1]!, s);
        }
      }),
      { numRuns: RUNS },
    );
  }, 600_000);
});

interface Scenario {
  stock: [number, number];
  holders: number;
  holdersRegion: number;
  members: number;
  perSku: number | null;
  perDrop: number | null;
  phase: 'holders' | 'members';
}

async function checkInvariants(dropId: string, skuIds: string[], regionId: string, s: Scenario) {
  const db = app.database.db;
  const { rows } = await db.query<{
    sku_id: string;
    region_id: string;
    tier: string | null;
    account_hash: string;
    quantity: number;
  }>(
    `select c.sku_id, c.region_id, c.tier, c.account_hash, c.quantity
     from hold_access_claims c join reservation_holds h on h.id = c.hold_id
     where c.drop_id = $1 and h.status in ('held', 'confirmed')`,
    [dropId],
  );
  // Account limits (the clock does not move inside a run: no active hold is past its expiry).
  const bySku = new Map<string, number>();
  const byDrop = new Map<string, number>();
  for (const r of rows) {
    bySku.set(`${r.account_hash}/${r.sku_id}`, (bySku.get(`${r.account_hash}/${r.sku_id}`) ?? 0) + r.quantity);
    byDrop.set(r.account_hash, (byDrop.get(r.account_hash) ?? 0) + r.quantity);
  }
  if (s.perSku !== null) for (const units of bySku.values()) expect(units).toBeLessThanOrEqual(s.perSku);
  if (s.perDrop !== null) for (const units of byDrop.values()) expect(units).toBeLessThanOrEqual(s.perDrop);

  for (const [i, skuId] of skuIds.entries()) {
    const stock = s.stock[i as 0 | 1];
    const units = (share: number) => Math.floor((share * stock) / 100);
    const lines = rows.filter((r) => r.sku_id === skuId);
    const takenBy = (keep: (r: (typeof lines)[number]) => boolean) =>
      lines.filter(keep).reduce((a, r) => a + r.quantity, 0);
    // Reserves of the tiers whose windows have not ended, per scope: [tier, region or null, units].
    const open: [string, string | null, number][] =
      s.phase === 'holders'
        ? [
            ['holders', null, units(s.holders)],
            ['members', null, units(s.members)],
          ]
        : [['members', null, units(s.members) + units(s.holders)]];
    const regionalReserve: [string, number] =
      s.phase === 'holders' ? ['holders', units(s.holdersRegion)] : ['members', units(s.holdersRegion)];
    const total = takenBy(() => true);
    const allReserved = open.reduce((a, [, , n]) => a + n, 0) + regionalReserve[1];
    for (const [tier, , reserved] of open) {
      // Every other buyer together never holds into this tier's reserves (drop-wide and regional).
      const regional = regionalReserve[0] === tier ? regionalReserve[1] : 0;
      expect(takenBy((r) => r.tier !== tier)).toBeLessThanOrEqual(stock - reserved - regional);
    }
    // Everyone outside (tier, region 1) leaves that regional reserve alone, and the reserves of the
    // other tiers too; no buyer ever takes more than the stock.
    const [rtier, rUnits] = regionalReserve;
    const others = open.filter(([tier]) => tier !== rtier).reduce((a, [, , n]) => a + n, 0);
    expect(takenBy((r) => !(r.tier === rtier && r.region_id === regionId))).toBeLessThanOrEqual(
      stock - rUnits - others,
    );
    expect(total).toBeLessThanOrEqual(stock);
    expect(allReserved).toBeLessThanOrEqual(stock);
  }

  // The reserve counters the access step reads agree with the claims of active and confirmed holds.
  const counted = await db.query<{ key: string; units: number }>(
    `select u.sku_id || '/' || u.tier || '/' || u.scope as key, (u.units - coalesce(f.units, 0))::int as units
     from access_reserve_claimed u left join access_reserve_freed f using (drop_id, sku_id, tier, scope)
     where u.drop_id = $1`,
    [dropId],
  );
  const actual = await db.query<{ key: string; units: number }>(
    `select key, sum(units)::int as units from (
       select c.sku_id || '/' || c.tier || '/' || c.region_id as key, c.region_units as units
       from hold_access_claims c join reservation_holds h on h.id = c.hold_id
       where c.drop_id = $1 and c.tier is not null and h.status in ('held', 'confirmed')
       union all
       select c.sku_id || '/' || c.tier || '/' as key, c.drop_units as units
       from hold_access_claims c join reservation_holds h on h.id = c.hold_id
       where c.drop_id = $1 and c.tier is not null and h.status in ('held', 'confirmed')
     ) x group by key`,
    [dropId],
  );
  const nonZero = (rows: { key: string; units: number }[]) =>
    Object.fromEntries(rows.filter((r) => r.units !== 0).map((r) => [r.key, r.units]));
  expect(nonZero(counted.rows)).toEqual(nonZero(actual.rows));
  // The ledger: held = Σ active holds, confirmed = Σ confirmed holds, nothing oversold.
  const ledger = await db.query<{
    held: number;
    active: number;
    confirmed: number;
    ordered: number;
    available: number;
  }>(
    `select s.held, s.confirmed, l.available,
       (select coalesce(sum(quantity), 0)::int from reservation_holds h where h.hub_id = s.hub_id and h.sku_id = s.sku_id and h.status = 'held') as active,
       (select coalesce(sum(quantity), 0)::int from reservation_holds h where h.hub_id = s.hub_id and h.sku_id = s.sku_id and h.status = 'confirmed') as ordered
     from hub_stock s join hub_stock_levels l using (hub_id, sku_id) where s.sku_id = any($1::text[])`,
    [skuIds],
  );
  for (const row of ledger.rows) {
    expect(row.held).toBe(row.active);
    expect(row.confirmed).toBe(row.ordered);
    expect(row.available).toBeGreaterThanOrEqual(0);
  }
}
