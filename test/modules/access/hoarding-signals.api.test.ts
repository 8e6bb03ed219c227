import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, type PlannerClient } from '../../../src/client';
import type { Schemas } from '../../../src/http/contract';
import { createJobQueue } from '../../../src/jobs/queue';
import { createLogger } from '../../../src/shared/logger';
import { createKey, createTenant, type Tenant } from '../../factories/catalog-factory';
import { eventually, publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { expectData, expectProblem } from '../../harness/answers';
import { startTestApp, type TestApp } from '../../harness/test-app';

/**
 * Hoarding signals through the typed client, on PGlite and (with TEST_DATABASE_URL) PostgreSQL:
 * the creator's threshold (422 naming the field), holds refused above it with the signal named,
 * the queue's back for a flagged account, the flagged-accounts report and its tenancy, device and
 * address hashes never stored as sent, and the job that deletes the data 30 days after the close.
 *
 * The test drop opens 2026-12-03T17:00Z and closes 2026-12-05T17:00Z.
 */
const AFTER_OPENING = '2026-12-03T18:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(AFTER_OPENING) + seconds * 1000).toISOString();

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ now: AFTER_OPENING });
});
afterAll(() => app.close());

interface Shop {
  tenant: Tenant;
  creator: PlannerClient;
  shop: PlannerClient;
}

async function stockedTenant(units: number, threshold: number | null): Promise<Shop> {
  app.clock.set(AFTER_OPENING);
  const tenant = await createTenant(app);
  await publishPlanWithAllocations(app.database.db, tenant.dropId, [
    { skuId: tenant.skuId, hubId: tenant.hubId, units },
  ]);
  await eventually(() => app.services.snapshots.current().skus.get(tenant.skuId)?.publishedPlanId != null, 10_000);
  const creator = app.client(await createKey(app, { role: 'creator', creator_id: tenant.creatorId }));
  const shop = app.client(await createKey(app, { role: 'storefront', creator_id: tenant.creatorId }));
  if (threshold !== null)
    await ok(
      creator.PUT('/v1/drops/{dropId}/access', {
        params: { path: { dropId: tenant.dropId } },
        body: { tiers: [], abuse_threshold: threshold },
      }),
    );
  return { tenant, creator, shop };
}

const hold = (s: Shop, extra: Partial<Schemas['HoldInput']> = {}) =>
  s.shop.POST('/v1/holds', {
    body: { sku_id: s.tenant.skuId, region_id: s.tenant.regionIds[0]!, quantity: 1, hold_seconds: 900, ...extra },
  });

const flagged = (s: Shop, client = s.creator) =>
  client.GET('/v1/drops/{dropId}/access/flagged', { params: { path: { dropId: s.tenant.dropId } } });

const extension = (problem: Schemas['Problem'], name: string) => (problem as Record<string, unknown>)[name];

describe('the signal threshold of a drop', () => {
  it('is set and read with the access rules; ≤ 0 is 422 naming abuse_threshold and nothing is written', async () => {
    const s = await stockedTenant(10, null);
    const path = { params: { path: { dropId: s.tenant.dropId } } };
    for (const bad of [0, -1])
      expect(
        (
          await expectProblem(
            422,
            s.creator.PUT('/v1/drops/{dropId}/access', { ...path, body: { tiers: [], abuse_threshold: bad } }),
          )
        ).errors?.map((e) => e.path),
      ).toContain('abuse_threshold');
    expect((await ok(s.creator.GET('/v1/drops/{dropId}/access', path))).updated_at).toBeNull();
    const saved = await ok(
      s.creator.PUT('/v1/drops/{dropId}/access', { ...path, body: { tiers: [], abuse_threshold: 2.5 } }),
    );
    expect(saved.abuse_threshold).toBe(2.5);
    expect((await ok(s.creator.GET('/v1/drops/{dropId}/access', path))).abuse_threshold).toBe(2.5);
    // A threshold scores accounts: every hold names one.
    const missing = await expectProblem(422, hold(s));
    expect(missing.errors?.map((e) => e.path)).toContain('account_id');
    // Device and address hashes are about an account.
    const s2 = await stockedTenant(10, null);
    const orphan = await expectProblem(422, hold(s2, { device_hash: 'device-0001' }));
    expect(orphan.errors?.map((e) => e.path)).toContain('device_hash');
  });
});

describe('holds above the threshold', () => {
  it('refuses a fourth hold within 5 s (inhuman_velocity), allows it once the burst is past', async () => {
    const s = await stockedTenant(50, 1);
    for (let i = 0; i < 3; i++) await expectData(201, hold(s, { account_id: 'fast' }));
    const refused = await expectProblem(403, hold(s, { account_id: 'fast' }));
    expect(refused.code).toBe('account_limited');
    expect(extension(refused, 'reason')).toBe('inhuman_velocity');
    expect(extension(refused, 'signals')).toEqual(['inhuman_velocity']);
    expect(extension(refused, 'score')).toBe(2);
    expect(extension(refused, 'threshold')).toBe(1);
    // Another account is not touched; the same account after the window is.
    await expectData(201, hold(s, { account_id: 'calm' }));
    app.clock.set(at(6));
    await expectData(201, hold(s, { account_id: 'fast' }));
  });

  it('refuses a third account on one device (shared_device), and stores device and address only re-hashed', async () => {
    const s = await stockedTenant(50, 1);
    const device = 'device-hash-from-the-storefront';
    const address = 'address-hash-from-the-storefront';
    await expectData(201, hold(s, { account_id: 'a1', device_hash: device, address_hash: address }));
    await expectData(201, hold(s, { account_id: 'a2', device_hash: device }));
    const refused = await expectProblem(403, hold(s, { account_id: 'a3', device_hash: device }));
    expect(extension(refused, 'reason')).toBe('shared_device');
    // The refused hold wrote nothing: a3 is not on the device, and a4 on another device holds.
    await expectData(201, hold(s, { account_id: 'a4', device_hash: 'another-device-hash' }));
    const { rows } = await app.database.db.query<{ row: string }>(
      'select row_to_json(f)::text as row from access_account_fingerprints f where drop_id = $1',
      [s.tenant.dropId],
    );
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      expect(r.row).not.toContain(device);
      expect(r.row).not.toContain(address);
      expect(r.row).not.toMatch(/"a[1-4]"/);
    }
  });

  it('refuses after quick hold-and-release cycles (quick_cycles)', async () => {
    const s = await stockedTenant(50, 2);
    let clock = 0;
    for (let i = 0; i < 4; i++) {
      app.clock.set(at((clock += 10)));
      const held = await expectData(201, hold(s, { account_id: 'cycler' }));
      app.clock.set(at((clock += 5)));
      await ok(s.shop.POST('/v1/holds/{holdId}/release', { params: { path: { holdId: held.id } } }));
    }
    // 4 quick cycles: 3 beyond the allowance of 1 → 3 points, above 2.
    app.clock.set(at((clock += 10)));
    const refused = await expectProblem(403, hold(s, { account_id: 'cycler' }));
    expect(extension(refused, 'reason')).toBe('quick_cycles');
    // A hold kept two minutes before its release is no quick cycle.
    const patient = await expectData(201, hold(s, { account_id: 'patient' }));
    app.clock.set(at(clock + 120));
    await ok(s.shop.POST('/v1/holds/{holdId}/release', { params: { path: { holdId: patient.id } } }));
    await expectData(201, hold(s, { account_id: 'patient' }));
  });
});

describe('the flagged-accounts report', () => {
  it('lists accounts with signals, highest score first, for the creator and admin; other tenants 404', async () => {
    const s = await stockedTenant(50, 3);
    for (let i = 0; i < 5; i++) await hold(s, { account_id: 'burst' });
    for (const [i, account] of ['d1', 'd2', 'd3'].entries())
      await expectData(
        201,
        hold(s, { account_id: account, device_hash: 'shared-device', region_id: s.tenant.regionIds[i % 2]! }),
      );
    await expectData(201, hold(s, { account_id: 'plain' }));

    const report = await ok(flagged(s));
    expect(report.drop_id).toBe(s.tenant.dropId);
    expect(report.abuse_threshold).toBe(3);
    // burst: the fourth hold in 5 s scores 2 (≤ 3, granted), the fifth 4 (refused): 4 holds.
    const burst = report.accounts.find((a) => a.signals.find((x) => x.name === 'inhuman_velocity')!.count > 1)!;
    expect(burst.signals.find((x) => x.name === 'inhuman_velocity')!.count).toBe(4);
    expect(burst.holds).toBe(4);
    expect(burst.score).toBe(2);
    expect(burst.above_threshold).toBe(false);
    // d1..d3 share one device: 3 accounts, 1 beyond 2 → 2 points each.
    const shared = report.accounts.filter((a) => a.signals.find((x) => x.name === 'shared_device')!.count === 3);
    expect(shared).toHaveLength(3);
    for (const a of shared) expect(a.score).toBe(2);
    // The plain account shows no signal; hashes only.
    expect(report.accounts).toHaveLength(4);
    for (const a of report.accounts) expect(a.account_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(report.accounts.map((a) => a.score)).toEqual([...report.accounts.map((a) => a.score)].sort((a, b) => b - a));

    expect((await ok(flagged(s, app.client()))).accounts).toEqual(report.accounts);
    const other = await stockedTenant(1, null);
    expect((await flagged(s, other.creator)).response.status).toBe(404);
    // A storefront key does not see the route (404, as for the access rules).
    expect((await flagged(s, s.shop)).response.status).toBe(404);
  });
});

describe('the queue for a flagged account', () => {
  it('sends the entry behind everyone, even those who join after it', async () => {
    const s = await stockedTenant(1, 1);
    await expectData(201, hold(s, { account_id: 'holder' }));
    const join = (account: string, device?: string) =>
      expectData(
        201,
        s.shop.POST('/v1/drops/{dropId}/queue', {
          params: { path: { dropId: s.tenant.dropId } },
          body: {
            sku_id: s.tenant.skuId,
            region_id: s.tenant.regionIds[0]!,
            quantity: 1,
            account_id: account,
            ...(device ? { device_hash: device } : {}),
          },
        }),
      );
    const q1 = await join('q1', 'one-device');
    const q2 = await join('q2', 'one-device');
    // The third account on the device scores 2, above 1: it waits behind everyone.
    const q3 = await join('q3', 'one-device');
    const q4 = await join('q4');
    const position = async (id: string) =>
      (
        await ok(
          s.shop.GET('/v1/drops/{dropId}/queue/{entryId}', {
            params: { path: { dropId: s.tenant.dropId, entryId: id } },
          }),
        )
      ).position;
    expect([await position(q1.id), await position(q2.id), await position(q4.id), await position(q3.id)]).toEqual([
      1, 2, 3, 4,
    ]);
  });
});

describe('the retention job', () => {
  it('deletes fingerprints, account hashes and the salt of drops closed 30 days ago, and nothing else', async () => {
    const old = await stockedTenant(1, null);
    const recent = await stockedTenant(1, null);
    for (const s of [old, recent]) {
      await expectData(
        201,
        hold(s, { account_id: 'buyer', device_hash: 'device-of-buyer', address_hash: 'address-of-buyer' }),
      );
      // Sold out: another account waits in the queue (its entry keeps the account's hash too).
      await expectData(
        201,
        s.shop.POST('/v1/drops/{dropId}/queue', {
          params: { path: { dropId: s.tenant.dropId } },
          body: { sku_id: s.tenant.skuId, region_id: s.tenant.regionIds[0]!, quantity: 1, account_id: 'waiter' },
        }),
      );
    }
    const { rows: drops } = await app.database.db.query<{ id: string }>(
      'select id from drops where id = any($1::text[])',
      [[old.tenant.dropId, recent.tenant.dropId]],
    );
    expect(drops).toHaveLength(2);
    // The recent drop closes later than the old one.
    await app.database.db.query("update drops set closes_at = closes_at + interval '10 days' where id = $1", [
      recent.tenant.dropId,
    ]);
    const counts = async (dropId: string) =>
      (
        await app.database.db.query<{ prints: number; hashes: number; queued: number; salts: number }>(
          `select
             (select count(*) from access_account_fingerprints where drop_id = $1)::int as prints,
             (select count(*) from hold_access_claims where drop_id = $1 and account_hash is not null)::int as hashes,
             (select count(*) from queue_entries where drop_id = $1 and account_hash is not null)::int as queued,
             (select count(*) from drop_account_salts where drop_id = $1)::int as salts`,
          [dropId],
        )
      ).rows[0]!;
    const runJob = async () => {
      const queue = createJobQueue(app.services.db, app.services.jobs, createLogger('silent'), { workers: false });
      try {
        expect(await queue.runOnce('access.purge-signals')).toBe(true);
      } finally {
        await queue.stop();
      }
    };
    // 29 days after the close: nothing goes.
    app.clock.set('2027-01-03T17:00:00.000Z');
    await runJob();
    expect(await counts(old.tenant.dropId)).toEqual({ prints: 2, hashes: 1, queued: 1, salts: 1 });
    // 31 days after the old drop's close (21 after the recent one's).
    app.clock.set('2027-01-05T18:00:00.000Z');
    await runJob();
    expect(await counts(old.tenant.dropId)).toEqual({ prints: 0, hashes: 0, queued: 0, salts: 0 });
    expect(await counts(recent.tenant.dropId)).toEqual({ prints: 2, hashes: 1, queued: 1, salts: 1 });
    // The holds themselves stay (the ledger and reports need them).
    const { rows } = await app.database.db.query<{ n: number }>(
      'select count(*)::int as n from hold_access_claims where drop_id = $1',
      [old.tenant.dropId],
    );
    expect(rows[0]!.n).toBe(1);
  });
});
